// The backend that changes the machine: each operation is one of the descriptor-based
// functions of this layer.
#include <fcntl.h>
#include <stdio.h>  // renameat2, RENAME_NOREPLACE
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/backend.hpp"
#include "system/meta.hpp"
#include "system/posix.hpp"
#include "system/process.hpp"
#include "system/tree.hpp"
#include "system/unlink.hpp"

namespace excise::sys {

namespace {

class RealBackend : public Backend {
 public:
  bool writes() const override { return true; }

  void rename(const Dir& from, std::string_view from_name, const Dir& to, std::string_view to_name,
              RenameMode mode) override {
    rename_at(from, from_name, to, to_name, mode);
  }

  void make_dir(const Dir& in, std::string_view name, const FileMeta& meta) override {
    posix::check_name(in.path(), name);
    const std::string path = in.child_path(name);
    if (in.stat_at(name)) posix::fail("create directory", path, EEXIST);
    // Made whole under a temporary name, then renamed into place: a crash must not leave
    // the name with the private mode it is created with, which a later rollback would take
    // for a directory already put back. What a crash can leave is the empty temporary,
    // which remove_stale_temps recognises. The metadata goes on through a descriptor of
    // the directory just made (not by name: the name could be swapped).
    const std::string temp = temporary_name();
    if (::mkdirat(in.fd(), temp.c_str(), 0700) != 0) posix::fail("create directory", path, errno);
    try {
      Fd dir = posix::open_dir_at(in.fd(), temp, path);
      if (!dir) posix::fail("open directory", path, errno);
      meta::apply({dir.get(), false, false, path}, meta);
      if (::renameat2(in.fd(), temp.c_str(), in.fd(), std::string(name).c_str(),
                      RENAME_NOREPLACE) != 0) {
        posix::fail("create directory", path, errno);
      }
    } catch (...) {
      ::unlinkat(in.fd(), temp.c_str(), AT_REMOVEDIR);  // ours and empty: best effort
      throw;
    }
  }

  void hard_link(const Dir& from, std::string_view from_name, const Dir& to,
                 std::string_view to_name) override {
    posix::check_name(from.path(), from_name);
    posix::check_name(to.path(), to_name);
    // Flags 0: a symlink under from_name is linked as itself, never followed.
    if (::linkat(from.fd(), std::string(from_name).c_str(), to.fd(), std::string(to_name).c_str(),
                 0) != 0) {
      const int err = errno;
      const std::string what =
          fmt::format("link {} -> {}: {}", shown(to.child_path(to_name)),
                      shown(from.child_path(from_name)), posix::error_text(err));
      // As rename_at does: callers keep a copy instead when the state directory is on
      // another file system (--state-dir).
      if (err == EXDEV) throw CrossDevice(what);
      throw Error(Failure::system, what);
    }
  }

  void make_symlink(const Dir& in, std::string_view name, std::string_view target) override {
    posix::check_name(in.path(), name);
    if (::symlinkat(std::string(target).c_str(), in.fd(), std::string(name).c_str()) != 0) {
      posix::fail("create symlink", in.child_path(name), errno);
    }
  }

  void remove_file(const Dir& in, std::string_view name) override {
    posix::check_name(in.path(), name);
    const std::string path = in.child_path(name);
    auto st = posix::stat_at(in.fd(), name, path);
    if (!st) posix::fail("remove", path, ENOENT);
    if (st->is_dir()) posix::fail("remove", path, EISDIR);
    secure_unlink(in.fd(), name, *st, path);
  }

  void drop_link(const Dir& in, std::string_view name) override {
    posix::check_name(in.path(), name);
    if (::unlinkat(in.fd(), std::string(name).c_str(), 0) != 0) {
      posix::fail("remove", in.child_path(name), errno);
    }
  }

  void remove_empty_dir(const Dir& in, std::string_view name) override {
    posix::check_name(in.path(), name);
    if (::unlinkat(in.fd(), std::string(name).c_str(), AT_REMOVEDIR) != 0) {
      posix::fail("remove directory", in.child_path(name), errno);
    }
  }

  void remove_tree(const Dir& in, std::string_view name) override { sys::remove_tree(in, name); }

  void copy_tree(const Dir& from, std::string_view from_name, const Dir& to,
                 std::string_view to_name) override {
    sys::copy_tree(from, from_name, to, to_name);
  }

  void write_file(const Dir& in, std::string_view name, std::string_view content,
                  const FileMeta& meta) override {
    write_file_atomic(in, name, content, meta);
  }

  void set_meta(const Dir& in, std::string_view name, const FileMeta& meta) override {
    apply_meta(in, name, meta);
  }

  void set_mode(const Dir& in, std::string_view name, std::uint32_t mode) override {
    posix::check_name(in.path(), name);
    const std::string path = in.child_path(name);
    Fd pin = posix::open_path(in.fd(), name, path);
    if (!pin) posix::fail("change mode of", path, ENOENT);
    if (posix::stat_fd(pin.get(), path).is_symlink()) {
      throw Error(Failure::system,
                  fmt::format("change mode of {}: a symlink has no mode of its own", shown(path)));
    }
    if (::fchmodat(AT_FDCWD, posix::proc_fd(pin.get()).c_str(), mode & 07777, 0) != 0) {
      posix::fail("change mode of", path, errno);
    }
  }

  void set_times(const Dir& in, std::string_view name, Timespec atime, Timespec mtime) override {
    sys::set_times(in, name, atime, mtime);
  }

  void sync(const Dir& dir) override { fsync_dir(dir); }

  CommandResult run(const Command& command) override { return run_command(command); }

  bool signal_process(const Pidfd& process, int signal) override {
    if (::syscall(SYS_pidfd_send_signal, process.fd(), signal, nullptr, 0) == 0) return true;
    if (errno == ESRCH) return false;
    throw Error(Failure::system, fmt::format("send {} to pid {}: {}", signal_name(signal),
                                             process.pid(), posix::error_text(errno)));
  }

  void kill_cgroup(const CgroupDir& cgroup) override {
    const std::string path = cgroup.path + "/cgroup.kill";
    Fd fd(::openat(cgroup.dir.get(), "cgroup.kill", O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) posix::fail("open", path, errno);
    if (::write(fd.get(), "1", 1) != 1) posix::fail("write", path, errno);
  }

  bool unload_module(std::string_view name) override {
    const std::string module(name);
    if (::syscall(SYS_delete_module, module.c_str(), O_NONBLOCK) == 0) return true;
    const int err = errno;
    if (err == ENOENT) return false;
    throw Error(Failure::system, fmt::format("unload kernel module {}: {}{}", shown(name),
                                             posix::error_text(err), unload_hint(err)));
  }

 private:
  // delete_module(2)'s errors in the terms of the situation that causes them.
  static std::string_view unload_hint(int err) {
    switch (err) {
      case EWOULDBLOCK:
        return " (it is in use: a process or another module holds it)";
      case EBUSY:
        return " (it is being loaded or unloaded, or it cannot be unloaded)";
      case EPERM:
        return " (no CAP_SYS_MODULE, or kernel.modules_disabled is set)";
      case ENOSYS:
        return " (this kernel cannot unload modules)";
      default:
        return "";
    }
  }
};

}  // namespace

std::unique_ptr<Backend> make_real_backend() {
  return std::make_unique<RealBackend>();
}

}  // namespace excise::sys
