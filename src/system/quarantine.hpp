// Moving a file or a whole tree out of the way, and back. A move is one rename into the
// run's quarantine directory when both are on one file system (whole trees at once,
// every byte of metadata kept because nothing is copied); only where rename cannot work
// (EXDEV: another file system, or an overlayfs lower directory) is the tree copied and
// the original removed. Putting back never overwrites: if something took the place in
// the meantime, that is a conflict for a person to look at (SAFETY.md S18).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "system/backend.hpp"
#include "system/safe_root.hpp"

namespace excise::sys {

struct QuarantineRecord {
  std::string path;                     // original in-root path
  std::string qname;                    // its name in the quarantine directory
  Timespec parent_atime, parent_mtime;  // of the original parent, before the move
  bool by_copy = false;                 // moved by copy + remove (another file system)
  // Set-id files with other hard links had those bits cleared before the move (SAFETY
  // S8): in-root path -> original permission bits, put back on restore.
  std::vector<std::pair<std::string, std::uint32_t>> cleared_setid;
};

// Markers in the quarantine directory that tell an interrupted copy from a finished one.
std::string copy_started_marker(const std::string& qname);
std::string copy_done_marker(const std::string& qname);

// Looks at root:path before anything changes: the parent's times and the set-id files
// that will lose their bits, so that all of it can be journaled before acting. nullopt
// when the path does not exist. When `expected` is given, the object must be that one
// (same device and inode), else Error(refused): it changed since the plan. Refuses trees
// that contain a mount point.
std::optional<QuarantineRecord> inspect_for_quarantine(const SafeRoot& root,
                                                       const std::string& path,
                                                       const std::string& qname,
                                                       const std::optional<Stat>& expected);

// Moves root:path into `quarantine`/record.qname, as inspected. Returns false (and changes
// nothing) when the path is gone by now. Sets record.by_copy when it had to copy.
bool quarantine_path(const SafeRoot& root, Backend& backend, const Dir& quarantine,
                     const std::optional<Stat>& expected, QuarantineRecord& record);

// Puts a quarantined object back where it was, with its parent's times. Idempotent: does
// nothing when the quarantine no longer holds it; finishes or undoes an interrupted copy.
// Throws Error(refused) when the place is taken or its parent directory is gone.
// Returns true when it moved something back.
bool restore_path(const SafeRoot& root, Backend& backend, const Dir& quarantine,
                  const QuarantineRecord& record);

}  // namespace excise::sys
