#include "system/shadow_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail_errno(std::string_view action, const std::string& path, int error) {
  throw Error(Failure::system, fmt::format("{} {}: {}", action, shown(path), std::strerror(error)));
}

std::string join(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

// Waits one poll interval, or throws `message` once the deadline has passed.
void wait_or_give_up(Clock::time_point deadline, const ShadowLockOptions& options,
                     const std::string& message) {
  const auto now = Clock::now();
  if (now >= deadline) throw Error(Failure::locked, message);
  std::this_thread::sleep_for(std::min<Clock::duration>(options.poll, deadline - now));
}

// Opens (creating 0600 if needed) .pwd.lock; reports whether we created it.
Fd open_pwd_lock(int dirfd, const std::string& path, bool& created) {
  constexpr int kFlags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  while (true) {
    int fd = ::openat(dirfd, ".pwd.lock", kFlags | O_CREAT | O_EXCL, 0600);
    if (fd >= 0) {
      created = true;
      return Fd(fd);
    }
    if (errno != EEXIST) fail_errno("cannot create", path, errno);
    fd = ::openat(dirfd, ".pwd.lock", kFlags);
    if (fd >= 0) {
      created = false;
      Fd owned(fd);
      struct stat st {};
      if (::fstat(fd, &st) != 0) fail_errno("cannot stat", path, errno);
      if (!S_ISREG(st.st_mode)) {
        throw Error(Failure::refused, fmt::format("{} is not a regular file", shown(path)));
      }
      return owned;
    }
    if (errno != ENOENT) fail_errno("cannot open", path, errno);
    // Removed between our two opens: try again.
  }
}

// A whole-file write lock, as glibc's lckpwdf() takes it.
void lock_pwd(int fd, const std::string& path, Clock::time_point deadline,
              const ShadowLockOptions& options) {
  while (true) {
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd, F_OFD_SETLK, &lock) == 0) return;
    if (errno != EAGAIN && errno != EACCES) fail_errno("cannot lock", path, errno);
    struct flock holder {};
    holder.l_type = F_WRLCK;
    holder.l_whence = SEEK_SET;
    std::string who = "another process";
    // l_pid is the holder's PID for a classic fcntl lock, -1 for an OFD lock.
    if (::fcntl(fd, F_OFD_GETLK, &holder) == 0 && holder.l_type != F_UNLCK && holder.l_pid > 0) {
      who = fmt::format("process {}", holder.l_pid);
    }
    wait_or_give_up(deadline, options,
                    fmt::format("the account files are locked by {} ({}); try again when it has "
                                "finished",
                                who, shown(path)));
  }
}

// The PID in a lock file ("1234\0" as shadow-utils writes it), if it holds one.
std::optional<pid_t> read_lock_pid(int dirfd, const std::string& name, bool& vanished) {
  vanished = false;
  const int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    vanished = errno == ENOENT;
    return std::nullopt;
  }
  Fd owned(fd);
  char buf[32];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  long long pid = 0;
  ssize_t i = 0;
  for (; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    pid = pid * 10 + (buf[i] - '0');
    if (pid > 0x7fffffff) return std::nullopt;
  }
  if (i == 0 || pid <= 0 || (i < n && buf[i] != '\0' && buf[i] != '\n')) return std::nullopt;
  return static_cast<pid_t>(pid);
}

// One attempt at shadow-utils' link lock. True when we hold it.
bool try_file_lock(int dirfd, const std::string& temp, const std::string& lock,
                   const std::string& temp_path, std::vector<std::string>& leftovers) {
  ::unlinkat(dirfd, temp.c_str(), 0);  // a leftover of a process that had our PID
  const int fd =
      ::openat(dirfd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) fail_errno("cannot create", temp_path, errno);
  {
    Fd owned(fd);
    const std::string content = std::to_string(::getpid()) + '\0';
    if (::write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size()) ||
        ::fdatasync(fd) != 0) {
      const int error = errno;
      ::unlinkat(dirfd, temp.c_str(), 0);
      fail_errno("cannot write", temp_path, error);
    }
  }
  bool held = false;
  if (::linkat(dirfd, temp.c_str(), dirfd, lock.c_str(), 0) == 0) {
    struct stat st {};
    // Two names for our file: the link really is ours (not some NFS retry artefact).
    held = ::fstatat(dirfd, temp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_nlink == 2;
  } else if (errno != EEXIST) {
    const int error = errno;
    ::unlinkat(dirfd, temp.c_str(), 0);
    fail_errno("cannot link", temp_path, error);
  }
  // shadow-utils ignores a failure here; we keep the name and try again at release, which
  // reports it if it still fails (a temporary left in /etc is litter nobody removes).
  if (::unlinkat(dirfd, temp.c_str(), 0) != 0 && errno != ENOENT) leftovers.push_back(temp);
  return held;
}

void lock_file(int dirfd, std::string_view etc, const std::string& file, Clock::time_point deadline,
               const ShadowLockOptions& options, std::vector<std::string>& leftovers) {
  const std::string temp = fmt::format("{}.{}", file, ::getpid());
  const std::string lock = file + ".lock";
  const std::string file_path = join(etc, file), lock_path = join(etc, lock);
  while (true) {
    if (try_file_lock(dirfd, temp, lock, join(etc, temp), leftovers)) return;
    bool vanished = false;
    const auto pid = read_lock_pid(dirfd, lock, vanished);
    if (vanished) continue;  // released between our link and our read
    if (pid && *pid != ::getpid() && ::kill(*pid, 0) != 0 && errno == ESRCH) {
      // Stale: its process is gone. Remove it and try again at once.
      if (::unlinkat(dirfd, lock.c_str(), 0) != 0 && errno != ENOENT) {
        fail_errno("cannot remove the stale lock", lock_path, errno);
      }
      continue;
    }
    const std::string message =
        pid ? fmt::format("{} is locked by process {} ({}); try again when it has finished",
                          shown(file_path), *pid, shown(lock_path))
            : fmt::format(
                  "{} is locked: {} holds no process id; if no account tool is "
                  "running, remove it",
                  shown(file_path), shown(lock_path));
    wait_or_give_up(deadline, options, message);
  }
}

}  // namespace

