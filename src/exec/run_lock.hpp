// Invariant 7: two runs on one root never interleave. The lock is flock(2) on `lock` in
// the state directory, not a PID file: the kernel drops it when the holder dies however
// it dies (kill -9 included), so there is no stale lock to guess about and no PID to
// reuse. The file holds one line naming the holder, for the message the loser prints.
// The file is never deleted: unlinking a flock file lets a third run lock a new inode
// while a second still waits on the old one.
#pragma once

#include <string>

#include "system/fd.hpp"
#include "system/safe_root.hpp"

namespace excise {

class RunLock {
 public:
  // Takes the lock of `state_dir` without waiting, then records "pid <pid>, <description>,
  // started <UTC time>" in it (description e.g. "excise apply on /mnt/image, run
  // 20261127T190000Z-ab12"). Throws Error(locked) "another excise run holds the lock of
  // <state dir>: <holder line>; wait for it to finish" if another run has it, and
  // Error(system) if the lock file cannot be used. `shown_dir` names the state directory
  // in that message (as the host sees it, under --root); empty: state_dir.path().
  static RunLock acquire(const sys::Dir& state_dir, std::string holder_description,
                         const std::string& shown_dir = "");

  RunLock(RunLock&&) noexcept = default;
  RunLock& operator=(RunLock&&) = delete;
  ~RunLock();

  const std::string& holder_line() const { return holder_line_; }

 private:
  RunLock(sys::Fd fd, std::string holder_line)
      : fd_(std::move(fd)), holder_line_(std::move(holder_line)) {}

  sys::Fd fd_;
  std::string holder_line_;
};

}  // namespace excise
