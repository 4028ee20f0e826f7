#include "system/sysv_scripts.hpp"

#include <algorithm>

#include "system/unit_index.hpp"
#include "system/unit_name.hpp"

namespace excise::sys {

namespace {

bool matches(const std::vector<std::string>& globs, std::string_view name) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return name_glob_match(g, name); });
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// "S01acme" -> "acme"; empty when the name is not an rc link name.
std::string_view rc_script_name(std::string_view name) {
  if (name.size() < 4 || (name[0] != 'S' && name[0] != 'K') || !is_digit(name[1]) ||
      !is_digit(name[2]))
    return {};
  return name.substr(3);
}

UnitArtifact artifact(const IndexedEntry& e, UnitArtifactKind kind, std::string_view script) {
  UnitArtifact a;
  a.path = e.path;
  a.kind = kind;
  a.unit = std::string(script);
  a.file_kind = e.kind;
  a.target = e.target;
  a.points_to = e.resolved;
  return a;
}

}  // namespace

std::vector<UnitArtifact> scan_sysv(const UnitTree& tree, const std::vector<std::string>& globs) {
  for (const auto& g : globs)
    check_name_glob(g, "init script");
  std::vector<UnitArtifact> out;
  if (globs.empty()) return out;

  std::string init_d = canonical_path(tree, "/etc/init.d");
  for (const auto& e : tree.list(init_d))
    if (matches(globs, e.name))
      out.push_back(artifact(index_entry(tree, init_d, e), UnitArtifactKind::init_script, e.name));

  std::vector<std::string> seen;
  for (std::string_view level : {"0", "1", "2", "3", "4", "5", "6", "S"}) {
    std::string dir = canonical_path(tree, "/etc/rc" + std::string(level) + ".d");
    if (std::find(seen.begin(), seen.end(), dir) != seen.end()) continue;
    seen.push_back(dir);
    for (const auto& e : tree.list(dir)) {
      std::string_view script = rc_script_name(e.name);
      if (!script.empty() && matches(globs, script))
        out.push_back(artifact(index_entry(tree, dir, e), UnitArtifactKind::rc_link, script));
    }
  }
  return out;
}

}  // namespace excise::sys
