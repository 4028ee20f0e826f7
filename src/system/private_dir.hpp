// Directories that hold excise's own state (journal, quarantine, blobs): owned by root,
// writable by nobody else, never reached through a symlink.
#pragma once

#include <string_view>

#include "system/safe_root.hpp"

namespace excise::sys {

// Opens parent/name; creates it with mode 0700 when absent and `create` is set (then
// syncs the parent and puts back the parent's mtime, so excise's footprint outside its
// own directory is nil). Throws Error(refused) when it exists but is not a directory
// owned by us with no write access for group or others.
std::optional<Dir> open_private_dir(const Dir& parent, std::string_view name, bool create);

// Opens parent/name as a plain directory, creating it (0755) when absent.
Dir open_or_make_dir(const Dir& parent, std::string_view name);

}  // namespace excise::sys
