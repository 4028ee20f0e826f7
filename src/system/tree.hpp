// Whole-tree operations done by descriptors: walking, copying with every piece of
// metadata, and removing, all without following symlinks or crossing mount points.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

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

// Copies `from/from_name` to `to/to_name` (which must not exist): content, mode, owner,
// times, xattrs (and so ACLs), symlink targets, device nodes, fifos, and hard links
// within the tree. Files are fsynced before it returns.
void copy_tree(const Dir& from, std::string_view from_name, const Dir& to,
               std::string_view to_name);

// Removes `parent/name` and everything below it. Refuses to cross mount points; clears
// set-id bits of a file before unlinking it when it has other links (dpkg's secure_unlink).
void remove_tree(const Dir& parent, std::string_view name);

// Replaces `dir/name` atomically and durably: write a temporary file in `dir`, set its
// owner, mode, times and xattrs, fsync, rename over the name, fsync the directory.
void write_file_atomic(const Dir& dir, std::string_view name, std::string_view content,
                       const FileMeta& meta);

// Sets mode, owner, xattrs and times of `dir/name` (never through a symlink; a symlink's
// own owner and times are set, its mode cannot be).
void apply_meta(const Dir& dir, std::string_view name, const FileMeta& meta);

enum class RenameMode { noreplace, exchange };
// renameat2; throws Error(system), with errno's text; EXDEV is reported as CrossDevice.
void rename_at(const Dir& from, std::string_view from_name, const Dir& to, std::string_view to_name,
               RenameMode mode = RenameMode::noreplace);

class CrossDevice : public Error {
 public:
  explicit CrossDevice(const std::string& message) : Error(Failure::system, message) {}
};

void fsync_dir(const Dir& dir);

}  // namespace excise::sys
