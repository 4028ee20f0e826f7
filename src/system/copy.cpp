// copy_tree: the quarantine's fallback when a rename cannot work (another file system).
// Everything is kept: content (holes too), mode with set-id bits, owner, atime and
// mtime to the nanosecond, xattrs and ACLs, symlink targets with their own owner, times
// and xattrs, device nodes, fifos, sockets (recreated as socket inodes: nobody listens
// on them anyway once the service is gone, and a faithful copy restores the same tree on
// rollback), and hard links between files of the tree.
//
// The destination is built privately: every directory is created 0700 and receives its
// real owner, mode, xattrs and times only when left (post-order), which also keeps its
// mtime from being moved by the creation of its children. Every object is created with
// exclusive semantics (mkdirat, O_EXCL, symlinkat, mknodat, linkat all fail on an
// existing name), and every file and directory is fsynced before copy_tree returns.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/meta.hpp"
#include "system/posix.hpp"
#include "system/tree.hpp"
#include "system/tree_walker.hpp"

namespace excise::sys {

namespace {

// Copies the data of `in` to `out`, extent by extent so that holes stay holes, with
// copy_file_range (in-kernel, reflinks where the file system can); read/write when the
// kernel cannot copy between these two files.
void copy_content(int in, int out, std::int64_t size, std::string_view path) {
  bool in_kernel = true;
  off_t pos = 0;
  while (pos < size) {
    off_t data = ::lseek(in, pos, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole remains
      data = pos;                 // no SEEK_DATA support: copy everything
    }
    off_t hole = ::lseek(in, data, SEEK_HOLE);
    if (hole < 0 || hole > size) hole = size;
    off_t from = data, to = data;
    while (from < hole) {
      ssize_t done = -1;
      if (in_kernel) {
        done = ::copy_file_range(in, &from, out, &to, static_cast<std::size_t>(hole - from), 0);
        if (done < 0) {
          if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
            posix::fail("copy", path, errno);
          }
          in_kernel = false;
        }
      }
      if (!in_kernel) {
        char buf[65536];
        done = ::pread(in, buf, static_cast<std::size_t>(std::min<off_t>(sizeof buf, hole - from)),
                       from);
        if (done < 0) posix::fail("read", path, errno);
        for (ssize_t off = 0; off < done;) {
          ssize_t put = ::pwrite(out, buf + off, static_cast<std::size_t>(done - off), to);
          if (put < 0) posix::fail("write copy of", path, errno);
          off += put;
          to += put;
        }
        from += done;
      }
      if (done == 0) break;  // the file shrank meanwhile
    }
    pos = hole;
  }
  if (::ftruncate(out, size) != 0) posix::fail("write copy of", path, errno);  // trailing hole
}

class Copier {
 public:
  Copier(const Dir& from, std::string_view from_name, const Dir& to, std::string_view to_name)
      : walker_(from, from_name), dest_(to, posix::dir_fd_budget()), to_(to), to_name_(to_name) {}

  void run() {
    while (walker_.next()) {
      const std::string name(walker_.depth() == 0 ? to_name_ : walker_.name());
      switch (walker_.event()) {
        case TreeWalker::Event::enter:
          enter(name);
          break;
        case TreeWalker::Event::leaf:
          leaf(name);
          break;
        case TreeWalker::Event::leave:
          leave();
          break;
      }
    }
    if (::fsync(to_.fd()) != 0) posix::fail("sync", to_.path(), errno);
  }

 private:
  void enter(const std::string& name) {
    const std::string& path = dest_.child_path(name);
    if (::mkdirat(dest_.fd(), name.c_str(), 0700) != 0)
      posix::fail("create directory", path, errno);
    dest_.push(name);
    rel_.push_back(name);
  }

  void leave() {
    // The source directory is still open: read its metadata now, after its children,
    // so the copy gets the times it has at the end.
    const Stat st = posix::stat_fd(walker_.dir_fd(), walker_.path());
    const std::string src_path = walker_.path();
    FileMeta m = meta::read({walker_.dir_fd(), false, false, src_path}, st);
    const std::string dest_path(dest_.path());
    meta::apply({dest_.fd(), false, false, dest_path}, m);
    if (::fsync(dest_.fd()) != 0) posix::fail("sync", dest_path, errno);
    dest_.pop();
    rel_.pop_back();
  }

  void leaf(const std::string& name) {
    const Stat& st = walker_.stat();
    const std::string src_path = walker_.path();
    if (walker_.mount_point()) {
      throw Error(Failure::refused,
                  fmt::format("copy {}: a mount point: not crossed", shown(src_path)));
    }
    const std::string dest_path = dest_.child_path(name);
    if (!st.is_dir() && st.nlink > 1 && link_again(st, name, dest_path)) return;

    Fd src = posix::open_path(walker_.parent_fd(), walker_.name(), src_path);
    if (!src || !posix::stat_fd(src.get(), src_path).same_object(st)) {
      throw Error(Failure::system,
                  fmt::format("copy {}: changed during the copy", shown(src_path)));
    }
    if (st.is_regular()) {
      copy_file(src, st, name, src_path, dest_path);
    } else {
      make_node(src, st, name, src_path, dest_path);
    }
    if (!st.is_dir() && st.nlink > 1) {
      std::vector<std::string> where = rel_;
      where.push_back(name);
      links_[{st.dev, st.ino}] = {std::move(where), 1};
    }
  }

