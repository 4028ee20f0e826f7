// Whole-tree operations done by descriptors: walking, copying with every piece of
// metadata, and removing, all without following symlinks or crossing mount points.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "system/safe_root.hpp"

namespace excise::sys {

struct TreeEntry {
  std::string path;  // in-root path
  Stat stat;
  std::size_t depth = 0;  // 0 for the top of the walk
};

struct TreeSummary {
  std::uint64_t entries = 0;                 // including the top
  std::uint64_t bytes = 0;                   // sum of regular file sizes
  std::vector<std::string> mount_points;     // in-root paths of mounts found inside (not entered)
  std::vector<std::string> setid_hardlinks;  // set-id files with more than one link
};

// Visits `parent/name` and everything below it, depth first, parents before children.
// Does not follow symlinks and does not enter other mounts (they are reported in the
// summary and visited as entries but not descended). Uses a bounded number of descriptors.
// The visitor returns false to skip a directory's contents.
TreeSummary walk_tree(const Dir& parent, std::string_view name,
                      const std::function<bool(const TreeEntry&)>& visit);

// Copies `from/from_name` to `to/to_name` (which must not exist): content (holes kept),
// mode, owner, times, xattrs (and so ACLs), symlink targets, device nodes, fifos,
// sockets (recreated as socket inodes), and hard links within the tree. Files and
// directories are fsynced before it returns. Refuses to cross a mount point. On failure
// the partial copy is left in place for the caller (it is named in the error). `to`
// should be private (root-owned, 0700): the copy's directories get their final owners
// and modes as they are finished.
void copy_tree(const Dir& from, std::string_view from_name, const Dir& to,
               std::string_view to_name);

// Removes `parent/name` and everything below it. A mount point anywhere below means
// nothing is removed (a first walk looks for them; one that appears during the removal
// stops it there). Clears the set-id bits of a file (mode 0600) before unlinking it,
// whatever its link count (dpkg's secure_unlink). A directory that gains an entry during
// the removal stops it with ENOTEMPTY.
void remove_tree(const Dir& parent, std::string_view name);

// A fresh temporary name for an entry made whole and then renamed into place:
// ".excise-tmp-<pid>-<16 hex digits>".
std::string temporary_name();

// Removes the temporaries write_file_atomic and Backend::make_dir left in `dir` when one
// of `pids` (processes of an earlier run, from its journal) was killed before renaming
// one into place: ".excise-tmp-<pid>-*" regular files and empty directories, only for
// processes that no longer exist. Returns how many it removed.
std::size_t remove_stale_temps(const Dir& dir, const std::vector<std::int64_t>& pids);
// Whether remove_stale_temps would remove anything. Reads only.
bool has_stale_temps(const Dir& dir, const std::vector<std::int64_t>& pids);

// Replaces `dir/name` atomically and durably: write a temporary file in `dir` (O_TMPFILE,
// or an O_EXCL random name), set its owner, mode, times and xattrs, fsync, rename over
// the name (a symlink there is replaced, not followed), fsync the directory. Times are
// applied exactly as given: for an edit, pass the current time as mtime.
void write_file_atomic(const Dir& dir, std::string_view name, std::string_view content,
                       const FileMeta& meta);

// Sets mode, owner, xattrs and times of `dir/name` (never through a symlink; a symlink's
// own owner and times are set, its mode cannot be). `meta.xattrs` is the whole set: other
// xattrs are removed, except security.selinux.
void apply_meta(const Dir& dir, std::string_view name, const FileMeta& meta);

// Sets access and modification times of `dir/name` (never through a symlink); name "."
// means the directory itself.
void set_times(const Dir& dir, std::string_view name, Timespec atime, Timespec mtime);

enum class RenameMode { noreplace, exchange };
// renameat2; throws Error(system), with errno's text; EXDEV is reported as CrossDevice.
void rename_at(const Dir& from, std::string_view from_name, const Dir& to, std::string_view to_name,
               RenameMode mode = RenameMode::noreplace);

class CrossDevice : public Error {
 public:
  explicit CrossDevice(const std::string& message) : Error(Failure::system, message) {}
};

void fsync_dir(const Dir& dir);

// Would a hard link to `stat` (a file in `dir`) split it from its other names? On
// overlayfs, linking a lower-layer file first copies it up, and (without the index
// feature, off by default) the copy no longer shares its inode with the names left in
// the lower layer: keeping such a file by a link would break the hard-link group it is
// in. True for a file with several names on an overlay (which layer it is in cannot be
// told from here).
bool link_splits_group(const Dir& dir, const Stat& stat);

}  // namespace excise::sys
