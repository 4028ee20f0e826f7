// What `systemctl is-enabled NAME` would say, computed from a ScopeIndex with systemd's
// own rules (src/shared/install.c: unit_file_lookup_state and find_symlinks_in_scope),
// so a plan can tell "enabled" from "static" on a root where systemctl cannot run.
#pragma once

#include <string>
#include <string_view>

#include "system/unit_index.hpp"
#include "system/unit_install.hpp"

namespace excise::sys {

enum class UnitFileState {
  enabled,
  enabled_runtime,
  linked,
  linked_runtime,
  alias,
  masked,
  masked_runtime,
  static_,
  indirect,
  disabled,
  generated,
  transient,
  bad,        // a loop, a dangling alias, a directory where a unit file should be
  not_found,  // systemctl 252 prints "No such file or directory" and exits 1
};
// The word systemctl prints: "enabled", "enabled-runtime", ..., "not-found".
std::string_view unit_file_state_name(UnitFileState state);

struct UnitLookup {
  std::string name;        // the name systemd ends with: the alias target for an alias
  std::string fragment;    // the unit file it loads, canonical; empty when none
  InstallSection install;  // of the fragment and its drop-ins
  UnitFileState state = UnitFileState::not_found;
};

UnitLookup lookup_unit(const UnitTree& tree, const ScopeIndex& index, std::string_view name);

}  // namespace excise::sys
