#include "system/dir_stack.hpp"

#include <fcntl.h>

#include <cerrno>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/posix.hpp"

namespace excise::sys {

namespace {

[[noreturn]] void changed(std::string_view path, std::string_view what) {
  throw Error(
      Failure::system,
      fmt::format("{} changed while excise was working in it ({}): stopped", shown(path), what));
}

}  // namespace

DirStack::DirStack(const Dir& base, std::size_t budget) : budget_(budget < 2 ? 2 : budget) {
  base.fd();  // throws for a placeholder
  path_ = base.path();
  frames_.push_back({base.descriptor(), std::string(), base.stat(), path_.size()});
}

const std::string& DirStack::child_path(std::string_view name) {
  path_.resize(frames_.back().path_len);
  if (path_.empty() || path_.back() != '/') path_ += '/';
  path_.append(name);
  return path_;
}

void DirStack::push(std::string_view name, const Stat* expected) {
  const std::string& path = child_path(name);
  Fd child = posix::open_dir_at(fd(), name, path);
  if (!child) changed(path, errno == ENOENT ? "it disappeared" : "it is no longer a directory");
  Stat st = posix::stat_fd(child.get(), path);
  if (expected && !st.same_object(*expected)) changed(path, "another object took its name");
  add(std::make_shared<Fd>(std::move(child)), name, st);
}

void DirStack::push_opened(std::shared_ptr<Fd> fd, std::string_view name, const Stat& stat) {
  child_path(name);
  add(std::move(fd), name, stat);
}

void DirStack::add(std::shared_ptr<Fd> fd, std::string_view name, const Stat& stat) {
  // path_ already holds the child's path (child_path was called for `name`).
  frames_.push_back({std::move(fd), std::string(name), stat, path_.size()});
  if (frames_.size() - oldest_open_ > budget_) {
    frames_[oldest_open_].fd.reset();
    ++oldest_open_;
  }
}

void DirStack::pop() {
  if (frames_.size() <= 1) return;  // ".." at the base stays at the base
  Frame child = std::move(frames_.back());
  frames_.pop_back();
  Frame& parent = frames_.back();
  if (!parent.fd) {
    // The child is open (open frames are the deepest ones): its ".." is the parent we
    // left, unless the child was moved; the identity check tells.
    const std::string parent_path(path());
    Fd up(::openat(child.fd->get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!up) posix::fail("open directory", parent_path, errno);
    Stat st = posix::stat_fd(up.get(), parent_path);
    if (!st.same_object(parent.stat)) changed(parent_path, "a subdirectory was moved out of it");
    parent.fd = std::make_shared<Fd>(std::move(up));
    oldest_open_ = frames_.size() - 1;
  }
  path_.resize(parent.path_len);
}

void DirStack::reset() {
  frames_.resize(1);
  oldest_open_ = 1;
  path_.resize(frames_[0].path_len);
}

}  // namespace excise::sys
