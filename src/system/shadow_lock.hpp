// The locks every account tool honours before editing /etc/passwd and friends, taken on
// a directory descriptor of the target root's /etc (so they work for --root images):
//
// 1. glibc's lckpwdf(): a write lock on <etc>/.pwd.lock (created 0600 if missing), waited
//    for up to 15 s by default. We take it as an open-file-description lock, which
//    conflicts with glibc's fcntl lock but is not dropped when some other descriptor of
//    the file is closed in this process.
// 2. shadow-utils' per-file lock (lib/commonio.c): our PID written to <file>.<pid>,
//    hard-linked to <file>.lock, accepted only if the link count is then 2. An existing
//    lock whose process is gone (kill(pid, 0) fails with ESRCH) is stale and replaced.
//
// Both are waited for until one deadline, polling; then Error(locked) names the holder.
// A lock file's PID is only meaningful in the PID namespace of the process that wrote it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "system/fd.hpp"

namespace excise::sys {

struct ShadowLockOptions {
  std::chrono::milliseconds timeout{15000};  // glibc's lckpwdf waits 15 s
  std::chrono::milliseconds poll{100};
};

// Holds the locks until release() or destruction, which release them in reverse order.
class ShadowLock {
 public:
  ShadowLock() = default;
  ShadowLock(ShadowLock&& other) noexcept;
  ShadowLock& operator=(ShadowLock&& other) noexcept;
  ShadowLock(const ShadowLock&) = delete;
  ShadowLock& operator=(const ShadowLock&) = delete;
  ~ShadowLock();

  // Takes .pwd.lock, then "<file>.lock" for each of `files` ("passwd", "shadow"...), in
  // that order. `etc_dirfd` is borrowed and must stay open while the lock is held;
  // `etc_display` is its path for messages ("/mnt/image/etc").
  static ShadowLock acquire(int etc_dirfd, std::string_view etc_display,
                            const std::vector<std::string>& files,
                            const ShadowLockOptions& options = {});

  // True when .pwd.lock did not exist and we created it: the caller journals it, so a
  // rollback of a pristine image can remove it. It is left in place on release, as glibc
  // leaves it.
  bool created_pwd_lock() const { return created_pwd_lock_; }
  bool held() const { return pwd_lock_.get() >= 0; }

  // Removes our per-file locks (only those still holding our PID) and drops .pwd.lock.
  // Idempotent. Problems are returned, not thrown ("...passwd.lock now belongs to ...").
  std::vector<std::string> release();

  // Removes "<file>.<pid>" for each of `files` and `pids`: the temporary file of the lock
  // protocol above, left behind when a process of ours was killed between creating it and
  // unlinking it (shadow-utils leaves the same on a crash). Only a file that holds that
  // PID (or is still empty), of a process that no longer exists, and only while this lock is held
  // (so no tool is in the middle of its own protocol). Returns the names it removed.
  // The names remove_stale_temps would remove, and "<file>.lock" files holding one of
  // `pids` whose process is gone: what a killed (or failed) run left. Reads only.
  static std::vector<std::string> stale_files(int etc_dirfd, const std::vector<std::string>& files,
                                              const std::vector<std::int64_t>& pids);

  std::vector<std::string> remove_stale_temps(const std::vector<std::string>& files,
                                              const std::vector<std::int64_t>& pids) const;

 private:
  int etc_dirfd_ = -1;
  std::string etc_display_;
  Fd pwd_lock_;
  bool created_pwd_lock_ = false;
  std::vector<std::string> file_locks_;      // "passwd.lock"... that we created
  std::vector<std::string> leftover_temps_;  // "passwd.<pid>" we could not unlink at once
};

}  // namespace excise::sys
