#include "system/meta.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "system/posix.hpp"
#include "system/tree.hpp"
#include "system/xattr.hpp"

namespace excise::sys::meta {

FileMeta read(const Object& object, const Stat& stat) {
  FileMeta meta;
  meta.mode = stat.permissions();
  meta.uid = stat.uid;
  meta.gid = stat.gid;
  meta.atime = stat.atime;
  meta.mtime = stat.mtime;
  meta.xattrs = xattr::read({object.fd, object.opath, object.path});
  return meta;
}

void apply(const Object& object, const FileMeta& meta) {
  // AT_EMPTY_PATH acts on the descriptor itself, O_PATH ones included; with
  // AT_SYMLINK_NOFOLLOW a pinned symlink is changed, never its target.
  if (::fchownat(object.fd, "", meta.uid, meta.gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) {
    posix::fail("change owner of", object.path, errno);
  }
  xattr::write({object.fd, object.opath, object.path}, meta.xattrs);
  if (!object.symlink) {
    int rc = object.opath ? ::fchmodat(AT_FDCWD, posix::proc_fd(object.fd).c_str(), meta.mode, 0)
                          : ::fchmod(object.fd, meta.mode);
    if (rc != 0) posix::fail("change mode of", object.path, errno);
  }
  const struct timespec times[2] = {{meta.atime.sec, meta.atime.nsec},
                                    {meta.mtime.sec, meta.mtime.nsec}};
  if (::utimensat(object.fd, "", times, AT_EMPTY_PATH) != 0) {
    posix::fail("set times of", object.path, errno);
  }
}

}  // namespace excise::sys::meta

namespace excise::sys {

void set_times(const Dir& dir, std::string_view name, Timespec atime, Timespec mtime) {
  const struct timespec times[2] = {
      {static_cast<time_t>(atime.sec), static_cast<long>(atime.nsec)},
      {static_cast<time_t>(mtime.sec), static_cast<long>(mtime.nsec)}};
  if (name == ".") {
    // The directory itself: through its pinned descriptor, never by a path.
    if (::utimensat(AT_FDCWD, posix::proc_fd(dir.fd()).c_str(), times, 0) != 0) {
      posix::fail("set times of", dir.path(), errno);
    }
    return;
  }
  posix::check_name(dir.path(), name);
  if (::utimensat(dir.fd(), std::string(name).c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    posix::fail("set times of", dir.child_path(name), errno);
  }
}

}  // namespace excise::sys
