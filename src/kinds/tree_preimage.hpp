// The pre-image of a directory tree that an external tool rewrites wholesale, such as
// /etc/ssl/certs under update-ca-certificates (it replaces the bundle by rename, deletes
// and recreates every certificate link and hash link, and its hooks rewrite files below).
// Regenerating it on rollback would give new mtimes and inodes; instead the tree is kept
// before the tool runs and put back exactly:
//   - symlinks (and other non-regular files) by a hard link: their inode cannot be
//     changed in place, so putting the link back restores the very same object;
//   - regular files by a copy (content, mode, owner, times, xattrs): a hook that rewrote a
//     file in place would reach a hard link too;
//   - directories by their times.
// After the tool ran, what it left is recorded, and the pre-images of entries it did not
// touch are dropped. Undo then puts back every entry the tool replaced or removed, and
// removes what it created, but never an entry someone changed after the tool: that one is
// kept, its pre-image stays in the quarantine, and a note says so.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "exec/action.hpp"

namespace excise {

// Before the tool: keeps the tree at `path` in quarantine/<seq>.tree; returns undo data.
json keep_tree_preimage(const std::string& path, ExecContext& context);
// After the tool: records what it left (added to `undo`) and drops unneeded pre-images.
void note_tree_after(json& undo, ExecContext& context);
// Undo; idempotent, and correct also when the tool was interrupted (no "after" record:
// every difference is then taken for the tool's).
void restore_tree_preimage(const json& undo, ExecContext& context);

}  // namespace excise
