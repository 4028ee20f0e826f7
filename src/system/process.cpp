#include "system/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "system/posix.hpp"

namespace excise::sys {
namespace {

// A process that exits while we read it makes reads fail with ESRCH (or its /proc entry
// vanish: ENOENT). Both mean "gone", not an error.
bool gone_errno(int err) {
  return err == ESRCH || err == ENOENT;
}

// Reads up to `limit` bytes of a /proc file; nullopt when the process is gone.
std::optional<std::string> read_proc_file(int dirfd, const char* name, int pid,
                                          std::size_t limit = 64 * 1024) {
  Fd fd(::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (gone_errno(errno)) return std::nullopt;
    posix::fail("open", fmt::format("/proc/{}/{}", pid, name), errno);
  }
  std::string out;
  char buf[4096];
  while (out.size() < limit) {
    const ssize_t got = ::read(fd.get(), buf, std::min(sizeof buf, limit - out.size()));
    if (got < 0) {
      if (errno == EINTR) continue;
      if (gone_errno(errno)) return std::nullopt;
      posix::fail("read", fmt::format("/proc/{}/{}", pid, name), errno);
    }
    if (got == 0) break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

Fd open_proc_dir(int pid) {
  const std::string path = fmt::format("/proc/{}", pid);
  Fd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd && !gone_errno(errno)) posix::fail("open", path, errno);
  return fd;
}

// /proc must show our own PID namespace: a /proc mounted for another namespace would
// show other processes under the PIDs we signal (pidfd_open uses our namespace).
void check_proc_is_ours() {
  char buf[32] = {};
  const ssize_t len = ::readlink("/proc/self", buf, sizeof buf - 1);
  if (len <= 0 ||
      std::string_view(buf, static_cast<std::size_t>(len)) != std::to_string(::getpid())) {
    throw Error(Failure::system,
                "/proc does not belong to this PID namespace (/proc/self is not this process): "
                "processes cannot be identified safely; mount a proc of this namespace");
  }
}

enum class ExeRead { ok, none, denied, gone };

// The executable: the inode first, then the link text, then the inode again, so that
// a process that calls exec meanwhile is not described by one program's path and
// another's inode.
ExeRead read_exe(int dirfd, int pid, ProcessInfo& info) {
  for (int attempt = 0; attempt < 3; ++attempt) {
    Fd first(::openat(dirfd, "exe", O_PATH | O_CLOEXEC));
    if (!first) {
      if (errno == EACCES || errno == EPERM) return ExeRead::denied;
      if (errno == ENOENT) return ExeRead::none;  // kernel thread or zombie
      if (errno == ESRCH) return ExeRead::gone;
      posix::fail("open", fmt::format("/proc/{}/exe", pid), errno);
    }
    const Stat before = posix::stat_fd(first.get(), fmt::format("/proc/{}/exe", pid));
    char buf[4097];
    const ssize_t len = ::readlinkat(dirfd, "exe", buf, sizeof buf);
    if (len < 0) {
      if (errno == ENOENT) return ExeRead::none;
      if (errno == ESRCH) return ExeRead::gone;
      posix::fail("read link", fmt::format("/proc/{}/exe", pid), errno);
    }
    Fd second(::openat(dirfd, "exe", O_PATH | O_CLOEXEC));
    if (!second) continue;
    const Stat after = posix::stat_fd(second.get(), fmt::format("/proc/{}/exe", pid));
    if (!before.same_object(after)) continue;  // it called exec: read again
    const ExeLink link = parse_exe_link(std::string_view(buf, static_cast<std::size_t>(len)));
    info.has_exe = true;
    info.exe = link.path;
    // The suffix alone could be part of a real name; an unlinked inode has no links.
    info.exe_deleted = link.deleted_suffix && after.nlink == 0;
    if (link.deleted_suffix && !info.exe_deleted) info.exe += " (deleted)";
    info.exe_stat = after;
    return ExeRead::ok;
  }
  return ExeRead::gone;
}

std::optional<ProcessInfo> read_process_at(int dirfd, int pid, bool* denied) {
  ProcessInfo info;
  const auto stat_text = read_proc_file(dirfd, "stat", pid);
  if (!stat_text) return std::nullopt;
  const auto stat = parse_proc_stat(*stat_text);
  if (!stat) {
    throw Error(Failure::system,
                fmt::format("/proc/{}/stat: unexpected content {}", pid, shown(*stat_text)));
  }
  info.pid = stat->pid;
  info.ppid = stat->ppid;
  info.pgrp = stat->pgrp;
  info.session = stat->session;
  info.start_time = stat->start_time;
  info.state = stat->state;
  info.kernel_thread = stat->kernel_thread();
  const auto status = read_proc_file(dirfd, "status", pid);
  if (!status) return std::nullopt;
  if (const auto uids = parse_proc_status_uids(*status)) info.uid = uids->real;
  const auto comm = read_proc_file(dirfd, "comm", pid);
  if (!comm) return std::nullopt;
  info.comm = parse_comm(*comm);
  if (!info.kernel_thread) {
    const auto cmdline = read_proc_file(dirfd, "cmdline", pid, 4096);
    if (!cmdline) return std::nullopt;
    info.argv0 = parse_argv0(*cmdline);
    switch (read_exe(dirfd, pid, info)) {
      case ExeRead::gone:
        return std::nullopt;
      case ExeRead::denied:
        if (denied) *denied = true;
        break;
      case ExeRead::ok:
      case ExeRead::none:
        break;
    }
  }
  const auto cgroup = read_proc_file(dirfd, "cgroup", pid);
  if (!cgroup) return std::nullopt;
  info.cgroup = parse_unified_cgroup(*cgroup).value_or("");
  return info;
}

std::optional<int> pid_of_name(const char* name) {
  int pid = 0;
  for (const char* c = name; *c; ++c) {
    if (*c < '0' || *c > '9' || pid > 100'000'000) return std::nullopt;
    pid = pid * 10 + (*c - '0');
  }
  if (pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace

const ProcessInfo* ProcessTable::find(int pid) const {
  const auto it = std::lower_bound(processes.begin(), processes.end(), pid,
                                   [](const ProcessInfo& p, int v) { return p.pid < v; });
  return it != processes.end() && it->pid == pid ? &*it : nullptr;
}

ProcessTable scan_processes() {
  check_proc_is_ours();
  ProcessTable table;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) posix::fail("open directory", "/proc", errno);
  std::vector<int> pids;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (const auto pid = pid_of_name(entry->d_name)) pids.push_back(*pid);
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) posix::fail("read directory", "/proc", err);
  std::sort(pids.begin(), pids.end());
  for (const int pid : pids) {
    const Fd dirfd = open_proc_dir(pid);
    if (!dirfd) continue;
    bool denied = false;
    auto info = read_process_at(dirfd.get(), pid, &denied);
    if (!info) continue;
    if (denied) table.denied.push_back(pid);
    table.processes.push_back(std::move(*info));
  }
  return table;
}

std::optional<ProcessInfo> read_process(int pid) {
  const Fd dirfd = open_proc_dir(pid);
  if (!dirfd) return std::nullopt;
  return read_process_at(dirfd.get(), pid, nullptr);
}

std::optional<std::string> cgroup2_mount() {
  const Fd self(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
  if (!self) posix::fail("open", "/proc/self/mountinfo", errno);
  return find_cgroup2_mount(posix::read_all(self.get(), 16u << 20, "/proc/self/mountinfo"));
}

Fd open_process_exe(int pid) {
  const std::string path = fmt::format("/proc/{}/exe", pid);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd && !gone_errno(errno)) posix::fail("open", path, errno);
  return fd;
}

// ---- pidfd ------------------------------------------------------------------------------

std::optional<Pidfd> Pidfd::open(int pid) {
  if (pid <= 0) throw Error(Failure::input, fmt::format("not a process id: {}", pid));
  const long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) {
    if (errno == ESRCH) return std::nullopt;
    posix::fail("pidfd_open", fmt::format("pid {}", pid), errno);
  }
  return Pidfd(pid, Fd(static_cast<int>(fd)));
}

bool Pidfd::exited() const {
  return wait_exit(std::chrono::milliseconds(0));
}

bool Pidfd::wait_exit(std::chrono::milliseconds timeout) const {
  // A pidfd polls readable once its process has exited.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_.get(), POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (n < 0) {
      if (errno == EINTR) continue;
      posix::fail("poll pidfd of", fmt::format("pid {}", pid_), errno);
    }
    if (n > 0) return true;
    if (left.count() <= 0) return false;
  }
}

