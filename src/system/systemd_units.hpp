// Everything systemd and SysV init know about a set of units, read natively from a root:
// unit files in every search directory, enablement links, aliases, masks, drop-ins,
// Debian's deb-systemd-helper state, init scripts and their rc?.d links. Each artifact
// comes with its in-root path, its kind and what it points to, so the planner can remove
// exactly these and explain why each one is there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "system/unit_install.hpp"
#include "system/unit_paths.hpp"
#include "system/unit_state.hpp"
#include "system/unit_tree.hpp"

namespace excise::sys {

enum class UnitArtifactKind {
  unit_file,        // a unit file (a regular file) in a search directory
  linked_unit,      // a symlink named for the unit to its file: outside the search
                    // directories (`systemctl link`) or a same-named file inside them
  alias,            // a symlink with another name to the unit's file (Alias=, dbus-org.*),
                    // or a link named in the unit's Alias=
  mask,             // named for the unit, to /dev/null or an empty file
  enablement_link,  // in a *.wants/, *.requires/ or *.upholds/ directory
  dependency_dir,   // the unit's own <unit>.wants/ (.requires/, .upholds/): what it pulls in
  drop_in_dir,      // <unit>.d/
  drop_in,          // an entry of <unit>.d/
  dsh_also,         // deb-systemd-helper-enabled/<unit>.dsh-also: the links it made
  dsh_enabled,      // deb-systemd-helper-enabled/**/<link>: its mirror of one link
  dsh_masked,       // deb-systemd-helper-masked/<unit>: its mirror of a mask
  init_script,      // /etc/init.d/NAME
  rc_link,          // /etc/rc[0-6S].d/[SK]NNNAME
};
std::string_view unit_artifact_kind_name(UnitArtifactKind kind);  // "unit-file", ...

struct UnitArtifact {
  std::string path;  // in-root, with symlinked parent directories resolved
  UnitArtifactKind kind = UnitArtifactKind::unit_file;
  UnitScope scope = UnitScope::system;  // system for SysV and Debian system state
  std::string unit;                     // the unit or init script it belongs to
  FileKind file_kind = FileKind::regular;
  std::string target;      // symlink target as stored; empty unless a symlink
  std::string points_to;   // that target resolved inside the root (links followed)
  std::string search_dir;  // the unit directory it was found in; empty for other state
  int precedence = -1;     // that directory's rank in the scope, 0 = highest; -1 if none
  std::string via;         // enablement_link: the directory ("multi-user.target.wants")
  friend bool operator==(const UnitArtifact&, const UnitArtifact&) = default;
};

struct UnitInfo {
  UnitScope scope = UnitScope::system;
  std::string name;           // as found on disk ("acme@one.service" for an instance link)
  std::string resolved_name;  // what systemd ends with after aliases
  std::string fragment;       // the unit file systemd loads; empty when none
  std::vector<std::string> unit_files;  // unit_file/linked_unit/mask paths, highest first
  InstallSection install;               // of the fragment and its drop-ins
  UnitFileState state = UnitFileState::not_found;  // `systemctl is-enabled` verdict
  std::vector<std::string> dsh_links;              // lines of its .dsh-also, as written

  // What the planner calls enabled: started at boot through a link in /etc or /run.
  bool enabled() const {
    return state == UnitFileState::enabled || state == UnitFileState::enabled_runtime;
  }
};

struct UnitQuery {
  std::vector<std::string> units;         // unit name globs: "acme-agent.service", "acme-*.timer"
  std::vector<std::string> init_scripts;  // SysV script names (globs allowed)
};

struct UnitScan {
  std::vector<UnitArtifact> artifacts;  // sorted by path, one per path
  std::vector<UnitInfo> units;          // sorted by scope, then name
};

// A glob selects every unit name found on disk that it matches, together with the
// template and all the instances of a matched template or instance ("acme@.service"
// selects "acme@one.service" and the reverse). Throws Error(input) for a bad glob.
UnitScan scan_units(const UnitTree& tree, const UnitQuery& query);

}  // namespace excise::sys
