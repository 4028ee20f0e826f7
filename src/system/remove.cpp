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
#include "system/unlink.hpp"

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
