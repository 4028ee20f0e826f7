// Internal helpers of the system layer: errors that name the object and the cause, names
// checked to be single components, statx in our own terms, and O_PATH descriptors.
// Nothing outside src/system includes this file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "excise/error.hpp"
#include "system/fd.hpp"

namespace excise::sys::posix {

// The errno text, thread-safe ("No such file or directory").
std::string error_text(int err);

// Throws Error(system, "<op> <shown path>: <errno text>").
[[noreturn]] void fail(std::string_view op, std::string_view path, int err);

// "/" + name or dir + "/" + name: in-root paths never end with a slash, except "/".
std::string join(std::string_view dir, std::string_view name);

// A name handed to an *at() call must be exactly one component: otherwise the kernel
// would follow symlinks in its leading components, or ".." would leave the directory.
// Throws Error(system) naming `dir_path` for "", ".", "..", and names with '/' or NUL.
void check_name(std::string_view dir_path, std::string_view name);

// statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT); an empty name means the
// descriptor itself (AT_EMPTY_PATH). nullopt only for ENOENT; other errors throw.
std::optional<Stat> stat_at(int dirfd, std::string_view name, std::string_view path);
Stat stat_fd(int fd, std::string_view path);

// openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC): pins the object itself, whatever
// it is, without opening it for I/O (so a fifo or a device is never opened). Invalid Fd
// for ENOENT; other errors throw.
Fd open_path(int dirfd, std::string_view name, std::string_view path);

// "/proc/self/fd/N": how the kernel lets us act on the object an O_PATH descriptor pins
// (xattrs, chmod, reopening for I/O). Following this magic link reaches that very inode,
// even when it is a symlink (the link itself, not its target).
std::string proc_fd(int fd);

// Reopens the object pinned by an O_PATH descriptor for I/O, through /proc/self/fd.
// O_NOATIME is dropped and retried when the kernel refuses it (EPERM).
Fd reopen(int opath_fd, int flags, std::string_view path);

// Opens a directory entry as a directory for reading, never through a symlink, without
// touching its atime when allowed. An invalid Fd, errno kept, when the name is absent or
// is not a directory (ENOENT, ENOTDIR, ELOOP: a symlink); other errors throw.
Fd open_dir_at(int dirfd, std::string_view name, std::string_view path);

// Reads a descriptor to its end; throws if it holds more than `limit` bytes.
std::string read_all(int fd, std::size_t limit, std::string_view path);

// The target of the symlink pinned by `fd` (readlinkat with an empty name).
std::string read_link(int fd, std::string_view name, std::string_view path);

// The file system type (statfs f_type) of the object behind `fd`.
std::int64_t fs_magic(int fd, std::string_view path);
bool is_proc_or_sys(std::int64_t magic);
bool is_overlay(std::int64_t magic);

// The budget of directory descriptors one traversal keeps open: a quarter of the
// open-file limit, between 4 and 64, so that two traversals at once (copy_tree) plus the
// caller's own files fit under a limit as low as 64.
std::size_t dir_fd_budget();

}  // namespace excise::sys::posix
