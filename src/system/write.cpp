// Single-object changes: atomic replacement of a file, metadata, renames, directory sync.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>  // renameat2, RENAME_* (glibc 2.28)
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/meta.hpp"
#include "system/posix.hpp"
#include "system/tree.hpp"

namespace excise::sys {

namespace {

constexpr std::string_view kTempPrefix = ".excise-tmp-";

// ".excise-tmp-<pid>-<random>": the PID lets a later run tell the temporary of a process
// that was killed before its rename (remove_stale_temps) from one being written now.
std::string make_temp_name() {
  unsigned char bytes[8];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    posix::fail("getrandom", "", errno);
  }
  std::string out = fmt::format("{}{}-", kTempPrefix, ::getpid());
  for (unsigned char b : bytes)
    out += fmt::format("{:02x}", b);
  return out;
}

void write_all(int fd, std::string_view content, std::string_view path) {
  while (!content.empty()) {
    ssize_t put = ::write(fd, content.data(), content.size());
    if (put < 0) {
      if (errno == EINTR) continue;
      posix::fail("write", path, errno);
    }
    content.remove_prefix(static_cast<std::size_t>(put));
  }
}

// Gives the unnamed O_TMPFILE file a temporary name, or creates a named one (file
// systems without O_TMPFILE). Returns the descriptor; `name` receives the temporary name
// once the file has one.
Fd create_temp(const Dir& dir, std::string_view target, std::string& name, bool& unnamed) {
  Fd fd(::openat(dir.fd(), ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  if (fd) {
    unnamed = true;
    return fd;
  }
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    posix::fail("create a temporary file for", target, errno);
  }
  unnamed = false;
  for (int attempt = 0; attempt < 16; ++attempt) {
    name = make_temp_name();
    fd = Fd(::openat(dir.fd(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600));
    if (fd) return fd;
    if (errno != EEXIST) posix::fail("create a temporary file for", target, errno);
  }
  posix::fail("create a temporary file for", target, EEXIST);
}

// Links the finished O_TMPFILE file under a fresh temporary name: linkat cannot replace
// an existing name, renameat then can, atomically.
void name_temp(const Dir& dir, int fd, std::string& name, std::string_view target) {
  const std::string proc = posix::proc_fd(fd);
  for (int attempt = 0; attempt < 16; ++attempt) {
    name = make_temp_name();
    if (::linkat(AT_FDCWD, proc.c_str(), dir.fd(), name.c_str(), AT_SYMLINK_FOLLOW) == 0) return;
    if (errno != EEXIST) posix::fail("link the temporary file for", target, errno);
  }
  posix::fail("link the temporary file for", target, EEXIST);
}

}  // namespace

std::string temporary_name() {
  return make_temp_name();
}

void write_file_atomic(const Dir& dir, std::string_view name, std::string_view content,
                       const FileMeta& meta) {
  posix::check_name(dir.path(), name);
  const std::string path = dir.child_path(name);
  std::string temp;
  bool unnamed = false;
  Fd fd = create_temp(dir, path, temp, unnamed);
  try {
    write_all(fd.get(), content, path);
    meta::apply({fd.get(), false, false, path}, meta);
    if (::fsync(fd.get()) != 0) posix::fail("sync", path, errno);
    if (unnamed) name_temp(dir, fd.get(), temp, path);
    // renameat replaces the name itself: a symlink planted there is replaced, not followed.
    if (::renameat(dir.fd(), temp.c_str(), dir.fd(), std::string(name).c_str()) != 0) {
      posix::fail("replace", path, errno);
    }
  } catch (...) {
    if (!temp.empty()) ::unlinkat(dir.fd(), temp.c_str(), 0);  // best effort: ours, unchanged
    throw;
  }
  fsync_dir(dir);
}

namespace {

// Calls `found` for each stale temporary (see remove_stale_temps) until it returns false.
void each_stale_temp(const Dir& dir, const std::vector<std::int64_t>& pids,
                     const std::function<bool(const std::string&, const Stat&)>& found) {
  if (!dir.is_open()) return;
  for (const std::int64_t pid : pids) {
    if (pid <= 0 || pid > 0x7fffffff || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive
    const std::string prefix = fmt::format("{}{}-", kTempPrefix, pid);
    for (const auto& entry : dir.entries()) {
      if (entry.name.compare(0, prefix.size(), prefix) != 0) continue;
      const auto st = dir.stat_at(entry.name);
      if (!st || (!st->is_regular() && !st->is_dir())) continue;
      if (!found(entry.name, *st)) return;
    }
  }
}

}  // namespace

bool has_stale_temps(const Dir& dir, const std::vector<std::int64_t>& pids) {
  bool any = false;
  each_stale_temp(dir, pids, [&](const std::string&, const Stat&) {
    any = true;
    return false;
  });
  return any;
}

std::size_t remove_stale_temps(const Dir& dir, const std::vector<std::int64_t>& pids) {
  std::size_t removed = 0;
  each_stale_temp(dir, pids, [&](const std::string& name, const Stat& st) {
    // A directory is one Backend::make_dir was making: still empty (it is only populated
    // after its rename), else rmdir refuses and it is kept.
    if (::unlinkat(dir.fd(), name.c_str(), st.is_dir() ? AT_REMOVEDIR : 0) != 0) {
      if (errno == ENOTEMPTY || errno == EEXIST) return true;
      posix::fail("remove the stale temporary", dir.child_path(name), errno);
    }
    ++removed;
    return true;
  });
  return removed;
}

void apply_meta(const Dir& dir, std::string_view name, const FileMeta& meta) {
  posix::check_name(dir.path(), name);
  const std::string path = dir.child_path(name);
  Fd pin = posix::open_path(dir.fd(), name, path);
  if (!pin) posix::fail("set metadata of", path, ENOENT);
  const Stat st = posix::stat_fd(pin.get(), path);
  meta::apply({pin.get(), true, st.is_symlink(), path}, meta);
}

void rename_at(const Dir& from, std::string_view from_name, const Dir& to, std::string_view to_name,
               RenameMode mode) {
  posix::check_name(from.path(), from_name);
  posix::check_name(to.path(), to_name);
  const unsigned flags = mode == RenameMode::exchange ? RENAME_EXCHANGE : RENAME_NOREPLACE;
  if (::renameat2(from.fd(), std::string(from_name).c_str(), to.fd(), std::string(to_name).c_str(),
                  flags) == 0) {
    return;
  }
  const int err = errno;
  const std::string what = fmt::format("rename {} -> {}: {}", shown(from.child_path(from_name)),
                                       shown(to.child_path(to_name)), posix::error_text(err));
  if (err == EXDEV) throw CrossDevice(what);
  throw Error(Failure::system, what);
}

bool link_splits_group(const Dir& dir, const Stat& stat) {
  return !stat.is_dir() && stat.nlink > 1 &&
         posix::is_overlay(posix::fs_magic(dir.fd(), dir.path()));
}

void fsync_dir(const Dir& dir) {
  if (::fsync(dir.fd()) == 0) return;
  if (errno != EBADF) posix::fail("sync", dir.path(), errno);
  // An O_PATH descriptor cannot be synced: reopen the same directory for reading.
  Fd fd(::openat(dir.fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) posix::fail("sync", dir.path(), errno);
}

}  // namespace excise::sys
