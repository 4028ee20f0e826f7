// The one door to a target root's files. Every lookup is relative to a descriptor of the
// root and never leaves it: absolute symlinks and ".." are scoped to the root (as with
// openat2 RESOLVE_IN_ROOT), magic links are refused, and a symlink is not followed
// across an unsafe ownership transition (a directory owned by a user other than root
// leading to an object owned by someone else: SAFETY.md S2). Final components are never
// followed unless a function says so.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "excise/error.hpp"
#include "system/fd.hpp"

namespace excise::sys {

struct DirEntry {
  std::string name;
  FileType type = FileType::unknown;  // from d_type; unknown when the file system does not say
};

// An open directory inside a root. Copies share the descriptor. `path` is its location
// inside the root ("/" for the root itself), kept for messages and journals.
class Dir {
 public:
  Dir() = default;
  Dir(std::shared_ptr<Fd> fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  // A directory that does not exist yet (dry-run): it has a path but no descriptor.
  static Dir placeholder(std::string path) { return Dir(nullptr, std::move(path)); }

  bool is_open() const { return fd_ && *fd_; }
  int fd() const;  // throws Error(system) for a placeholder
  const std::shared_ptr<Fd>& descriptor() const { return fd_; }  // null for a placeholder
  const std::string& path() const { return path_; }
  std::string child_path(std::string_view name) const;

  Stat stat() const;
  std::optional<Stat> stat_at(std::string_view name) const;  // lstat semantics; nullopt if absent
  std::vector<DirEntry> entries() const;                     // sorted by name, no "." or ".."
  Dir dir_at(std::string_view name) const;                   // never through a symlink; throws
  std::optional<Dir> find_dir(std::string_view name) const;  // nullopt if absent or not a dir
  std::string link_at(std::string_view name) const;          // readlinkat
  // Reads a regular file (not through a symlink); throws if larger than `limit`.
  std::string read_at(std::string_view name, std::size_t limit = 256u << 20) const;
  // openat(name, flags | O_NOFOLLOW | O_CLOEXEC), mode 0600 when creating; throws.
  Fd open_at(std::string_view name, int flags) const;
  std::vector<std::pair<std::string, std::string>> xattrs_at(std::string_view name) const;
  // Mode, owner, times and xattrs; name "." means the directory itself.
  FileMeta meta_at(std::string_view name) const;

 private:
  std::shared_ptr<Fd> fd_;
  std::string path_;
};

// A path could not be followed safely; the message names the hop and the owners.
class UnsafePath : public Error {
 public:
  explicit UnsafePath(const std::string& message) : Error(Failure::refused, message) {}
};

struct Resolved {
  Dir parent;                // holds the object
  std::string name;          // final component, not followed
  std::string real_path;     // in-root path after following the parents' symlinks
  std::optional<Stat> stat;  // the object's, nullopt when it does not exist
};

class SafeRoot {
 public:
  // Opens the root directory. "/" is the host itself.
  explicit SafeRoot(const std::string& root_path);

  const std::string& path() const { return path_; }
  bool is_host() const { return is_host_; }
  const Dir& root() const { return root_; }

  // Resolves an absolute in-root path: parents followed as described above, the final
  // component not followed. nullopt when a parent does not exist or is not a directory.
  // Throws UnsafePath for an unsafe transition, a magic link or too many links, and for a
  // path that names the root itself ("/", "/etc/..": it has no parent to act in).
  // Empty and "." components are ignored, so "/a/" and "/a/." name the link "a" itself,
  // not its target; ".." is resolved physically (after a link, it leaves the target) and
  // clamps at the root. A relative path or one with a NUL byte throws Error(input).
  std::optional<Resolved> resolve(std::string_view path) const;
  // Like resolve, but a final symlink is followed too, as safely and as far as it leads:
  // the result names the object the links end at (real_path is its in-root path). A link
  // to nothing gives that missing name without a stat; a directory gives it with its parent.
  std::optional<Resolved> resolve_followed(std::string_view path) const;
  // Like resolve, then opens the object as a directory, following it safely if it is a
  // link; nullopt when absent or not a directory. "/" gives the root.
  std::optional<Dir> open_dir(std::string_view path) const;
  // Reads a regular file, following a final symlink safely; nullopt if absent. Throws
  // for another type of object (a fifo or a device is never opened) or beyond `limit`.
  std::optional<std::string> read_file(std::string_view path, std::size_t limit = 256u << 20) const;
  // The final component's lstat ("/" gives the root's); nullopt if absent.
  std::optional<Stat> lstat(std::string_view path) const;

 private:
  std::string path_;
  bool is_host_ = false;
  Dir root_;
};

}  // namespace excise::sys
