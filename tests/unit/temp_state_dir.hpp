// Helpers for tests of excise's own state files (journal, lock): a real directory under
// /tmp with a sys::Dir open on it, removed afterwards; fork helpers; fail-point setup.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "exec/fail_points.hpp"
#include "system/safe_root.hpp"

namespace excise::testing {

struct TempStateDir {
  TempStateDir() {
    char pattern[] = "/tmp/excise-state-test-XXXXXX";
    if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
    path = pattern;
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("open " + path + " failed");
    dir = sys::Dir(std::make_shared<sys::Fd>(fd), path);
  }
  ~TempStateDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempStateDir(const TempStateDir&) = delete;
  TempStateDir& operator=(const TempStateDir&) = delete;

  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string read(const std::string& name) const { return read_file(file(name)); }
  static std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(file(name), std::ios::binary | std::ios::trunc) << bytes;
  }

  std::string path;
  sys::Dir dir;
};

// Runs `body` in a forked child and returns its wait status. The child leaves with
// _exit (0, or 3 if body threw), never returning into the test framework.
template <class Body>
int wait_status_of_child(Body body) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    try {
      body();
      ::_exit(0);
    } catch (...) {
      ::_exit(3);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  return status;
}

// Like wait_status_of_child, and collects what the child writes to the descriptor it is
// given, so that the parent can make the assertions.
struct ChildResult {
  int status = 0;
  std::string output;
};
template <class Body>
ChildResult run_child_with_output(Body body) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const int read_end = pipe_fds[0];
  const int write_end = pipe_fds[1];
  ChildResult result;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(read_end);
    try {
      body(write_end);
      ::_exit(0);
    } catch (...) {
      ::_exit(3);
    }
  }
  ::close(write_end);
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(read_end, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(read_end);
  while (::waitpid(pid, &result.status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  return result;
}

// Writes all of `bytes` to `fd` (a child reporting to its parent).
inline void send(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Sets EXCISE_FAIL_POINTS for this scope (the only switch the facility has) and
// restores the unset state afterwards.
struct FailPointsScope {
  explicit FailPointsScope(const std::string& spec) {
    ::setenv(std::string(fail_points::kVariable).c_str(), spec.c_str(), 1);
    fail_points::reload_from_environment();
  }
  ~FailPointsScope() {
    ::unsetenv(std::string(fail_points::kVariable).c_str());
    fail_points::reload_from_environment();
  }
  FailPointsScope(const FailPointsScope&) = delete;
  FailPointsScope& operator=(const FailPointsScope&) = delete;
};

}  // namespace excise::testing
