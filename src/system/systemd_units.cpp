#include "system/systemd_units.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "system/sysv_scripts.hpp"
#include "system/unit_index.hpp"
#include "system/unit_name.hpp"

namespace excise::sys {

namespace {

// "acme.service.dsh-also" -> "acme.service" (the index only keeps names with the suffix).
std::string dsh_unit(std::string_view name) {
  return std::string(name.substr(0, name.size() - std::string_view(".dsh-also").size()));
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < text.size()) {
    auto nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    if (nl > i) out.emplace_back(text.substr(i, nl - i));
    i = nl + 1;
  }
  return out;
}

// Scans one scope: selects the unit names the globs reach, then collects their artifacts.
class ScopeScan {
 public:
  ScopeScan(const UnitTree& tree, const std::vector<std::string>& globs, UnitScope scope)
      : tree_(tree), globs_(globs), index_(index_scope(tree, scope)) {}

  void run(UnitScan& out) {
    select_names();
    if (families_.empty()) return;
    collect_dsh_lists();
    collect_aliases();
    for (std::size_t rank = 0; rank < index_.dirs.size(); ++rank)
      scan_dir(rank);
    scan_debian_state();
    for (const auto& name : names_)
      out.units.push_back(info_for(name));
    for (auto& a : artifacts_)
      out.artifacts.push_back(std::move(a));
  }

 private:
  // A template and its instances are one family: a glob reaching any of them selects all.
  static std::string family(std::string_view name) { return unit_template_of(name); }

  bool selected(std::string_view name) const {
    return is_unit_name(name) && families_.count(family(name)) > 0;
  }

  void consider(std::string_view name) {
    if (!is_unit_name(name)) return;
    candidates_.insert(std::string(name));
  }

  void consider_link(const IndexedEntry& e) {
    consider(e.name);
    if (!e.is_link()) return;
    consider(path_basename(e.lexical));
    if (!e.resolved.empty()) consider(path_basename(e.resolved));
  }

  void select_names() {
    for (const auto& d : index_.dirs) {
      for (const auto& [name, e] : d.entries)
        consider_link(e);
      for (const auto& dep : d.deps) {
        consider(dep.owner);
        for (const auto& e : dep.entries)
          consider_link(e);
      }
      for (const auto& dropin : d.dropins)
        consider(dropin.unit);
    }
    for (const auto& e : index_.debian.also)
      consider(dsh_unit(e.name));
    for (const auto& h : index_.debian.enabled)
      consider(h.entry.name);
    for (const auto& h : index_.debian.masked)
      consider(h.entry.name);

    for (const auto& name : candidates_) {
      for (const auto& g : globs_) {
        if (name_glob_match(g, name) || name_glob_match(g, family(name))) {
          families_.insert(family(name));
          break;
        }
      }
    }
    for (const auto& name : candidates_)
      if (selected(name)) names_.insert(name);
  }

  // The name a link is attributed to: its own when selected, else its target's.
  std::string owner_of(const IndexedEntry& e) const {
    if (selected(e.name)) return e.name;
    if (!e.is_link()) return {};
    std::string lexical = path_basename(e.lexical);
    if (selected(lexical)) return lexical;
    std::string resolved = path_basename(e.resolved);
    if (!e.resolved.empty() && selected(resolved)) return resolved;
    return {};
  }

  bool inside_search_path(const std::string& path) const {
    return std::any_of(index_.dirs.begin(), index_.dirs.end(),
                       [&](const IndexedDir& d) { return path_starts_with(path, d.path); });
  }

  // Alias= names of every unit file of a selected unit, at any precedence: a link named
  // by any of them was made for the unit, even when another file now shadows it.
  void collect_aliases() {
    for (const auto& d : index_.dirs) {
      for (const auto& [name, e] : d.entries) {
        if (!selected(name)) continue;
        std::string file = e.is_link() ? e.resolved : e.path;
        if (file.empty() || (e.kind != FileKind::regular && !e.is_link())) continue;
        auto text = tree_.read(file);
        if (!text) continue;
        InstallSection install;
        parse_install_section(*text, name, install);
        for (const auto& alias : install.alias) {
          std::string expanded = expand_unit_specifiers(alias, name);
          if (is_unit_name(expanded) && !aliases_.count(expanded)) aliases_[expanded] = name;
        }
      }
    }
  }