ShadowLock::ShadowLock(ShadowLock&& other) noexcept
    : etc_dirfd_(other.etc_dirfd_),
      etc_display_(std::move(other.etc_display_)),
      pwd_lock_(std::move(other.pwd_lock_)),
      created_pwd_lock_(other.created_pwd_lock_),
      file_locks_(std::move(other.file_locks_)),
      leftover_temps_(std::move(other.leftover_temps_)) {
  other.file_locks_.clear();
  other.leftover_temps_.clear();
}

ShadowLock& ShadowLock::operator=(ShadowLock&& other) noexcept {
  if (this != &other) {
    release();
    etc_dirfd_ = other.etc_dirfd_;
    etc_display_ = std::move(other.etc_display_);
    pwd_lock_ = std::move(other.pwd_lock_);
    created_pwd_lock_ = other.created_pwd_lock_;
    file_locks_ = std::move(other.file_locks_);
    other.file_locks_.clear();
    leftover_temps_ = std::move(other.leftover_temps_);
    other.leftover_temps_.clear();
  }
  return *this;
}

ShadowLock::~ShadowLock() {
  release();
}

ShadowLock ShadowLock::acquire(int etc_dirfd, std::string_view etc_display,
                               const std::vector<std::string>& files,
                               const ShadowLockOptions& options) {
  const auto deadline = Clock::now() + options.timeout;
  ShadowLock guard;  // releases whatever was taken if a later lock fails
  guard.etc_dirfd_ = etc_dirfd;
  guard.etc_display_ = std::string(etc_display);
  const std::string pwd_path = join(etc_display, ".pwd.lock");
  Fd fd = open_pwd_lock(etc_dirfd, pwd_path, guard.created_pwd_lock_);
  lock_pwd(fd.get(), pwd_path, deadline, options);
  guard.pwd_lock_ = std::move(fd);
  for (const auto& file : files) {
    if (file.empty() || file.find('/') != std::string::npos) {
      throw Error(Failure::usage, fmt::format("not a file name in /etc: \"{}\"", shown(file)));
    }
    lock_file(etc_dirfd, etc_display, file, deadline, options, guard.leftover_temps_);
    guard.file_locks_.push_back(file + ".lock");
  }
  return guard;
}

std::vector<std::string> ShadowLock::stale_files(int etc_dirfd,
                                                 const std::vector<std::string>& files,
                                                 const std::vector<std::int64_t>& pids) {
  std::vector<std::string> found;
  for (const std::int64_t pid : pids) {
    if (pid <= 0 || pid > 0x7fffffff || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    for (const auto& file : files) {
      for (const std::string& name : {file + ".lock", fmt::format("{}.{}", file, pid)}) {
        bool vanished = false;
        struct stat st {};
        if (::fstatat(etc_dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        const bool empty_temp = S_ISREG(st.st_mode) && st.st_size == 0 && name != file + ".lock";
        if (empty_temp || read_lock_pid(etc_dirfd, name, vanished) == static_cast<pid_t>(pid))
          found.push_back(name);
      }
    }
  }
  return found;
}

std::vector<std::string> ShadowLock::remove_stale_temps(
    const std::vector<std::string>& files, const std::vector<std::int64_t>& pids) const {
  std::vector<std::string> removed;
  if (!held()) return removed;
  for (const std::int64_t pid : pids) {
    if (pid <= 0 || pid > 0x7fffffff || pid == ::getpid()) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive: not stale
    for (const auto& file : files) {
      const std::string temp = fmt::format("{}.{}", file, pid);
      // It holds that PID, or nothing yet (killed before its write).
      struct stat st {};
      if (::fstatat(etc_dirfd_, temp.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          !S_ISREG(st.st_mode))
        continue;
      bool vanished = false;
      if (st.st_size != 0 && read_lock_pid(etc_dirfd_, temp, vanished) != static_cast<pid_t>(pid))
        continue;
      if (::unlinkat(etc_dirfd_, temp.c_str(), 0) == 0) removed.push_back(temp);
    }
  }
  return removed;
}

std::vector<std::string> ShadowLock::release() {
  std::vector<std::string> problems;
  for (auto it = file_locks_.rbegin(); it != file_locks_.rend(); ++it) {
    const std::string path = join(etc_display_, *it);
    bool vanished = false;
    const auto pid = read_lock_pid(etc_dirfd_, *it, vanished);
    if (pid != ::getpid()) {
      problems.push_back(
          vanished ? fmt::format("{} had already been removed", shown(path))
                   : fmt::format("{} no longer holds our process id; left alone", shown(path)));
      continue;
    }
    if (::unlinkat(etc_dirfd_, it->c_str(), 0) != 0) {
      problems.push_back(fmt::format("cannot remove {}: {}", shown(path), std::strerror(errno)));
    }
  }
  file_locks_.clear();
  for (const auto& temp : leftover_temps_) {
    if (::unlinkat(etc_dirfd_, temp.c_str(), 0) != 0 && errno != ENOENT) {
      problems.push_back(fmt::format("cannot remove {}: {}", shown(join(etc_display_, temp)),
                                     std::strerror(errno)));
    }
  }
  leftover_temps_.clear();
  pwd_lock_.reset();  // closing the description drops the OFD lock
  return problems;
}

}  // namespace excise::sys
