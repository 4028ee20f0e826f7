#include "exec/run_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

#include "excise/bytes.hpp"
#include "system/state_file.hpp"

namespace excise {
namespace {

using sys::open_state_file;
using sys::state_file_path;
using sys::StateFile;
using sys::system_failure;

constexpr std::string_view kWhat = "lock";
constexpr std::string_view kName = "lock";

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// The holder's line as the holder wrote it, shown safely: the file is only as trustworthy
// as the state directory, and the message goes to a terminal.
std::string read_holder(int fd) {
  char buffer[4096];
  ssize_t n;
  do {
    n = ::pread(fd, buffer, sizeof buffer, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return "(the holder has not recorded itself yet)";
  std::string_view line(buffer, static_cast<std::size_t>(n));
  line = line.substr(0, line.find('\n'));
  if (line.empty()) return "(the holder has not recorded itself yet)";
  return shown(line);
}

void write_holder(int fd, const std::string& path, std::string_view line) {
  if (::ftruncate(fd, 0) != 0) throw system_failure(kWhat, path, "ftruncate", errno);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n =
        ::pwrite(fd, line.data() + done, line.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw system_failure(kWhat, path, "write", n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) throw system_failure(kWhat, path, "fsync", errno);
}

}  // namespace

RunLock RunLock::acquire(const sys::Dir& state_dir, std::string holder_description,
                         const std::string& shown_dir) {
  const std::string path = state_file_path(state_dir, kName);
  StateFile file = open_state_file(state_dir, kName, O_RDWR, kWhat);
  int result;
  do {
    result = ::flock(file.fd.get(), LOCK_EX | LOCK_NB);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    if (errno != EWOULDBLOCK) throw system_failure(kWhat, path, "flock", errno);
    throw Error(Failure::locked,
                fmt::format("another excise run holds the lock of {}: {}; wait for it to finish",
                            shown(shown_dir.empty() ? state_dir.path() : shown_dir),
                            read_holder(file.fd.get())));
  }
  // shown() keeps the line one line whatever bytes the description (a root path) holds.
  std::string line =
      fmt::format("pid {}, {}, started {}", ::getpid(), shown(holder_description), utc_now());
  write_holder(file.fd.get(), path, line + "\n");
  return RunLock(std::move(file.fd), std::move(line));
}

RunLock::~RunLock() {
  // Unlock explicitly rather than rely on close: a child forked for a command shares the
  // open file description until it execs, and would otherwise keep the lock that long.
  if (fd_) ::flock(fd_.get(), LOCK_UN);
}

}  // namespace excise
