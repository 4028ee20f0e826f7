// The typed view of one status stanza: the fields excise decides with.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "system/dpkg_relations.hpp"
#include "system/dpkg_stanza.hpp"
#include "system/dpkg_version.hpp"

namespace excise::sys {

enum class DpkgWant { unknown, install, hold, deinstall, purge };
enum class DpkgEflag { ok, reinstreq };
enum class DpkgState {
  not_installed,
  config_files,
  half_installed,
  unpacked,
  half_configured,
  triggers_awaited,
  triggers_pending,
  installed,
};
enum class MultiArch { no, same, foreign, allowed };

struct DpkgStatus {
  DpkgWant want = DpkgWant::unknown;
  DpkgEflag eflag = DpkgEflag::ok;
  DpkgState state = DpkgState::not_installed;
};

std::string_view state_name(DpkgState state);  // "half-configured", as dpkg spells it

// "install ok installed"; throws Error(system) for anything else.
DpkgStatus parse_status_field(std::string_view text);

struct DpkgConffile {
  std::string path;
  std::string md5;  // "newconffile" while a new conffile is being unpacked
  bool obsolete = false;
  bool remove_on_upgrade = false;
};

// The Conffiles field value: one " path md5 [obsolete] [remove-on-upgrade]" per line.
// Throws Error(system) for a line without a checksum or with an unknown flag.
std::vector<DpkgConffile> parse_conffiles_field(std::string_view value);

struct DpkgPackage {
  std::string name;
  std::string arch;  // "amd64", "all"; empty if the stanza has none
  MultiArch multi_arch = MultiArch::no;
  std::string version_text;  // as written; empty if absent
  std::optional<DebVersion> version;
  DpkgStatus status;
  bool essential = false;
  bool is_protected = false;  // "Protected: yes" (dpkg >= 1.20.1)
  std::string priority;
  std::vector<DpkgRelationGroup> depends, pre_depends, provides;
  std::vector<DpkgConffile> conffiles;

  // Any state but not-installed: dpkg still has something of it (files or conffiles).
  bool present() const { return status.state != DpkgState::not_installed; }
  // Unpacked or further: its files are on disk and its dependencies must hold.
  bool unpacked() const { return status.state >= DpkgState::unpacked; }
  // "acme:amd64" when the architecture is needed to name it unambiguously, else "acme".
  std::string display_name() const;
};

// Throws Error(system) naming the package and `source` for a stanza without Package or
// with a malformed Status, Version or relation field.
DpkgPackage package_from_stanza(const DpkgStanza& stanza, std::string_view source);

}  // namespace excise::sys
