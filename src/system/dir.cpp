// Dir: one pinned directory and the single-component operations inside it. Every name
// is checked to be one component, so no call here can follow a symlink in a leading
// component or leave the directory through "..".
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/listing.hpp"
#include "system/meta.hpp"
#include "system/posix.hpp"
#include "system/safe_root.hpp"
#include "system/xattr.hpp"

namespace excise::sys {

namespace {

FileType type_of(unsigned char d_type) {
  switch (d_type) {
    case DT_REG:
      return FileType::regular;
    case DT_DIR:
      return FileType::directory;
    case DT_LNK:
      return FileType::symlink;
    case DT_BLK:
      return FileType::block;
    case DT_CHR:
      return FileType::character;
    case DT_FIFO:
      return FileType::fifo;
    case DT_SOCK:
      return FileType::socket;
    default:
      return FileType::unknown;
  }
}

}  // namespace

int Dir::fd() const {
  if (!is_open()) {
    throw Error(Failure::system,
                fmt::format("{} is not open (a directory planned by a dry run)", shown(path_)));
  }
  return fd_->get();
}

std::string Dir::child_path(std::string_view name) const {
  return posix::join(path_, name);
}

Stat Dir::stat() const {
  return posix::stat_fd(fd(), path_);
}

std::optional<Stat> Dir::stat_at(std::string_view name) const {
  posix::check_name(path_, name);
  return posix::stat_at(fd(), name, child_path(name));
}

std::vector<DirEntry> Dir::entries() const {
  Listing listing = Listing::read(fd(), path_);
  std::vector<DirEntry> out;
  out.reserve(listing.size());
  for (std::size_t i = 0; i < listing.size(); ++i) {
    out.push_back({std::string(listing.name(i)), type_of(listing.type(i))});
  }
  return out;
}

Dir Dir::dir_at(std::string_view name) const {
  posix::check_name(path_, name);
  const std::string path = child_path(name);
  Fd child = posix::open_dir_at(fd(), name, path);
  if (!child) posix::fail("open directory", path, errno);
  return Dir(std::make_shared<Fd>(std::move(child)), path);
}

std::optional<Dir> Dir::find_dir(std::string_view name) const {
  posix::check_name(path_, name);
  auto st = stat_at(name);
  if (!st || !st->is_dir()) return std::nullopt;
  const std::string path = child_path(name);
  Fd child = posix::open_dir_at(fd(), name, path);
  if (!child) return std::nullopt;  // removed or replaced meanwhile
  return Dir(std::make_shared<Fd>(std::move(child)), path);
}

std::string Dir::link_at(std::string_view name) const {
  posix::check_name(path_, name);
  return posix::read_link(fd(), name, child_path(name));
}

std::string Dir::read_at(std::string_view name, std::size_t limit) const {
  posix::check_name(path_, name);
  const std::string path = child_path(name);
  // Pin first, look, then open for reading through the pin: a fifo or a device planted
  // under the name is never opened (opening a tape or a fifo has effects or blocks).
  Fd pin = posix::open_path(fd(), name, path);
  if (!pin) posix::fail("read", path, ENOENT);
  Stat st = posix::stat_fd(pin.get(), path);
  if (!st.is_regular()) {
    throw Error(Failure::system, fmt::format("read {}: not a regular file but a {}", shown(path),
                                             file_type_name(st.type())));
  }
  if (static_cast<std::uint64_t>(st.size) > limit) {
    throw Error(Failure::system, fmt::format("read {}: {} bytes, more than the limit of {}",
                                             shown(path), st.size, limit));
  }
  Fd file = posix::reopen(pin.get(), O_RDONLY | O_NOATIME, path);
  return posix::read_all(file.get(), limit, path);
}

Fd Dir::open_at(std::string_view name, int flags) const {
  posix::check_name(path_, name);
  int opened = ::openat(fd(), std::string(name).c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (opened < 0) posix::fail("open", child_path(name), errno);
  return Fd(opened);
}

std::vector<std::pair<std::string, std::string>> Dir::xattrs_at(std::string_view name) const {
  posix::check_name(path_, name);
  const std::string path = child_path(name);
  Fd pin = posix::open_path(fd(), name, path);
  if (!pin) posix::fail("read xattrs of", path, ENOENT);
  return xattr::read({pin.get(), true, path});
}

FileMeta Dir::meta_at(std::string_view name) const {
  if (name == ".") {
    // The directory itself, through its own descriptor.
    Stat st = posix::stat_fd(fd(), path_);
    return meta::read({fd(), true, false, path_}, st);
  }
  posix::check_name(path_, name);
  const std::string path = child_path(name);
  Fd pin = posix::open_path(fd(), name, path);
  if (!pin) posix::fail("read metadata of", path, ENOENT);
  Stat st = posix::stat_fd(pin.get(), path);
  return meta::read({pin.get(), true, st.is_symlink(), path}, st);
}

}  // namespace excise::sys
