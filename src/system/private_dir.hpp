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

// open_private_dir for the top of excise's state, which lives in a directory that is not
// excise's (/var/lib): putting back that parent's times must survive a crash at any
// point of the creation, or the crash leaves its mtime changed with no run to undo it.
// So the directory is made under a temporary name that carries the parent's times
// (".<name>.new-<asec>.<ansec>-<msec>.<mnsec>"), given a file "parent-times" holding them,
// renamed into place, and the times put back before that file is removed. Every call
// first finishes what an interrupted one left: a temporary directory is removed, a
// "parent-times" file is applied and removed; either way the parent gets its times back.
// With keep_parent_times, a "parent-times" file found is applied but kept, for
// finish_state_dir to apply again and remove (a rollback: see StateDir).
std::optional<Dir> open_state_dir(const Dir& parent, std::string_view name, bool create,
                                  bool keep_parent_times = false);

// What every open_state_dir call does first: finish an interrupted creation.
void finish_state_dir(const Dir& parent, std::string_view name);

// Opens parent/name as a plain directory, creating it (0755) when absent.
Dir open_or_make_dir(const Dir& parent, std::string_view name);

}  // namespace excise::sys
