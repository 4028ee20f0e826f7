// An owned file descriptor, and file status in our own terms.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace excise::sys {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

struct Timespec {
  std::int64_t sec = 0;
  std::int64_t nsec = 0;
  friend bool operator==(const Timespec&, const Timespec&) = default;
};

enum class FileType { regular, directory, symlink, block, character, fifo, socket, unknown };
std::string_view file_type_name(FileType type);  // "file", "dir", "link", ...

struct Stat {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  std::uint32_t mode = 0;  // st_mode: type and permission bits
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t nlink = 0;
  std::int64_t size = 0;
  std::uint64_t rdev = 0;
  Timespec atime, mtime, ctime;
  bool mount_root = false;  // the root of a mount (statx STATX_ATTR_MOUNT_ROOT)

  FileType type() const;
  std::uint32_t permissions() const { return mode & 07777; }
  bool is_dir() const { return type() == FileType::directory; }
  bool is_symlink() const { return type() == FileType::symlink; }
  bool is_regular() const { return type() == FileType::regular; }
  bool same_object(const Stat& other) const { return dev == other.dev && ino == other.ino; }
};

// The wall-clock time now (CLOCK_REALTIME), for mtimes of files excise rewrites.
Timespec now();

// "dir 2049:131 0755 0:0", the identity and ownership facts a plan records.
std::string identity(const Stat& stat);

// Owner, mode, times and extended attributes (ACLs are the system.posix_acl_* ones).
struct FileMeta {
  std::uint32_t mode = 0;  // permission bits only
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  Timespec atime, mtime;
  std::vector<std::pair<std::string, std::string>> xattrs;  // name -> value, sorted
};

}  // namespace excise::sys
