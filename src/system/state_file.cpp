#include "system/state_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "excise/bytes.hpp"

namespace excise::sys {

std::string state_file_path(const Dir& dir, std::string_view name) {
  std::string path = dir.path();
  if (path.empty() || path.back() != '/') path += '/';
  path += name;
  return path;
}

Error system_failure(std::string_view what, std::string_view path, std::string_view operation,
                     int err) {
  return Error(Failure::system, fmt::format("{} {}: {} failed: {}", what, shown(path), operation,
                                            std::strerror(err)));
}

StateFile open_state_file(const Dir& dir, std::string_view name, int access,
                          std::string_view what) {
  // The names are constants of ours; anything else is a bug, not an input error.
  if (name.empty() || name == "." || name == ".." || name.find('/') != name.npos ||
      name.find('\0') != name.npos) {
    throw std::invalid_argument("state file name must be one path component");
  }
  const std::string path = state_file_path(dir, name);
  const std::string cname(name);
  // O_NONBLOCK only so that a FIFO planted under our name cannot block the open; it is
  // cleared below once we know the object is a regular file.
  const int flags = access | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  StateFile file;
  const int fd = ::openat(dir.fd(), cname.c_str(), flags | O_CREAT, 0600);
  if (fd < 0) {
    if (errno == ELOOP) {
      throw Error(Failure::system, fmt::format("{} {} is a symbolic link; refusing to follow it",
                                               what, shown(path)));
    }
    throw system_failure(what, path, "open", errno);
  }
  file.fd = Fd(fd);

  struct stat st {};
  if (::fstat(fd, &st) != 0) throw system_failure(what, path, "fstat", errno);
  if (!S_ISREG(st.st_mode)) {
    throw Error(Failure::system,
                fmt::format("{} {} is not a regular file; refusing to use it", what, shown(path)));
  }
  if (st.st_nlink != 1) {
    throw Error(Failure::system,
                fmt::format("{} {} has {} hard links; refusing to write a file that has "
                            "other names",
                            what, shown(path), st.st_nlink));
  }
  if (st.st_uid != ::geteuid()) {
    throw Error(Failure::system, fmt::format("{} {} is owned by uid {}, not {}; refusing to use it",
                                             what, shown(path), st.st_uid, ::geteuid()));
  }
  const int status = ::fcntl(fd, F_GETFL);
  if (status < 0 || ::fcntl(fd, F_SETFL, status & ~O_NONBLOCK) != 0) {
    throw system_failure(what, path, "fcntl", errno);
  }
  file.size = static_cast<std::uint64_t>(st.st_size);
  return file;
}

void sync_dir(const Dir& dir, std::string_view what) {
  if (::fsync(dir.fd()) != 0) throw system_failure(what, dir.path(), "fsync", errno);
}

}  // namespace excise::sys
