// Running processes, read natively from /proc, and the pidfd that pins one of them.
//
// A PID is only a name: the process it named may exit and the PID be given to another
// (SAFETY.md S20). So everything that acts on a process goes through a Pidfd, opened
// FIRST; what is read from /proc afterwards is trusted only if the pidfd's process is
// still running once the reading is done (then the PID cannot have been reused while we
// read: a PID is freed only after its process exits and is reaped). This is systemd's
// pidref_verify() pattern.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "system/fd.hpp"
#include "system/proc_parse.hpp"

namespace excise::sys {

// What the process kind knows of one process, read through one /proc/PID descriptor (so
// every field comes from the same process, or the read fails).
struct ProcessInfo {
  int pid = 0;
  int ppid = 0;
  int pgrp = 0;
  int session = 0;
  std::uint64_t start_time = 0;  // clock ticks after boot (/proc/PID/stat field 22)
  char state = '?';
  bool kernel_thread = false;
  std::uint32_t uid = 0;  // real uid
  std::string comm;       // at most 15 bytes; the process sets it itself
  std::string argv0;      // also the process's own choice
  // The executable: the link text (suffix removed) and the inode behind it, which stays
  // reachable through /proc/PID/exe even when the file is deleted. No exe for kernel
  // threads and zombies.
  bool has_exe = false;
  std::string exe;
  bool exe_deleted = false;  // the link says " (deleted)" and the inode has no links left
  Stat exe_stat;
  std::string cgroup;  // cgroup v2 path ("/system.slice/acme.service"), "" when none
};

// The processes running now (thread group leaders), by PID. Processes that exit while
// they are read are left out. `denied` lists processes whose executable could not be
// inspected (not root, or a file the kernel will not open for us): the caller says so
// rather than pretend they do not exist.
struct ProcessTable {
  std::vector<ProcessInfo> processes;  // sorted by pid
  std::vector<int> denied;
  const ProcessInfo* find(int pid) const;
};
ProcessTable scan_processes();

// One process, read through /proc/PID; nullopt when it is gone (or became a zombie
// without an executable, when `need_exe`).
std::optional<ProcessInfo> read_process(int pid);

// Where the cgroup v2 hierarchy is mounted (from /proc/self/mountinfo), nullopt if none.
std::optional<std::string> cgroup2_mount();

// Opens a file of the running executable for reading (even if deleted), for comparing its
// content with a file on disk. Invalid Fd when the process is gone.
Fd open_process_exe(int pid);

// What a plan recorded of a process: the PID with its start time is unique for the life
// of the system; the executable's inode says which program it runs.
struct ProcessIdentity {
  int pid = 0;
  std::uint64_t start_time = 0;
  std::uint64_t exe_dev = 0;
  std::uint64_t exe_ino = 0;
};

class Pidfd {
 public:
  // pidfd_open(2). nullopt when no process has this PID (ESRCH); other errors throw.
  static std::optional<Pidfd> open(int pid);
  int pid() const { return pid_; }
  int fd() const { return fd_.get(); }
  // The process has exited (it may still be a zombie waiting for its parent).
  bool exited() const;
  // Waits until the process exits or `timeout` passes; true when it exited.
  bool wait_exit(std::chrono::milliseconds timeout) const;

 private:
  Pidfd(int pid, Fd fd) : pid_(pid), fd_(std::move(fd)) {}
  int pid_ = 0;
  Fd fd_;
};

enum class IdentityVerdict {
  same,           // the pidfd's process is the one the plan saw
  gone,           // it has exited (or is a zombie): nothing to signal
  reused,         // the PID now belongs to a process started at another time
  other_program,  // same process, but it now runs another executable (it called exec)
};
struct IdentityCheck {
  IdentityVerdict verdict = IdentityVerdict::gone;
  std::optional<ProcessInfo> now;  // what runs under the PID now, when known
};
// Reads /proc/PID after the pidfd was opened and trusts it only if the pidfd's process
// is still running afterwards.
IdentityCheck verify_identity(const Pidfd& pidfd, const ProcessIdentity& expected);

// A cgroup v2 directory pinned by a descriptor. `path` is relative to the hierarchy's
// root ("/system.slice/acme.service"), for messages.
struct CgroupDir {
  Fd dir;
  std::string path;
  std::uint64_t ino = 0;  // the cgroup id: a re-created cgroup has another
};
// Opens `path` below the cgroup2 mount without following symlinks or leaving the mount.
// nullopt when it does not exist.
std::optional<CgroupDir> open_cgroup(const std::string& mount, const std::string& path);
bool cgroup_has_kill(const CgroupDir& cgroup);  // cgroup.kill exists (Linux 5.14)
// "populated" from cgroup.events: false once no process is left in it or below.
bool cgroup_populated(const CgroupDir& cgroup);
// Waits until the cgroup is empty or `timeout` passes; true when it is empty.
bool wait_cgroup_empty(const CgroupDir& cgroup, std::chrono::milliseconds timeout);

std::string signal_name(int signal);  // "SIGTERM"

}  // namespace excise::sys
