#include "system/posix.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include <fmt/format.h>

#include "excise/bytes.hpp"

namespace excise::sys::posix {

std::string error_text(int err) {
  return std::system_category().message(err);
}

void fail(std::string_view op, std::string_view path, int err) {
  throw Error(Failure::system, fmt::format("{} {}: {}", op, shown(path), error_text(err)));
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + 1 + name.size());
  out.append(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out.append(name);
  return out;
}

void check_name(std::string_view dir_path, std::string_view name) {
  const char* why = nullptr;
  if (name.empty()) {
    why = "an empty name";
  } else if (name == "." || name == "..") {
    why = "not a name of an entry";
  } else if (name.find('/') != std::string_view::npos) {
    why = "a name with '/' (one component was expected)";
  } else if (name.find('\0') != std::string_view::npos) {
    why = "a name with a NUL byte";
  }
  if (why) {
    throw Error(Failure::system,
                fmt::format("in {}: \"{}\" is {}", shown(dir_path), shown(name), why));
  }
}

namespace {

Timespec to_timespec(const struct statx_timestamp& ts) {
  return {ts.tv_sec, ts.tv_nsec};
}

Stat to_stat(const struct statx& sx) {
  Stat st;
  st.dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
  st.ino = sx.stx_ino;
  st.mode = sx.stx_mode;
  st.uid = sx.stx_uid;
  st.gid = sx.stx_gid;
  st.nlink = sx.stx_nlink;
  st.size = static_cast<std::int64_t>(sx.stx_size);
  st.rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
  st.atime = to_timespec(sx.stx_atime);
  st.mtime = to_timespec(sx.stx_mtime);
  st.ctime = to_timespec(sx.stx_ctime);
  // Kernels before 5.8 do not report the attribute; callers also compare st_dev.
  st.mount_root = (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                  (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
  return st;
}

int do_statx(int dirfd, const std::string& name, struct statx& sx) {
  int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_SYNC_AS_STAT;
  if (name.empty()) flags |= AT_EMPTY_PATH;
  return ::statx(dirfd, name.c_str(), flags, STATX_BASIC_STATS, &sx);
}

}  // namespace

std::optional<Stat> stat_at(int dirfd, std::string_view name, std::string_view path) {
  struct statx sx {};
  if (do_statx(dirfd, std::string(name), sx) != 0) {
    if (errno == ENOENT) return std::nullopt;
    fail("stat", path, errno);
  }
  return to_stat(sx);
}

Stat stat_fd(int fd, std::string_view path) {
  struct statx sx {};
  if (do_statx(fd, std::string(), sx) != 0) fail("stat", path, errno);
  return to_stat(sx);
}

Fd open_path(int dirfd, std::string_view name, std::string_view path) {
  int fd = ::openat(dirfd, std::string(name).c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Fd();
    fail("open", path, errno);
  }
  return Fd(fd);
}

std::string proc_fd(int fd) {
  return fmt::format("/proc/self/fd/{}", fd);
}

Fd reopen(int opath_fd, int flags, std::string_view path) {
  const std::string proc = proc_fd(opath_fd);
  flags |= O_CLOEXEC | O_NOCTTY;
  int fd = ::open(proc.c_str(), flags);
  if (fd < 0 && errno == EPERM && (flags & O_NOATIME))
    fd = ::open(proc.c_str(), flags & ~O_NOATIME);
  if (fd < 0) {
    if (errno == ENOENT && ::access("/proc/self/fd", F_OK) != 0) {
      throw Error(
          Failure::system,
          fmt::format("open {}: /proc is not mounted (excise needs /proc/self/fd)", shown(path)));
    }
    fail("open", path, errno);
  }
  return Fd(fd);
}

Fd open_dir_at(int dirfd, std::string_view name, std::string_view path) {
  const std::string n(name);
  const int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::openat(dirfd, n.c_str(), flags | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::openat(dirfd, n.c_str(), flags);
  if (fd < 0) {
    // ENOTDIR for a symlink too: with O_DIRECTORY the kernel refuses before O_NOFOLLOW.
    if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return Fd();
    fail("open directory", path, errno);
  }
  return Fd(fd);
}

std::string read_all(int fd, std::size_t limit, std::string_view path) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      fail("read", path, errno);
    }
    if (got == 0) return out;
    if (out.size() + static_cast<std::size_t>(got) > limit) {
      throw Error(Failure::system,
                  fmt::format("read {}: more than the limit of {} bytes", shown(path), limit));
    }
    out.append(buf, static_cast<std::size_t>(got));
  }
}

std::string read_link(int fd, std::string_view name, std::string_view path) {
  const std::string n(name);
  std::string buf(256, '\0');
  for (;;) {
    ssize_t len = ::readlinkat(fd, n.c_str(), buf.data(), buf.size());
    if (len < 0) fail("read link", path, errno);
    if (static_cast<std::size_t>(len) < buf.size()) {
      buf.resize(static_cast<std::size_t>(len));
      return buf;
    }
    buf.resize(buf.size() * 2);  // possibly truncated: retry with more room
  }
}

std::int64_t fs_magic(int fd, std::string_view path) {
  struct statfs sf {};
  if (::fstatfs(fd, &sf) != 0) fail("statfs", path, errno);
  return static_cast<std::int64_t>(sf.f_type);
}

bool is_overlay(std::int64_t magic) {
  return magic == OVERLAYFS_SUPER_MAGIC;
}

bool is_proc_or_sys(std::int64_t magic) {
  return magic == PROC_SUPER_MAGIC || magic == SYSFS_MAGIC;
}

std::size_t dir_fd_budget() {
  struct rlimit lim {};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return 64;
  return std::clamp<std::size_t>(static_cast<std::size_t>(lim.rlim_cur) / 4, 4, 64);
}

}  // namespace excise::sys::posix
