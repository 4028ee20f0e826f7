#include "system/unit_state.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "system/unit_name.hpp"

namespace excise::sys {

namespace {

// systemd's UNIT_FILE_FOLLOW_SYMLINK_MAX.
constexpr int kMaxFollow = 64;

enum class Mode { none, regular, masked, alias, linked, bad };

struct Info {
  std::string name;
  std::string path;
  Mode mode = Mode::none;
  std::string symlink_target;
  InstallSection install;
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_runtime(std::string_view path) {
  return path_starts_with(path, "/run");
}

class Lookup {
 public:
  Lookup(const UnitTree& tree, const ScopeIndex& index) : tree_(tree), index_(index) {
    for (const auto& d : index.dirs)
      if (d.search.read_by_systemd) dirs_.push_back(&d);
  }

  UnitLookup run(std::string_view query) {
    UnitLookup out;
    out.name = std::string(query);
    Info info{std::string(query), {}, Mode::none, {}, {}};
    auto failed = traverse(info);
    if (failed) {
      out.state = *failed;
      return out;
    }
    out.name = info.name;
    out.fragment = info.path;
    out.install = info.install;
    out.state = state_of(query, info);
    return out;
  }

 private:
  // unit_file_load_or_readlink: what the file at `path` makes of the unit.
  Mode load(const std::string& path, Info& info) {
    auto kind = tree_.kind(path);
    if (!kind) return Mode::none;
    if (*kind == FileKind::regular) {
      auto text = tree_.read(path);
      if (!text) return Mode::none;
      if (text->empty()) return Mode::masked;  // systemd's null_or_empty()
      parse_install_section(*text, info.name, info.install);
      return Mode::regular;
    }
    if (*kind != FileKind::symlink) return Mode::bad;
    // unit_file_resolve_symlink: the target with its parents resolved, not itself.
    auto raw = tree_.read_link(path);
    if (!raw) return Mode::none;
    auto target = resolve_in_root(tree_, link_target_path(path_dirname(path), *raw), false);
    if (!target) return Mode::bad;
    bool inside = std::any_of(dirs_.begin(), dirs_.end(), [&](const IndexedDir* d) {
      return path_starts_with(*target, d->path);
    });
    if (inside && !valid_alias_link(path_basename(path), path_basename(*target))) return Mode::bad;
    info.symlink_target = *target;
    if (null_or_empty(*target)) return Mode::masked;
    return inside ? Mode::alias : Mode::linked;
  }

  // null_or_empty_path_with_root: /dev/null (which a bare root may lack) or, following
  // links, an empty file.
  bool null_or_empty(const std::string& path) const {
    if (path == "/dev/null") return true;
    auto full = resolve_in_root(tree_, path, true);
    if (!full) return false;
    if (*full == "/dev/null") return true;
    if (tree_.kind(*full) != FileKind::regular) return false;
    auto text = tree_.read(*full);
    return text && text->empty();
  }

  // unit_file_search: the first file named for the unit (or its template) in the search
  // path, then its drop-ins.
  bool search(Info& info) {
    std::string templ = unit_template_of(info.name);
    bool is_instance = unit_name_form(info.name) == UnitNameForm::instance;
    auto try_name = [&](const std::string& name) {
      for (const auto* d : dirs_) {
        if (!d->entries.count(name)) continue;
        std::string path = d->entries.at(name).path;
        Mode mode = load(path, info);
        if (mode == Mode::none) continue;
        info.mode = mode;
        info.path = path;
        return true;
      }
      return false;
    };
    if (!try_name(info.name) && !(is_instance && try_name(templ))) return false;
    if (info.mode == Mode::masked) return true;
    load_drop_ins(info, is_instance ? templ : std::string());
    return true;
  }

