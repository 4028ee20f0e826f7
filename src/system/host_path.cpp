#include "system/host_path.hpp"

#include <fcntl.h>

#include <cerrno>

#include "system/posix.hpp"

namespace excise::sys {

std::optional<Stat> stat_host_path(const std::string& path) {
  Fd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    posix::fail("stat", path, errno);
  }
  return posix::stat_fd(fd.get(), path);
}

}  // namespace excise::sys
