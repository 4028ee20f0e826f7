// The /proc reader, the pidfd and the identity check against real child processes.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "system/backend.hpp"
#include "system/process.hpp"

using namespace excise;
using namespace excise::sys;
using namespace std::chrono_literals;

namespace {

// A child that waits for signals; killed and reaped when the test ends.
class Child {
 public:
  explicit Child(bool ignore_term = false) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      // doctest's crash handlers came along with fork: the default actions, please,
      // before the parent may signal us.
      ::signal(SIGTERM, ignore_term ? SIG_IGN : SIG_DFL);
      if (::write(ready[1], "r", 1) != 1) ::_exit(3);
      for (;;)
        ::pause();
    }
    ::close(ready[1]);
    char byte = 0;
    const auto got = ::read(ready[0], &byte, 1);
    ::close(ready[0]);
    REQUIRE(got == 1);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap();
    }
  }
  int pid() const { return pid_; }
  int reap() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  int pid_ = -1;
};

bool ignores_term(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("SigIgn:", 0) == 0) {
      return (std::stoull(line.substr(7), nullptr, 16) & (1ull << (SIGTERM - 1))) != 0;
    }
  }
  return false;
}

ProcessIdentity identity_of(const ProcessInfo& p) {
  return {p.pid, p.start_time, p.exe_stat.dev, p.exe_stat.ino};
}

}  // namespace

TEST_CASE("process live: a child read from /proc") {
  Child child;
  // The child runs the test binary: the same executable inode as ours.
  const auto info = read_process(child.pid());
  REQUIRE(info);
  const auto self = read_process(::getpid());
  REQUIRE(self);
  CHECK(info->pid == child.pid());
  CHECK(info->ppid == ::getpid());
  CHECK(info->session == self->session);
  CHECK(info->start_time >= self->start_time);
  CHECK(info->has_exe);
  CHECK_FALSE(info->exe_deleted);
  CHECK(info->exe == self->exe);
  CHECK(info->exe_stat.same_object(self->exe_stat));
  CHECK(info->uid == ::getuid());
  CHECK(info->comm == self->comm);

  const ProcessTable table = scan_processes();
  REQUIRE(table.find(child.pid()) != nullptr);
  CHECK(table.find(::getpid())->exe == self->exe);
  CHECK(table.find(1) != nullptr);
  CHECK(std::is_sorted(table.processes.begin(), table.processes.end(),
                       [](const auto& a, const auto& b) { return a.pid < b.pid; }));
  CHECK_FALSE(read_process(0x3fffffff));
}

TEST_CASE("process live: identity through a pidfd") {
  Child child;
  const auto info = read_process(child.pid());
  REQUIRE(info);
  auto pidfd = Pidfd::open(child.pid());
  REQUIRE(pidfd);
  CHECK_FALSE(pidfd->exited());

  CHECK(verify_identity(*pidfd, identity_of(*info)).verdict == IdentityVerdict::same);
  auto other_start = identity_of(*info);
  other_start.start_time += 1;
  const auto reused = verify_identity(*pidfd, other_start);
  CHECK(reused.verdict == IdentityVerdict::reused);
  REQUIRE(reused.now);
  CHECK(reused.now->start_time == info->start_time);
  auto other_exe = identity_of(*info);
  other_exe.exe_ino += 1;
  CHECK(verify_identity(*pidfd, other_exe).verdict == IdentityVerdict::other_program);

  // Exited but not reaped: a zombie has nothing left to signal.
  ::kill(child.pid(), SIGKILL);
  CHECK(pidfd->wait_exit(5s));
  CHECK(pidfd->exited());
  CHECK(verify_identity(*pidfd, identity_of(*info)).verdict == IdentityVerdict::gone);
  const int pid = child.pid();
  child.reap();
  // Reaped: the PID names nothing (or, much later, someone else).
  CHECK(verify_identity(*pidfd, identity_of(*info)).verdict == IdentityVerdict::gone);
  if (!read_process(pid)) CHECK_FALSE(Pidfd::open(pid));
}

TEST_CASE("process live: the dry-run backend only says what it would send") {
  Child child;
  auto pidfd = Pidfd::open(child.pid());
  REQUIRE(pidfd);
  std::ostringstream log;
  const auto dry = make_dry_run_backend(log);
  CHECK(dry->signal_process(*pidfd, SIGTERM));
  CHECK(dry->signal_process(*pidfd, SIGKILL));
  CHECK(log.str() == "would send SIGTERM to pid " + std::to_string(child.pid()) +
                         "\nwould send SIGKILL to pid " + std::to_string(child.pid()) + "\n");
  CHECK_FALSE(pidfd->wait_exit(50ms));
}

TEST_CASE("process live: the real backend signals through the pidfd") {
  SUBCASE("SIGTERM") {
    Child child;
    auto pidfd = Pidfd::open(child.pid());
    REQUIRE(pidfd);
    const auto real = make_real_backend();
    CHECK(real->signal_process(*pidfd, SIGTERM));
    CHECK(pidfd->wait_exit(5s));
    const int status = child.reap();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    // Its process is gone: the pidfd reaches nobody, whoever gets the PID next.
    CHECK_FALSE(real->signal_process(*pidfd, SIGKILL));
  }
  SUBCASE("SIGTERM ignored, then SIGKILL") {
    Child child(true);
    auto pidfd = Pidfd::open(child.pid());
    REQUIRE(pidfd);
    REQUIRE(ignores_term(child.pid()));
    const auto real = make_real_backend();
    CHECK(real->signal_process(*pidfd, SIGTERM));
    CHECK_FALSE(pidfd->wait_exit(200ms));
    CHECK(real->signal_process(*pidfd, SIGKILL));
    CHECK(pidfd->wait_exit(5s));
    CHECK(WTERMSIG(child.reap()) == SIGKILL);
  }
}

TEST_CASE("process live: signal names") {
  CHECK(signal_name(SIGTERM) == "SIGTERM");
  CHECK(signal_name(SIGKILL) == "SIGKILL");
}
