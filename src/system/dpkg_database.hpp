// What dpkg knows about a root, loaded from text: every stanza of the status file, each
// present package's file list, and the diversions. Queries are pure lookups; nothing here
// touches the file system (the caller reads files through SafeRoot).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "system/dpkg_info.hpp"
#include "system/dpkg_package.hpp"
#include "system/dpkg_stanza.hpp"

namespace excise::sys {

// Reads a file of the dpkg admin directory by its name relative to it ("info/acme.list",
// "info/format", "diversions"); nullopt when the file does not exist.
using DpkgFileReader = std::function<std::optional<std::string>(std::string_view relative_name)>;

struct DpkgOwner {
  std::string path;       // where the file is on disk (after diversions)
  std::uint32_t package;  // index into DpkgDatabase::packages()
};

// One dependency of an installed package that removing packages would break.
struct BrokenDependency {
  std::uint32_t dependent;  // index into packages()
  std::string field;        // "Depends" or "Pre-Depends"
  std::string relation;     // the whole group as written: "acme-agent (>= 2) | acme-lite"
  std::vector<std::uint32_t> removed;  // the removed packages the group named
};

class DpkgDatabase {
 public:
  // Parses the status and reads info/format, each present package's .list, the
  // diversions file and the names updates/0000, 0001... (only to count them) through `read`.
  // `native_arch` empty means the dpkg package's architecture. A present package without a .list is
  // noted in problems() (dpkg itself only warns and assumes it has no files); malformed files throw
  // Error(system).
  static DpkgDatabase load(std::string_view status_text, const DpkgFileReader& read,
                           std::string_view native_arch = {});

  const std::vector<DpkgPackage>& packages() const { return packages_; }
  const DpkgStanza& stanza(std::uint32_t package) const { return stanzas_.at(package); }
  const std::string& native_arch() const { return native_arch_; }
  const std::vector<DpkgDiversion>& diversions() const { return diversions_; }
  // Things dpkg would warn about: missing file lists, unapplied journal records.
  const std::vector<std::string>& problems() const { return problems_; }
  // Records in updates/ that dpkg has not folded into the status yet (an interrupted
  // run): while there are any, the status text is not the truth and must not be spliced.
  std::size_t pending_updates() const { return pending_updates_; }

  // Every stanza with that name (dpkg keeps not-installed ones too); several only for
  // Multi-Arch: same packages of different architectures.
  std::vector<std::uint32_t> find_all(std::string_view name) const;
  // The package with that name and architecture; with `arch` empty, the only instance,
  // else the native or "all" one, else nullopt.
  std::optional<std::uint32_t> find(std::string_view name, std::string_view arch = {}) const;

  // Packages whose files include `path` (as it is on disk, diversions applied).
  std::vector<std::uint32_t> owners(std::string_view path) const;
  // Every owned path strictly below the directory `dir`, sorted by path (a range query).
  std::vector<DpkgOwner> owned_below(std::string_view dir) const;
  // The diversion of `path` (as shipped), if any.
  const DpkgDiversion* diversion_of(std::string_view path) const;
  // The diversion that puts files at `path`, if any.
  const DpkgDiversion* diversion_to(std::string_view path) const;

  // Unpacked-or-further packages outside `removed` with a Depends or Pre-Depends group
  // that names a removed package (directly, or a virtual package one provides) and that
  // no remaining unpacked package satisfies.
  std::vector<BrokenDependency> broken_by_removing(const std::vector<std::uint32_t>& removed) const;
  std::vector<BrokenDependency> reverse_dependencies(std::uint32_t package) const {
    return broken_by_removing({package});
  }

 private:
  bool satisfies(const DpkgPackage& dependent, const DpkgRelation& relation,
                 const DpkgPackage& candidate) const;
  bool arch_satisfies(const DpkgPackage& dependent, const DpkgRelation& relation,
                      const DpkgPackage& candidate) const;
  // Packages a relation could be about: those with its name and those providing it.
  std::vector<std::uint32_t> candidates(std::string_view name) const;

  std::vector<DpkgStanza> stanzas_;
  std::vector<DpkgPackage> packages_;
  std::string native_arch_;
  std::vector<DpkgDiversion> diversions_;
  std::vector<std::string> problems_;
  std::size_t pending_updates_ = 0;
  // (on-disk path, package), sorted: equal_range answers owners(), a prefix range
  // answers owned_below().
  std::vector<DpkgOwner> files_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_name_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> providers_;  // virtual names
  std::unordered_map<std::string, std::size_t> diverted_from_, diverted_to_;
};

}  // namespace excise::sys
