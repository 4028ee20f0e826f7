// The traversal shared by walk_tree, copy_tree and remove_tree: depth first, by
// descriptors, with an explicit stack instead of recursion (a 100,000-level tree must not
// overflow the call stack: SAFETY S9, CVE-2021-3997), a bounded number of open
// directories (DirStack), no symlink ever followed, and no descent into another mount.
//
// It yields events in this order for a directory D with children a, b:
//   enter D, (events of a), (events of b), leave D
// and a leaf event for everything else. A mount point (a directory or file whose statx
// says STATX_ATTR_MOUNT_ROOT, or a directory whose st_dev differs from the top's) is a
// leaf with mount_point() set: it is reported, never entered.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "system/dir_stack.hpp"
#include "system/listing.hpp"

namespace excise::sys {

class TreeWalker {
 public:
  enum class Event { enter, leaf, leave };

  // Throws Error(system) if `parent/name` does not exist.
  TreeWalker(const Dir& parent, std::string_view name);

  // Moves to the next event; false at the end.
  bool next();
  // After an enter event: do not descend; no leave event will follow for it.
  void skip() { skip_ = true; }

  Event event() const { return event_; }
  // In-root path of the entry; valid until the next call of next().
  const std::string& path() const { return *path_ptr_; }
  // The length of path()'s directory part: consecutive paths share at least that prefix,
  // so a caller can keep its own copy up to date in O(name) (see walk_tree).
  std::size_t dir_len() const { return dir_len_; }
  std::string_view name() const { return name_; }  // in its parent
  const Stat& stat() const { return stat_; }       // lstat; for leave, as when entered
  std::size_t depth() const { return depth_; }     // 0 for the top
  bool mount_point() const { return mount_; }
  int parent_fd() const { return stack_.fd(); }   // the directory holding the entry, open
  int dir_fd() const { return left_fd_->get(); }  // leave only: the directory itself, open

 private:
  void emit(Event event, std::string_view name, const Stat& stat);
  bool is_mount(const Stat& stat) const;

  DirStack stack_;
  std::vector<Listing> listings_;  // one per entered directory; back() is being listed
  std::uint64_t top_dev_ = 0;
  bool started_ = false, pending_enter_ = false, skip_ = false;
  Event event_ = Event::leaf;
  const std::string* path_ptr_ = nullptr;  // into stack_'s path buffer: no copy per event
  std::string name_;
  std::size_t dir_len_ = 0, depth_ = 0;
  Stat stat_;
  bool mount_ = false;
  std::shared_ptr<Fd> left_fd_;
  std::string top_name_;
};

}  // namespace excise::sys
