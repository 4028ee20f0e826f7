// Every change excise makes to a machine goes through a Backend. The real one changes
// things; the dry-run one changes nothing and reports what it would do; tests use fakes.
// Reads are not here: they go through SafeRoot directly, the same in every backend.
#pragma once

#include <iosfwd>
#include <memory>
#include <string_view>

#include "system/command.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

namespace excise::sys {

class Pidfd;
struct CgroupDir;

class Backend {
 public:
  virtual ~Backend() = default;
  // False for dry-run: callers must not read back what they "wrote".
  virtual bool writes() const = 0;

  virtual void rename(const Dir& from, std::string_view from_name, const Dir& to,
                      std::string_view to_name, RenameMode mode) = 0;
  // Fails if the name exists; the directory is created 0700, then given `meta`.
  virtual void make_dir(const Dir& in, std::string_view name, const FileMeta& meta) = 0;
  // EXDEV (another file system) is reported as CrossDevice.
  virtual void hard_link(const Dir& from, std::string_view from_name, const Dir& to,
                         std::string_view to_name) = 0;
  virtual void make_symlink(const Dir& in, std::string_view name, std::string_view target) = 0;
  // Not a directory; set-id bits are cleared first (SAFETY S8). Absent: an error.
  virtual void remove_file(const Dir& in, std::string_view name) = 0;
  // Removes one extra name of a file that lives on under another name (a hard link excise
  // made to keep an inode): a plain unlink, without remove_file's clearing of set-id bits,
  // which would reach the live file through the shared inode.
  virtual void drop_link(const Dir& in, std::string_view name) = 0;
  virtual void remove_empty_dir(const Dir& in, std::string_view name) = 0;
  virtual void remove_tree(const Dir& in, std::string_view name) = 0;
  virtual void copy_tree(const Dir& from, std::string_view from_name, const Dir& to,
                         std::string_view to_name) = 0;
  virtual void write_file(const Dir& in, std::string_view name, std::string_view content,
                          const FileMeta& meta) = 0;
  virtual void set_meta(const Dir& in, std::string_view name, const FileMeta& meta) = 0;
  // Permission bits of `mode`; a symlink is an error (it has no mode of its own).
  virtual void set_mode(const Dir& in, std::string_view name, std::uint32_t mode) = 0;
  // Sets access and modification times; name "." means the directory itself.
  virtual void set_times(const Dir& in, std::string_view name, Timespec atime, Timespec mtime) = 0;
  virtual void sync(const Dir& dir) = 0;
  virtual CommandResult run(const Command& command) = 0;
  // pidfd_send_signal(2): the signal reaches the process the pidfd pins, never a process
  // that took its PID since. False when that process has exited (ESRCH).
  virtual bool signal_process(const Pidfd& process, int signal) = 0;
  // Writes "1" to the cgroup's cgroup.kill: SIGKILL to every process in it and below,
  // including those forked while the kill runs (Linux 5.14).
  virtual void kill_cgroup(const CgroupDir& cgroup) = 0;
  // delete_module(2) without waiting (O_NONBLOCK): a module still in use is an error, never
  // a wait. False when no module of that name is loaded (ENOENT).
  virtual bool unload_module(std::string_view name) = 0;
};

std::unique_ptr<Backend> make_real_backend();
// Writes one line per operation it would perform to `log`.
std::unique_ptr<Backend> make_dry_run_backend(std::ostream& log);

}  // namespace excise::sys
