#include "system/unit_index.hpp"

#include <algorithm>

#include "system/unit_name.hpp"

namespace excise::sys {

namespace {

// deb-systemd-helper mirrors /etc/systemd/system/X.wants/Y: two levels; a little slack.
constexpr int kHelperDepth = 4;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::vector<IndexedEntry> index_dir(const UnitTree& tree, const std::string& dir) {
  std::vector<IndexedEntry> out;
  for (const auto& e : tree.list(dir))
    out.push_back(index_entry(tree, dir, e));
  std::sort(out.begin(), out.end(),
            [](const IndexedEntry& a, const IndexedEntry& b) { return a.name < b.name; });
  return out;
}

std::string child(const std::string& dir, std::string_view name) {
  return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
}

IndexedDir index_search_dir(const UnitTree& tree, const UnitSearchDir& search, std::string path) {
  IndexedDir d{search, std::move(path), {}, {}, {}};
  for (auto& e : index_dir(tree, d.path)) {
    // Only real directories are entered, as systemd does (it checks d_type == DT_DIR).
    if (e.kind == FileKind::directory) {
      for (std::string_view suffix : {".wants", ".requires", ".upholds"}) {
        if (ends_with(e.name, suffix)) {
          d.deps.push_back({e.name.substr(0, e.name.size() - suffix.size()), e.name, e.path,
                            index_dir(tree, e.path)});
        }
      }
      // "service.d" and the like are type-wide drop-ins, no unit's own: the name check
      // drops them.
      if (ends_with(e.name, ".d") && is_unit_name(e.name.substr(0, e.name.size() - 2)))
        d.dropins.push_back({e.name.substr(0, e.name.size() - 2), e.path, index_dir(tree, e.path)});
    }
    std::string name = e.name;
    d.entries.emplace(std::move(name), std::move(e));
  }
  return d;
}

void index_helper_tree(const UnitTree& tree, const std::string& dir, const std::string& rel,
                       int depth, std::vector<HelperEntry>& out, std::vector<IndexedEntry>* also) {
  for (auto& e : index_dir(tree, dir)) {
    std::string r = rel.empty() ? e.name : rel + "/" + e.name;
    if (e.kind == FileKind::directory) {
      if (depth < kHelperDepth) index_helper_tree(tree, e.path, r, depth + 1, out, nullptr);
    } else if (also && ends_with(e.name, ".dsh-also")) {
      also->push_back(std::move(e));
    } else {
      out.push_back({std::move(r), std::move(e)});
    }
  }
}

}  // namespace

std::string canonical_path(const UnitTree& tree, std::string_view path) {
  auto resolved = resolve_in_root(tree, path, true);
  return resolved ? *resolved : normalize_path(path);
}

IndexedEntry index_entry(const UnitTree& tree, const std::string& dir, const UnitTree::Entry& e) {
  IndexedEntry out;
  out.name = e.name;
  out.path = child(dir, e.name);
  out.kind = e.kind;
  if (e.kind == FileKind::symlink) {
    out.target = tree.read_link(out.path).value_or("");
    out.lexical = join_link_target(dir, out.target);
    out.resolved = resolve_in_root(tree, link_target_path(dir, out.target), true).value_or("");
  }
  return out;
}

ScopeIndex index_scope(const UnitTree& tree, UnitScope scope) {
  ScopeIndex index;
  index.scope = scope;
  index.persistent_config = canonical_path(tree, persistent_config_dir(scope));
  for (const auto& search : unit_search_dirs(scope)) {
    std::string path = canonical_path(tree, search.path);
    bool seen = std::any_of(index.dirs.begin(), index.dirs.end(),
                            [&](const IndexedDir& d) { return d.path == path; });
    if (!seen) index.dirs.push_back(index_search_dir(tree, search, std::move(path)));
  }
  auto helper = debian_helper_dirs(scope);
  index_helper_tree(tree, canonical_path(tree, helper.enabled), "", 1, index.debian.enabled,
                    &index.debian.also);
  index_helper_tree(tree, canonical_path(tree, helper.masked), "", 1, index.debian.masked, nullptr);
  return index;
}

}  // namespace excise::sys