  void collect_dsh_lists() {
    for (const auto& e : index_.debian.also) {
      std::string unit = dsh_unit(e.name);
      if (!selected(unit) || e.kind != FileKind::regular) continue;
      auto text = tree_.read(e.path);
      if (!text) continue;
      dsh_links_[unit] = lines_of(*text);
      for (const auto& line : dsh_links_[unit])
        dsh_listed_[line] = unit;
    }
  }

  UnitArtifact make(const IndexedEntry& e, UnitArtifactKind kind, const std::string& unit) const {
    UnitArtifact a;
    a.path = e.path;
    a.kind = kind;
    a.scope = index_.scope;
    a.unit = unit;
    a.file_kind = e.kind;
    a.target = e.target;
    a.points_to = e.resolved;
    return a;
  }

  void scan_dir(std::size_t rank) {
    const IndexedDir& d = index_.dirs[rank];
    auto add = [&](UnitArtifact a) {
      a.search_dir = d.path;
      a.precedence = static_cast<int>(rank);
      artifacts_.push_back(std::move(a));
    };
    for (const auto& [name, e] : d.entries) {
      if (e.kind == FileKind::directory) continue;
      std::string owner = claim(d, e, e.name);
      if (auto kind = top_level_kind(e, !owner.empty())) add(make(e, *kind, owner));
    }
    for (const auto& dep : d.deps) {
      if (selected(dep.owner)) {
        IndexedEntry dir{dep.name, dep.path, FileKind::directory, {}, {}, {}};
        add(make(dir, UnitArtifactKind::dependency_dir, dep.owner));
      }
      for (const auto& e : dep.entries) {
        std::string owner = claim(d, e, dep.name + "/" + e.name);
        if (owner.empty()) continue;
        UnitArtifact a = make(e, UnitArtifactKind::enablement_link, owner);
        a.via = dep.name;
        add(std::move(a));
      }
    }
    for (const auto& dropin : d.dropins) {
      if (!selected(dropin.unit)) continue;
      IndexedEntry dir{dropin.unit + ".d", dropin.path, FileKind::directory, {}, {}, {}};
      add(make(dir, UnitArtifactKind::drop_in_dir, dropin.unit));
      for (const auto& e : dropin.entries)
        add(make(e, UnitArtifactKind::drop_in, dropin.unit));
    }
  }

  // The selected unit an entry of unit directory `d` belongs to ("" for none): the one it
  // is named for or points to, the one whose Alias= names it, or the one whose .dsh-also
  // lists it (deb-systemd-helper made it for that unit, through Also= perhaps).
  std::string claim(const IndexedDir& d, const IndexedEntry& e, const std::string& rel) const {
    std::string owner = owner_of(e);
    if (owner.empty() && aliases_.count(e.name)) owner = aliases_.at(e.name);
    if (owner.empty() && d.path == index_.persistent_config) {
      std::string listed = std::string(persistent_config_dir(index_.scope)) + "/" + rel;
      if (dsh_listed_.count(listed)) owner = dsh_listed_.at(listed);
    }
    return owner;
  }

  // What a top-level entry of a unit directory is to the selected units, if anything.
  std::optional<UnitArtifactKind> top_level_kind(const IndexedEntry& e, bool claimed) const {
    bool own = selected(e.name);
    if (!e.is_link()) {
      if (!own) return std::nullopt;
      if (e.kind == FileKind::regular) {
        auto text = tree_.read(e.path);
        if (text && text->empty()) return UnitArtifactKind::mask;
      }
      return UnitArtifactKind::unit_file;
    }
    if (own && e.to_dev_null()) return UnitArtifactKind::mask;
    if (own) {
      bool same_name = path_basename(e.lexical) == e.name ||
                       (!e.resolved.empty() && path_basename(e.resolved) == e.name);
      bool outside = e.resolved.empty() || !inside_search_path(e.resolved);
      return same_name || outside ? UnitArtifactKind::linked_unit : UnitArtifactKind::alias;
    }
    if (claimed) return UnitArtifactKind::alias;
    return std::nullopt;
  }

