#include "system/unit_paths.hpp"

namespace excise::sys {

namespace {

using R = UnitDirRole;

constexpr UnitSearchDir kSystemDirs[] = {
    {"/etc/systemd/system.control", R::control, false},
    {"/run/systemd/system.control", R::control, true},
    {"/run/systemd/transient", R::transient, true},
    {"/run/systemd/generator.early", R::generator, true},
    {"/etc/systemd/system", R::config, false},
    {"/etc/systemd/system.attached", R::attached, false},
    {"/run/systemd/system", R::config, true},
    {"/run/systemd/system.attached", R::attached, true},
    {"/run/systemd/generator", R::generator, true},
    {"/usr/local/lib/systemd/system", R::vendor, false},
    {"/lib/systemd/system", R::vendor, false},
    {"/usr/lib/systemd/system", R::vendor, false},
    {"/run/systemd/generator.late", R::generator, true},
};

// `systemd-analyze --global unit-paths`, plus /lib/systemd/user, where some split-/usr
// packages put user units although systemd does not read it: found there, it is still
// the product's file.
constexpr UnitSearchDir kGlobalDirs[] = {
    {"/etc/systemd/user", R::config, false},
    {"/run/systemd/user", R::config, true},
    {"/usr/local/share/systemd/user", R::vendor, false},
    {"/usr/share/systemd/user", R::vendor, false},
    {"/usr/local/lib/systemd/user", R::vendor, false},
    {"/usr/lib/systemd/user", R::vendor, false},
    {"/lib/systemd/user", R::vendor, false, false},
};

}  // namespace

std::string_view unit_scope_name(UnitScope scope) {
  return scope == UnitScope::system ? "system" : "global";
}

std::span<const UnitSearchDir> unit_search_dirs(UnitScope scope) {
  if (scope == UnitScope::system) return kSystemDirs;
  return kGlobalDirs;
}

std::string_view persistent_config_dir(UnitScope scope) {
  return scope == UnitScope::system ? "/etc/systemd/system" : "/etc/systemd/user";
}

DebianHelperDirs debian_helper_dirs(UnitScope scope) {
  if (scope == UnitScope::system)
    return {"/var/lib/systemd/deb-systemd-helper-enabled",
            "/var/lib/systemd/deb-systemd-helper-masked"};
  return {"/var/lib/systemd/deb-systemd-user-helper-enabled",
          "/var/lib/systemd/deb-systemd-user-helper-masked"};
}

}  // namespace excise::sys
