// Relationship fields (Depends, Pre-Depends, Provides...): comma-separated groups of
// '|'-separated alternatives, each "name[:arch] [(op version)]". Build-only restrictions
// ("[amd64]", "<!nocheck>") are accepted and ignored: they never reach the status file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "system/dpkg_version.hpp"

namespace excise::sys {

struct DpkgRelation {
  std::string name;
  std::string arch;  // qualifier after ':' ("any", "native", "amd64"), empty if none
  VersionOp op = VersionOp::none;
  DebVersion version;  // meaningful only when op != none
  std::string text;    // as written, blanks trimmed: "libc6 (>= 2.34)"
};

struct DpkgRelationGroup {
  std::vector<DpkgRelation> alternatives;
  std::string text;  // as written, blanks trimmed: "default-mta | mail-transport-agent"
};

// Throws Error(input) naming `field` for malformed text (a missing name, an unclosed
// parenthesis, a bad operator or version).
std::vector<DpkgRelationGroup> parse_relations(std::string_view text, std::string_view field);

}  // namespace excise::sys