  void scan_debian_state() {
    const std::string config = std::string(persistent_config_dir(index_.scope)) + "/";
    for (const auto& e : index_.debian.also) {
      std::string unit = dsh_unit(e.name);
      if (selected(unit)) artifacts_.push_back(make(e, UnitArtifactKind::dsh_also, unit));
    }
    for (const auto& h : index_.debian.enabled) {
      std::string owner;
      if (selected(h.entry.name))
        owner = h.entry.name;
      else if (aliases_.count(h.entry.name))
        owner = aliases_.at(h.entry.name);
      else if (dsh_listed_.count(config + h.rel))
        owner = dsh_listed_.at(config + h.rel);
      if (!owner.empty()) artifacts_.push_back(make(h.entry, UnitArtifactKind::dsh_enabled, owner));
    }
    for (const auto& h : index_.debian.masked)
      if (selected(h.entry.name))
        artifacts_.push_back(make(h.entry, UnitArtifactKind::dsh_masked, h.entry.name));
  }

  UnitInfo info_for(const std::string& name) const {
    UnitLookup lookup = lookup_unit(tree_, index_, name);
    UnitInfo info;
    info.scope = index_.scope;
    info.name = name;
    info.resolved_name = lookup.name;
    info.fragment = lookup.fragment;
    info.install = lookup.install;
    info.state = lookup.state;
    if (dsh_links_.count(name)) info.dsh_links = dsh_links_.at(name);
    std::vector<const UnitArtifact*> files;
    for (const auto& a : artifacts_)
      if (a.unit == name && path_basename(a.path) == name &&
          (a.kind == UnitArtifactKind::unit_file || a.kind == UnitArtifactKind::linked_unit ||
           a.kind == UnitArtifactKind::mask) &&
          a.precedence >= 0)
        files.push_back(&a);
    std::stable_sort(files.begin(), files.end(), [](const UnitArtifact* a, const UnitArtifact* b) {
      return a->precedence < b->precedence;
    });
    for (const auto* a : files)
      info.unit_files.push_back(a->path);
    return info;
  }

  const UnitTree& tree_;
  const std::vector<std::string>& globs_;
  ScopeIndex index_;
  std::set<std::string> candidates_;
  std::set<std::string> families_;
  std::set<std::string> names_;
  std::map<std::string, std::string> aliases_;  // Alias= name -> unit
  std::map<std::string, std::vector<std::string>> dsh_links_;
  std::map<std::string, std::string> dsh_listed_;  // link path in a .dsh-also -> unit
  std::vector<UnitArtifact> artifacts_;
};

}  // namespace

std::string_view unit_artifact_kind_name(UnitArtifactKind kind) {
  switch (kind) {
    case UnitArtifactKind::unit_file:
      return "unit-file";
    case UnitArtifactKind::linked_unit:
      return "linked-unit";
    case UnitArtifactKind::alias:
      return "alias";
    case UnitArtifactKind::mask:
      return "mask";
    case UnitArtifactKind::enablement_link:
      return "enablement-link";
    case UnitArtifactKind::dependency_dir:
      return "dependency-dir";
    case UnitArtifactKind::drop_in_dir:
      return "drop-in-dir";
    case UnitArtifactKind::drop_in:
      return "drop-in";
    case UnitArtifactKind::dsh_also:
      return "dsh-also";
    case UnitArtifactKind::dsh_enabled:
      return "dsh-enabled";
    case UnitArtifactKind::dsh_masked:
      return "dsh-masked";
    case UnitArtifactKind::init_script:
      return "init-script";
    case UnitArtifactKind::rc_link:
      break;
  }
  return "rc-link";
}

UnitScan scan_units(const UnitTree& tree, const UnitQuery& query) {
  for (const auto& g : query.units)
    check_name_glob(g, "unit");
  UnitScan out;
  if (!query.units.empty()) {
    for (UnitScope scope : {UnitScope::system, UnitScope::global})
      ScopeScan(tree, query.units, scope).run(out);
  }
  for (auto& a : scan_sysv(tree, query.init_scripts))
    out.artifacts.push_back(std::move(a));

  std::stable_sort(out.artifacts.begin(), out.artifacts.end(),
                   [](const UnitArtifact& a, const UnitArtifact& b) {
                     if (a.path != b.path) return a.path < b.path;
                     return a.kind < b.kind;
                   });
  out.artifacts.erase(
      std::unique(out.artifacts.begin(), out.artifacts.end(),
                  [](const UnitArtifact& a, const UnitArtifact& b) { return a.path == b.path; }),
      out.artifacts.end());
  return out;
}

}  // namespace excise::sys
