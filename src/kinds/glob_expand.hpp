// Expands a path glob against a target root, through SafeRoot only: every lookup stays
// inside the root and an unsafe symlink is reported, not followed. "**" descends without
// following symlinks and without entering other mounts.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "playbook/glob.hpp"
#include "system/safe_root.hpp"

namespace excise {

struct GlobMatch {
  std::string path;        // in-root path, as the glob spells it (parents not resolved)
  sys::Resolved resolved;  // parent, name, real path and lstat of the object
};

struct GlobExpansion {
  std::vector<GlobMatch> matches;  // sorted by path, no duplicates
  // Paths that could not be followed safely, with the reason (SAFETY.md S2).
  std::vector<std::pair<std::string, std::string>> unsafe;
};

// `glob` must not start with "~" (expand_home first).
GlobExpansion expand_glob(const sys::SafeRoot& root, const PathGlob& glob);

std::string join_path(const std::string& dir, std::string_view name);

}  // namespace excise