  // conf_files_list_strv over <name>.d then <template>.d in every search directory: the
  // first directory holding a file name wins, and the winners are read sorted by name.
  void load_drop_ins(Info& info, const std::string& templ) {
    std::map<std::string, const IndexedEntry*> winners;
    for (const std::string& unit : {info.name, templ}) {
      if (unit.empty()) continue;
      for (const auto* d : dirs_)
        for (const auto& dropin : d->dropins)
          if (dropin.unit == unit)
            for (const auto& e : dropin.entries)
              if (ends_with(e.name, ".conf")) winners.emplace(e.name, &e);
    }
    for (const auto& [name, e] : winners) {
      std::string path = e->is_link() ? e->resolved : e->path;
      if (path.empty() || null_or_empty(path)) continue;  // masked drop-in
      if (auto text = tree_.read(path)) parse_install_section(*text, info.name, info.install);
    }
  }

  // install_info_traverse: follows aliases and linked unit files to the real unit.
  // Returns the state to report when it fails.
  std::optional<UnitFileState> traverse(Info& info) {
    if (!search(info)) return UnitFileState::not_found;
    for (int hops = 0; info.mode == Mode::alias || info.mode == Mode::linked; ++hops) {
      if (hops >= kMaxFollow) return UnitFileState::bad;
      std::string target_name = path_basename(info.symlink_target);
      bool follow = info.mode == Mode::linked || target_name == info.name;
      if (!follow && unit_name_form(info.name) == UnitNameForm::instance &&
          unit_name_form(target_name) == UnitNameForm::templ) {
        std::string filled = unit_with_instance(target_name, unit_instance_of(info.name));
        if (filled == info.name)
          follow = true;
        else
          target_name = filled;
      }
      if (follow) {
        info.path = info.symlink_target;
        info.mode = load(info.path, info);
        if (info.mode == Mode::none) return UnitFileState::not_found;
        continue;
      }
      Info next{target_name, {}, Mode::none, {}, {}};
      if (!search(next)) return UnitFileState::bad;  // systemd: -ENOLINK
      info = std::move(next);
    }
    if (info.mode == Mode::bad) return UnitFileState::bad;
    return std::nullopt;
  }

  bool is_parent_role(const std::string& path, UnitDirRole role) const {
    std::string parent = path_dirname(path);
    return std::any_of(dirs_.begin(), dirs_.end(), [&](const IndexedDir* d) {
      return d->search.role == role && d->path == parent;
    });
  }

  UnitFileState state_of(std::string_view query, const Info& info) {
    if (info.mode == Mode::masked)
      return is_runtime(info.path) ? UnitFileState::masked_runtime : UnitFileState::masked;
    if (query != path_basename(info.path) && unit_name_form(info.name) != UnitNameForm::instance)
      return UnitFileState::alias;
    if (is_parent_role(info.path, UnitDirRole::generator)) return UnitFileState::generated;
    if (is_parent_role(info.path, UnitDirRole::transient)) return UnitFileState::transient;
    if (auto s = find_symlinks_in_scope(info, true)) return *s;
    if (find_symlinks_in_scope(info, false)) return UnitFileState::indirect;
    if (info.install.has_rules()) return UnitFileState::disabled;
    if (!info.install.also.empty()) return UnitFileState::indirect;
    return UnitFileState::static_;
  }

  // is_symlink_with_known_name: a link name `systemctl enable` would have made.
  static bool known_name(const Info& info, const std::string& name) {
    if (name == info.name) return true;
    const auto& aliases = info.install.alias;
    if (std::find(aliases.begin(), aliases.end(), name) != aliases.end()) return true;
    return !info.install.default_instance.empty() &&
           unit_name_form(info.name) == UnitNameForm::templ &&
           name == unit_with_instance(info.name, info.install.default_instance);
  }

