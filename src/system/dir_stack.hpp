// A chain of open directories from a base down to the current one, as a resolver or a
// tree walk descends. Descending opens the child by name from its pinned parent, never
// through a symlink. Only the deepest `budget` descriptors stay open, so a 100,000-level
// tree needs no more than that (SAFETY S9). Going back up to a parent whose descriptor
// was closed reopens it as ".." of the child, which is still open, and checks that it is
// the very directory (st_dev, st_ino) that was entered on the way down: if someone moved
// the child elsewhere meanwhile, ".." is another directory and the walk stops with an
// error instead of acting in the wrong place. This is fts(3)'s scheme, and it costs one
// openat per level instead of re-walking from the base.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "system/safe_root.hpp"

namespace excise::sys {

class DirStack {
 public:
  DirStack(const Dir& base, std::size_t budget);

  std::size_t size() const { return frames_.size(); }  // 1 at the base
  int fd() const { return frames_.back().fd->get(); }
  const std::shared_ptr<Fd>& shared_fd() const { return frames_.back().fd; }
  const Stat& stat() const { return frames_.back().stat; }
  std::string_view name() const { return frames_.back().name; }  // "" at the base
  std::string_view path() const {
    return std::string_view(path_).substr(0, frames_.back().path_len);
  }
  // The in-root path of `name` inside the top directory. The returned string stays valid
  // until the next call; building it costs the length of `name` only, not of the path.
  const std::string& child_path(std::string_view name);
  Dir dir() const { return Dir(frames_.back().fd, std::string(path())); }

  // Opens `name` in the top directory as a directory (no symlink followed) and makes it
  // the top. When `expected` is given, the opened directory must be that object.
  void push(std::string_view name, const Stat* expected = nullptr);
  // Makes an already opened directory the top (the resolver opens through O_PATH first).
  void push_opened(std::shared_ptr<Fd> fd, std::string_view name, const Stat& stat);
  // Back to the parent: reopened through ".." and checked if its descriptor was closed.
  void pop();
  // Back to the base (an absolute symlink restarts at the root).
  void reset();

 private:
  struct Frame {
    std::shared_ptr<Fd> fd;  // null when closed to stay within the budget
    std::string name;
    Stat stat;
    std::size_t path_len = 0;
  };
  void add(std::shared_ptr<Fd> fd, std::string_view name, const Stat& stat);

  std::vector<Frame> frames_;
  std::string path_;  // the top's path, then scratch space for child_path
  std::size_t budget_;
  std::size_t oldest_open_ = 1;  // frames [oldest_open_, size) are open; the base always is
};

}  // namespace excise::sys
