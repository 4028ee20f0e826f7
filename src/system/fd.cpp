#include "system/fd.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace excise::sys {

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);  // close errors are not retried (close(2))
  fd_ = fd;
}

FileType Stat::type() const {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return FileType::regular;
    case S_IFDIR:
      return FileType::directory;
    case S_IFLNK:
      return FileType::symlink;
    case S_IFBLK:
      return FileType::block;
    case S_IFCHR:
      return FileType::character;
    case S_IFIFO:
      return FileType::fifo;
    case S_IFSOCK:
      return FileType::socket;
    default:
      return FileType::unknown;
  }
}

std::string_view file_type_name(FileType type) {
  switch (type) {
    case FileType::regular:
      return "file";
    case FileType::directory:
      return "dir";
    case FileType::symlink:
      return "link";
    case FileType::block:
      return "block-device";
    case FileType::character:
      return "char-device";
    case FileType::fifo:
      return "fifo";
    case FileType::socket:
      return "socket";
    case FileType::unknown:
      return "unknown";
  }
  return "unknown";
}

Timespec now() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

std::string identity(const Stat& stat) {
  return fmt::format("{} {}:{} {:04o} {}:{}", file_type_name(stat.type()), stat.dev, stat.ino,
                     stat.permissions(), stat.uid, stat.gid);
}

}  // namespace excise::sys
