// remove_tree: post-order removal by descriptors (unlinkat in a pinned directory never
// follows a symlink: a link is removed as a link), refusing mount points.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/posix.hpp"
#include "system/tree.hpp"
#include "system/tree_walker.hpp"

namespace excise::sys {

namespace {

[[noreturn]] void refuse_mount(std::string_view top, std::string_view mount, bool removed_some) {
  throw Error(
      Failure::refused,
      fmt::format("remove {}: {} is a mount point: not crossed, {}", shown(top), shown(mount),
                  removed_some ? "stopped after removing some entries (it appeared during "
                                 "the removal)"
                               : "nothing removed"));
}

// dpkg's secure_unlink: a set-id file may have another name somewhere (a user's hard
// link made while it was installed), which would keep a banned set-uid program alive
// after we remove ours. So the bits go first (mode 0600, as dpkg does), then the name.
// Done for every set-id file, not only nlink > 1: an O_PATH descriptor held elsewhere
// could still fexecve the inode after its last name is gone.
void secure_unlink(int dirfd, std::string_view name, const Stat& seen, std::string_view path) {
  const bool setid = seen.permissions() & (S_ISUID | S_ISGID);
  if (seen.is_regular() && setid) {
    Fd pin = posix::open_path(dirfd, name, path);
    if (pin) {
      Stat now = posix::stat_fd(pin.get(), path);
      // Whatever now has the name, clear set-id only on the file we examined.
      if (now.same_object(seen) &&
          ::fchmodat(AT_FDCWD, posix::proc_fd(pin.get()).c_str(), 0600, 0) != 0) {
        posix::fail("clear set-id bits of", path, errno);
      }
    }
  }
  if (::unlinkat(dirfd, std::string(name).c_str(), 0) != 0 && errno != ENOENT) {
    posix::fail("remove", path, errno);
  }
}

}  // namespace

void remove_tree(const Dir& parent, std::string_view name) {
  const std::string top = parent.child_path(name);
  // First a walk that only looks: a mount point anywhere below means nothing is removed.
  for (TreeWalker check(parent, name); check.next();) {
    if (check.mount_point()) refuse_mount(top, check.path(), false);
  }
  TreeWalker walker(parent, name);
  while (walker.next()) {
    switch (walker.event()) {
      case TreeWalker::Event::enter:
        break;
      case TreeWalker::Event::leaf:
        if (walker.mount_point()) refuse_mount(top, walker.path(), true);
        secure_unlink(walker.parent_fd(), walker.name(), walker.stat(), walker.path());
        break;
      case TreeWalker::Event::leave:
        if (::unlinkat(walker.parent_fd(), std::string(walker.name()).c_str(), AT_REMOVEDIR) != 0) {
          // ENOTEMPTY: something was created in it during the removal; stop and say so.
          posix::fail("remove directory", walker.path(), errno);
        }
        break;
    }
  }
}

}  // namespace excise::sys
