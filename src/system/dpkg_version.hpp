// Debian version numbers, ordered exactly as dpkg orders them (deb-version(7)):
// [epoch:]upstream[-revision]; within each part, runs of non-digits compare with '~'
// before everything (even the end of the string) and letters before other characters,
// and runs of digits compare numerically.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace excise::sys {

struct DebVersion {
  std::uint32_t epoch = 0;
  std::string upstream;
  std::string revision;  // empty when the version has no '-'

  std::string str() const;  // canonical spelling: "1:2.0-3", "2.0"
};

// Parses like dpkg's parseversion (1.21): blanks around the version are ignored; an empty
// version, blanks inside, a bad or huge epoch, or an empty upstream or revision throw
// Error(input). Characters dpkg only warns about are accepted, as dpkg accepts them.
DebVersion parse_version(std::string_view text);

// <0, 0, >0 like strcmp.
int compare_versions(const DebVersion& a, const DebVersion& b);
// Convenience for two version strings; throws like parse_version.
int compare_versions(std::string_view a, std::string_view b);

// One part (upstream or revision) by dpkg's verrevcmp.
int compare_version_part(std::string_view a, std::string_view b);

enum class VersionOp { none, lt, le, eq, ge, gt };  // none: no constraint

// "<<", "<=", "=", ">=", ">>" and the obsolete "<" (means <=) and ">" (means >=).
// Throws Error(input) for anything else.
VersionOp parse_version_op(std::string_view text);
std::string_view version_op_text(VersionOp op);  // "<<", "<=", "=", ">=", ">>", ""

// Whether `version` satisfies "op reference" (always true for VersionOp::none).
bool version_satisfies(const DebVersion& version, VersionOp op, const DebVersion& reference);

}  // namespace excise::sys
