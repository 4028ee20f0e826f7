#include "system/tree_walker.hpp"

#include <cerrno>

#include "system/posix.hpp"

namespace excise::sys {

TreeWalker::TreeWalker(const Dir& parent, std::string_view name)
    : stack_(parent, posix::dir_fd_budget()), top_name_(name) {
  posix::check_name(parent.path(), name);
}

bool TreeWalker::is_mount(const Stat& stat) const {
  // statx's MOUNT_ROOT catches every mount, bind mounts of the same file system and
  // mounts on files included. A change of st_dev is a second signal, for directories
  // only: on overlayfs whose layers sit on different file systems, files report their
  // layer's st_dev while directories report the overlay's, so the comparison would call
  // every file a mount point. (A btrfs subvolume is a directory with its own st_dev: it
  // is reported and not entered, like rm --one-file-system does.)
  return stat.mount_root || (stat.is_dir() && stat.dev != top_dev_);
}

void TreeWalker::emit(Event event, std::string_view name, const Stat& stat) {
  event_ = event;
  name_.assign(name);
  stat_ = stat;
  dir_len_ = stack_.path().size();
  path_ptr_ = &stack_.child_path(name_);
}

bool TreeWalker::next() {
  if (!started_) {
    started_ = true;
    const std::string& path = stack_.child_path(top_name_);
    auto st = posix::stat_at(stack_.fd(), top_name_, path);
    if (!st) posix::fail("walk", path, ENOENT);
    top_dev_ = st->dev;
    // The top is a mount point if it is the root of a mount, or a directory on another
    // device than its parent (see is_mount).
    mount_ = st->mount_root || (st->is_dir() && st->dev != stack_.stat().dev);
    depth_ = 0;
    emit(st->is_dir() && !mount_ ? Event::enter : Event::leaf, top_name_, *st);
    pending_enter_ = event_ == Event::enter;
    return true;
  }
  if (pending_enter_) {
    pending_enter_ = false;
    if (!skip_) {
      // Open the directory we just reported, and check it is the object we reported: if a
      // mount or a symlink took its name meanwhile, this stops the walk.
      const std::string name = name_;
      stack_.push(name, &stat_);
      listings_.push_back(Listing::read(stack_.fd(), stack_.path()));
    }
    skip_ = false;
  }
  while (!listings_.empty()) {
    Listing& listing = listings_.back();
    if (!listing.done()) {
      const std::string_view name = listing.take();
      auto st = posix::stat_at(stack_.fd(), name, stack_.child_path(name));
      if (!st) continue;  // removed since the listing: nothing to report
      mount_ = is_mount(*st);
      depth_ = listings_.size();
      emit(st->is_dir() && !mount_ ? Event::enter : Event::leaf, name, *st);
      pending_enter_ = event_ == Event::enter;
      return true;
    }
    // Every child done: leave the directory. Keep its descriptor for the caller (it sets
    // a copy's metadata from it), and go up, which may reopen the parent through "..".
    left_fd_ = stack_.shared_fd();
    const Stat st = stack_.stat();
    const std::string name(stack_.name());
    listings_.pop_back();
    stack_.pop();
    mount_ = false;
    depth_ = listings_.size();
    emit(Event::leave, name, st);
    return true;
  }
  return false;
}

}  // namespace excise::sys
