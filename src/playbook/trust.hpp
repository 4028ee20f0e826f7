// Playbook trust (SAFETY.md S23): excise runs as root and does what a playbook says, so
// like sudo and sshd it refuses a file that someone else could have written. A playbook
// must be owned by root (or by the user running excise, who is root in real use), not
// writable by group or others, and so must every directory above it. A directory that is
// writable by others but sticky and owned by root (/tmp) is accepted: there nobody can
// rename or replace an entry they do not own, and the entry below is checked in turn.
#pragma once

#include <string>

namespace excise {

// What makes the open file `fd` (opened from `path`) untrusted, with the rule and the
// command that fixes it ("the file is writable by group or others (mode 0664); a playbook
// must be writable only by root; to fix: chmod go-w /x/p.toml"), or "" when it is trusted.
// Directories are checked along the file's real path (/proc/self/fd), so a symlink on
// the way is judged by where it leads, at the moment the file was opened.
std::string trust_problem(int fd, const std::string& path);

}  // namespace excise
