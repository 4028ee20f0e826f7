// Where systemd looks for unit files, in its order of precedence, and where Debian's
// deb-systemd-helper keeps its state.
#pragma once

#include <span>
#include <string_view>

namespace excise::sys {

// system: the system manager's units; global: the user units shared by every user
// (`systemctl --global`). Per-user ~/.config/systemd/user is not scanned.
enum class UnitScope { system, global };
std::string_view unit_scope_name(UnitScope scope);  // "system", "global"

enum class UnitDirRole {
  control,    // written by `systemctl set-property`
  transient,  // units created at run time over D-Bus
  generator,  // written by generators at every boot
  config,     // the admin's: where `systemctl enable` writes
  attached,   // portable services
  vendor,     // shipped by packages
};

struct UnitSearchDir {
  std::string_view path;
  UnitDirRole role;
  bool runtime;                 // under /run: gone at the next boot
  bool read_by_systemd = true;  // false: scanned for leftovers, never loaded by systemd
};

// Highest precedence first: a unit file found earlier shadows the same name later.
// The system list is what `systemd-analyze unit-paths` prints for Debian's systemd 252
// (split /usr: /lib before /usr/lib); on merged-/usr roots /lib resolves to /usr/lib and
// the scanner visits it once.
std::span<const UnitSearchDir> unit_search_dirs(UnitScope scope);

// Where `systemctl enable` writes (`/etc/systemd/system` or `/etc/systemd/user`).
std::string_view persistent_config_dir(UnitScope scope);

struct DebianHelperDirs {
  std::string_view enabled;  // <unit>.dsh-also files and a mirror of the links it made
  std::string_view masked;   // a mirror of the masks it made
};
DebianHelperDirs debian_helper_dirs(UnitScope scope);

}  // namespace excise::sys
