#include "system/listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "excise/error.hpp"
#include "system/posix.hpp"

namespace excise::sys {

Listing Listing::read(int dirfd, std::string_view path) {
  int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) posix::fail("open directory", path, errno);
  DIR* dir = ::fdopendir(fd);
  if (!dir) {
    int err = errno;
    ::close(fd);
    posix::fail("read directory", path, err);
  }
  Listing out;
  for (;;) {
    errno = 0;
    const struct dirent* ent = ::readdir(dir);
    if (!ent) {
      int err = errno;
      ::closedir(dir);
      if (err != 0) posix::fail("read directory", path, err);
      break;
    }
    std::string_view name(ent->d_name);
    if (name == "." || name == "..") continue;
    if (out.names_.size() + name.size() > UINT32_MAX) {
      ::closedir(dir);
      throw Error(Failure::system, "read directory: more than 4 GiB of names in one directory");
    }
    out.entries_.push_back({static_cast<std::uint32_t>(out.names_.size()),
                            static_cast<std::uint16_t>(name.size()), ent->d_type});
    out.names_.append(name);
  }
  const std::string_view all(out.names_);
  std::sort(out.entries_.begin(), out.entries_.end(), [&](const Entry& a, const Entry& b) {
    // char_traits<char> compares as unsigned char: byte order, as documented.
    return all.substr(a.offset, a.length) < all.substr(b.offset, b.length);
  });
  return out;
}

}  // namespace excise::sys
