#include "system/unlink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "system/posix.hpp"

namespace excise::sys {

void secure_unlink(int dirfd, std::string_view name, const Stat& seen, std::string_view path) {
  const bool setid = seen.permissions() & (S_ISUID | S_ISGID);
  if (seen.is_regular() && setid) {
    Fd pin = posix::open_path(dirfd, name, path);
    if (pin) {
      Stat now = posix::stat_fd(pin.get(), path);
      // Through the pin: the chmod reaches the file we examined or nothing.
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

}  // namespace excise::sys