  void copy_file(const Fd& src_pin, const Stat& st, const std::string& name,
                 const std::string& src_path, const std::string& dest_path) {
    Fd in = posix::reopen(src_pin.get(), O_RDONLY | O_NOATIME, src_path);
    Fd out(::openat(dest_.fd(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    0600));
    if (!out) posix::fail("create", dest_path, errno);
    copy_content(in.get(), out.get(), st.size, src_path);
    FileMeta m = meta::read({in.get(), false, false, src_path}, st);
    meta::apply({out.get(), false, false, dest_path}, m);
    if (::fsync(out.get()) != 0) posix::fail("sync", dest_path, errno);
  }

  void make_node(const Fd& src_pin, const Stat& st, const std::string& name,
                 const std::string& src_path, const std::string& dest_path) {
    if (st.is_symlink()) {
      std::string target = posix::read_link(src_pin.get(), "", src_path);
      if (::symlinkat(target.c_str(), dest_.fd(), name.c_str()) != 0) {
        posix::fail("create symlink", dest_path, errno);
      }
    } else if (::mknodat(dest_.fd(), name.c_str(), (st.mode & S_IFMT) | 0600,
                         static_cast<dev_t>(st.rdev)) != 0) {
      posix::fail("create", dest_path, errno);
    }
    Fd made = posix::open_path(dest_.fd(), name, dest_path);
    if (!made) posix::fail("open", dest_path, ENOENT);
    FileMeta m = meta::read({src_pin.get(), true, st.is_symlink(), src_path}, st);
    meta::apply({made.get(), true, st.is_symlink(), dest_path}, m);
  }

  // A further name of a file already copied: link to the copy. The copy's directory is
  // found again from the destination top by name (it is ours, created 0700).
  bool link_again(const Stat& st, const std::string& name, const std::string& dest_path) {
    auto it = links_.find({st.dev, st.ino});
    if (it == links_.end()) return false;
    const std::vector<std::string>& where = it->second.first;
    Fd dir;
    int dirfd = to_.fd();
    for (std::size_t i = 0; i + 1 < where.size(); ++i) {
      dir = posix::open_dir_at(dirfd, where[i], dest_path);
      if (!dir) posix::fail("open directory", dest_path, errno);
      dirfd = dir.get();
    }
    if (::linkat(dirfd, where.back().c_str(), dest_.fd(), name.c_str(), 0) != 0) {
      posix::fail("create hard link", dest_path, errno);
    }
    if (++it->second.second >= st.nlink) links_.erase(it);  // every name seen: forget it
    return true;
  }

  TreeWalker walker_;
  DirStack dest_;
  const Dir& to_;
  std::string to_name_;
  std::vector<std::string> rel_;  // destination directories below `to`, from the top
  // (dev, ino) of a multiply linked source file -> (its copy's names below `to`, names seen)
  std::map<std::pair<std::uint64_t, std::uint64_t>,
           std::pair<std::vector<std::string>, std::uint64_t>>
      links_;
};

// A copy into its own source would find itself while walking and never end. So the
// destination directory and each of its ancestors (by ".." up to the top of the file
// system hierarchy: identities only, nothing is read) must not be the source.
void refuse_copy_into_itself(const Dir& from, std::string_view from_name, const Dir& to) {
  auto source = posix::stat_at(from.fd(), from_name, from.child_path(from_name));
  if (!source || !source->is_dir()) return;  // the walk reports a missing source
  Fd dir(::openat(to.fd(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) posix::fail("open directory", to.path(), errno);
  for (;;) {
    Stat st = posix::stat_fd(dir.get(), to.path());
    if (st.same_object(*source)) {
      throw Error(Failure::system,
                  fmt::format("copy {} -> {}: the destination is inside the source",
                              shown(from.child_path(from_name)), shown(to.path())));
    }
    Fd up(::openat(dir.get(), "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!up) posix::fail("open directory", to.path() + "/..", errno);
    if (posix::stat_fd(up.get(), to.path()).same_object(st)) return;  // "/" is its own parent
    dir = std::move(up);
  }
}

}  // namespace

void copy_tree(const Dir& from, std::string_view from_name, const Dir& to,
               std::string_view to_name) {
  posix::check_name(from.path(), from_name);
  posix::check_name(to.path(), to_name);
  refuse_copy_into_itself(from, from_name, to);
  Copier(from, from_name, to, to_name).run();
}

}  // namespace excise::sys
