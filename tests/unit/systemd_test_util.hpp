// Helpers shared by the systemd scanner tests: one line per artifact, easy to compare.
#pragma once

#include <string>
#include <vector>

#include "system/systemd_units.hpp"

namespace excise::sys::testing {

// "kind path unit", plus " global" for user units.
inline std::string line_of(const UnitArtifact& a) {
  std::string out = std::string(unit_artifact_kind_name(a.kind)) + " " + a.path + " " + a.unit;
  if (a.scope == UnitScope::global) out += " global";
  return out;
}

inline std::vector<std::string> lines_of(const UnitScan& scan) {
  std::vector<std::string> out;
  for (const auto& a : scan.artifacts)
    out.push_back(line_of(a));
  return out;
}

inline const UnitInfo* find_unit(const UnitScan& scan, std::string_view name,
                                 UnitScope scope = UnitScope::system) {
  for (const auto& u : scan.units)
    if (u.name == name && u.scope == scope) return &u;
  return nullptr;
}

inline const UnitArtifact* find_artifact(const UnitScan& scan, std::string_view path) {
  for (const auto& a : scan.artifacts)
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace excise::sys::testing