  // find_symlinks_in_directory. Returns true when a link enables the unit.
  template <typename Entries>
  bool find_in(const Entries& entries, const std::string& dir_path, bool ignore_destination,
               const Info& info, bool match_name, bool ignore_same_name,
               const std::string& config_path, bool& same_name_link) {
    for (const auto& item : entries) {
      const IndexedEntry& e = entry_of(item);
      if (!e.is_link()) continue;
      bool found_path = false, found_dest = false;
      if (!ignore_destination) found_dest = path_basename(e.lexical) == info.name;
      if (ignore_destination || !ignore_same_name) found_path = e.name == info.name;
      if (!found_path && ignore_destination) {
        auto form = unit_name_form(e.name);
        found_dest = (form == UnitNameForm::instance || form == UnitNameForm::templ) &&
                     unit_template_of(e.name) == info.name;
      }
      if (found_path && found_dest && dir_path == config_path) {
        same_name_link = true;
      } else if (found_path || found_dest) {
        if (!match_name || known_name(info, e.name)) return true;
      }
    }
    return false;
  }

  static const IndexedEntry& entry_of(const IndexedEntry& e) { return e; }
  static const IndexedEntry& entry_of(const std::pair<const std::string, IndexedEntry>& p) {
    return p.second;
  }

  // find_symlinks: the .wants/.requires/.upholds directories first, then the directory.
  bool find_symlinks(const IndexedDir& d, const Info& info, bool match_name, bool ignore_same_name,
                     bool& same_name_link) {
    for (const auto& dep : d.deps)
      if (find_in(dep.entries, dep.path, true, info, match_name, ignore_same_name, d.path,
                  same_name_link))
        return true;
    return find_in(d.entries, d.path, false, info, match_name, ignore_same_name, d.path,
                   same_name_link);
  }

  std::optional<UnitFileState> find_symlinks_in_scope(const Info& info, bool match_name) {
    bool same_name_config = false, same_name_runtime = false;
    bool enabled_runtime = false, enabled_at_all = false, ignore_same_name = false;
    for (const auto* d : dirs_) {
      bool same_name_link = false;
      if (find_symlinks(*d, info, match_name, ignore_same_name, same_name_link)) {
        if (d->path == index_.persistent_config) return UnitFileState::enabled;
        if (is_runtime(d->path))
          enabled_runtime = true;
        else
          enabled_at_all = true;
      } else if (same_name_link) {
        if (d->path == index_.persistent_config)
          same_name_config = true;
        else if (is_runtime(d->path))
          same_name_runtime = true;
      }
      // Same-name links below the unit file's own directory are shadowed by it.
      if (!ignore_same_name && path_starts_with(info.path, d->path)) ignore_same_name = true;
    }
    if (enabled_runtime) return UnitFileState::enabled_runtime;
    // An instance linked in outside /etc and /run is "statically" enabled.
    if (enabled_at_all && unit_name_form(info.name) == UnitNameForm::instance)
      return UnitFileState::static_;
    if (same_name_config) return UnitFileState::linked;
    if (same_name_runtime) return UnitFileState::linked_runtime;
    return std::nullopt;
  }

  const UnitTree& tree_;
  const ScopeIndex& index_;
  std::vector<const IndexedDir*> dirs_;
};

}  // namespace

std::string_view unit_file_state_name(UnitFileState state) {
  switch (state) {
    case UnitFileState::enabled:
      return "enabled";
    case UnitFileState::enabled_runtime:
      return "enabled-runtime";
    case UnitFileState::linked:
      return "linked";
    case UnitFileState::linked_runtime:
      return "linked-runtime";
    case UnitFileState::alias:
      return "alias";
    case UnitFileState::masked:
      return "masked";
    case UnitFileState::masked_runtime:
      return "masked-runtime";
    case UnitFileState::static_:
      return "static";
    case UnitFileState::indirect:
      return "indirect";
    case UnitFileState::disabled:
      return "disabled";
    case UnitFileState::generated:
      return "generated";
    case UnitFileState::transient:
      return "transient";
    case UnitFileState::bad:
      return "bad";
    case UnitFileState::not_found:
      break;
  }
  return "not-found";
}

UnitLookup lookup_unit(const UnitTree& tree, const ScopeIndex& index, std::string_view name) {
  if (!is_unit_name(name)) return UnitLookup{std::string(name), {}, {}, UnitFileState::bad};
  return Lookup(tree, index).run(name);
}

}  // namespace excise::sys