IdentityCheck verify_identity(const Pidfd& pidfd, const ProcessIdentity& expected) {
  check_proc_is_ours();
  IdentityCheck check;
  if (pidfd.exited()) return check;
  auto now = read_process(pidfd.pid());
  // Only now is the reading trustworthy: the pidfd's process still runs, so the PID was
  // still its own while we read.
  if (pidfd.exited()) return check;
  if (!now) {
    throw Error(Failure::system,
                fmt::format("pid {} runs but /proc/{} cannot be read", pidfd.pid(), pidfd.pid()));
  }
  check.now = std::move(now);
  if (check.now->start_time != expected.start_time) {
    check.verdict = IdentityVerdict::reused;
  } else if (!check.now->has_exe) {
    check.verdict = IdentityVerdict::gone;  // exiting: its memory is already released
  } else if (check.now->exe_stat.dev != expected.exe_dev ||
             check.now->exe_stat.ino != expected.exe_ino) {
    check.verdict = IdentityVerdict::other_program;
  } else {
    check.verdict = IdentityVerdict::same;
  }
  return check;
}

// ---- cgroups ----------------------------------------------------------------------------

std::optional<CgroupDir> open_cgroup(const std::string& mount, const std::string& path) {
  Fd root(::open(mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) posix::fail("open", mount, errno);
  if (posix::fs_magic(root.get(), mount) != CGROUP2_SUPER_MAGIC) {
    throw Error(Failure::system, fmt::format("{} is not a cgroup2 file system", shown(mount)));
  }
  const std::string relative = path.substr(
      path.find_first_not_of('/') == std::string::npos ? path.size() : path.find_first_not_of('/'));
  if (relative.empty()) {
    throw Error(Failure::refused, "the root cgroup is never killed");
  }
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  const long fd = ::syscall(SYS_openat2, root.get(), relative.c_str(), &how, sizeof how);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    posix::fail("open cgroup", path, errno);
  }
  CgroupDir cgroup;
  cgroup.dir = Fd(static_cast<int>(fd));
  cgroup.path = path;
  cgroup.ino = posix::stat_fd(cgroup.dir.get(), path).ino;
  return cgroup;
}

bool cgroup_has_kill(const CgroupDir& cgroup) {
  return ::faccessat(cgroup.dir.get(), "cgroup.kill", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

bool cgroup_populated(const CgroupDir& cgroup) {
  Fd fd(::openat(cgroup.dir.get(), "cgroup.events", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return false;  // removed meanwhile: nothing left in it
    posix::fail("open", cgroup.path + "/cgroup.events", errno);
  }
  const auto populated =
      parse_cgroup_populated(posix::read_all(fd.get(), 4096, cgroup.path + "/cgroup.events"));
  if (!populated) {
    throw Error(Failure::system, "cgroup " + shown(cgroup.path) + ": no populated line");
  }
  return *populated;
}

bool wait_cgroup_empty(const CgroupDir& cgroup, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(5);
  for (;;) {
    if (!cgroup_populated(cgroup)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
}

std::string signal_name(int signal) {
  if (const char* abbrev = ::sigabbrev_np(signal)) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(signal);
}

}  // namespace excise::sys
