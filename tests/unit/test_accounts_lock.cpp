// shadow_lock against real temporary directories, with forked children holding locks.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>

#include "dpkg_test_files.hpp"
#include "excise/error.hpp"
#include "system/shadow_lock.hpp"

using namespace excise;
using namespace excise::sys;
using namespace std::chrono_literals;

namespace {

// A scratch "/etc" with a descriptor, removed afterwards.
struct TempEtc {
  std::string path;
  int fd = -1;
  TempEtc() {
    char templ[] = "/tmp/excise-lock-XXXXXX";
    REQUIRE(::mkdtemp(templ) != nullptr);
    path = templ;
    fd = ::open(templ, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
  }
  ~TempEtc() {
    ::close(fd);
    std::system(("rm -rf '" + path + "'").c_str());
  }
  std::string at(const std::string& name) const { return path + "/" + name; }
  bool exists(const std::string& name) const {
    struct stat st {};
    return ::lstat(at(name).c_str(), &st) == 0;
  }
  void write(const std::string& name, const std::string& content) const {
    const int f = ::open(at(name).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(f >= 0);
    REQUIRE(::write(f, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(f);
  }
};

// A child process that runs `hold` then waits until the parent closes the pipe (or for
// `hold_for`), then exits. It tells the parent when it holds the lock.
class Holder {
 public:
  template <typename F>
  Holder(F hold, std::chrono::milliseconds hold_for = 60s) {
    int ready[2], done[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(done) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(done[1]);
      hold();
      (void)!::write(ready[1], "r", 1);
      struct timeval tv {
        static_cast<time_t>(hold_for.count() / 1000),
            static_cast<suseconds_t>((hold_for.count() % 1000) * 1000)
      };
      fd_set set;
      FD_ZERO(&set);
      FD_SET(done[0], &set);
      ::select(done[0] + 1, &set, nullptr, nullptr, &tv);
      ::_exit(0);  // never run the parent's test machinery
    }
    ::close(ready[1]);
    ::close(done[0]);
    done_ = done[1];
    char c;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    ::close(ready[0]);
  }
  ~Holder() {
    ::close(done_);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int done_ = -1;
};

// glibc's lckpwdf(): a classic fcntl write lock on the whole file.
void hold_pwd_lock_like_glibc(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (fd < 0 || ::fcntl(fd, F_SETLKW, &lock) != 0) ::_exit(1);
}

pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

std::string locked_message(const TempEtc& etc, const std::vector<std::string>& files,
                           std::chrono::milliseconds timeout) {
  try {
    ShadowLock::acquire(etc.fd, etc.path, files, {timeout, 20ms});
  } catch (const Error& e) {
    CHECK(e.failure() == Failure::locked);
    return e.what();
  }
  FAIL("the lock was taken");
  return {};
}

}  // namespace

TEST_CASE("accounts: lock and unlock in a fresh /etc") {
  TempEtc etc;
  {
    ShadowLock lock = ShadowLock::acquire(etc.fd, etc.path, {"passwd", "shadow"});
    CHECK(lock.held());
    CHECK(lock.created_pwd_lock());
    struct stat st {};
    REQUIRE(::lstat(etc.at(".pwd.lock").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(excise::test::read_host_file(etc.at("passwd.lock")) ==
          std::to_string(::getpid()) + std::string(1, '\0'));
    CHECK(etc.exists("shadow.lock"));
    CHECK_FALSE(etc.exists("passwd." + std::to_string(::getpid())));  // the temp link is gone
    ShadowLock moved = std::move(lock);
    CHECK(moved.held());
    CHECK(moved.release().empty());
    CHECK_FALSE(moved.held());
    CHECK(moved.release().empty());  // idempotent
  }
  CHECK_FALSE(etc.exists("passwd.lock"));
  CHECK_FALSE(etc.exists("shadow.lock"));
  CHECK(etc.exists(".pwd.lock"));  // left in place, as glibc leaves it
  const ShadowLock again = ShadowLock::acquire(etc.fd, etc.path, {"group"});
  CHECK_FALSE(again.created_pwd_lock());
}

TEST_CASE("accounts: .pwd.lock held by another process: wait, then fail naming it") {
  TempEtc etc;
  const std::string pwd = etc.at(".pwd.lock");
  {
    Holder holder([&] { hold_pwd_lock_like_glibc(pwd); });
    const auto start = std::chrono::steady_clock::now();
    const std::string message = locked_message(etc, {"passwd"}, 300ms);
    CHECK(std::chrono::steady_clock::now() - start >= 300ms);
    CHECK(message == "the account files are locked by process " + std::to_string(holder.pid()) +
                         " (" + pwd + "); try again when it has finished");
    CHECK_FALSE(etc.exists("passwd.lock"));  // nothing was left behind
  }
  // A holder that lets go while we wait: we get the lock.
  Holder brief([&] { hold_pwd_lock_like_glibc(pwd); }, 200ms);
  const auto start = std::chrono::steady_clock::now();
  const ShadowLock lock = ShadowLock::acquire(etc.fd, etc.path, {"passwd"}, {5s, 20ms});
  CHECK(lock.held());
  CHECK(std::chrono::steady_clock::now() - start >= 100ms);
}

TEST_CASE("accounts: passwd.lock held by a live process: wait, then fail naming it") {
  TempEtc etc;
  Holder holder([&] { etc.write("passwd.lock", std::to_string(::getpid()) + '\0'); });
  const std::string message = locked_message(etc, {"group", "passwd"}, 250ms);
  CHECK(message == etc.at("passwd") + " is locked by process " + std::to_string(holder.pid()) +
                       " (" + etc.at("passwd.lock") + "); try again when it has finished");
  // What we had taken before failing is released; the holder's lock is untouched.
  CHECK_FALSE(etc.exists("group.lock"));
  CHECK(excise::test::read_host_file(etc.at("passwd.lock")) == std::to_string(holder.pid()) + '\0');
}

TEST_CASE("accounts: a stale per-file lock is replaced") {
  TempEtc etc;
  const pid_t gone = dead_pid();
  REQUIRE(::kill(gone, 0) != 0);
  for (const std::string& content : {std::to_string(gone) + '\0', std::to_string(gone) + "\n"}) {
    etc.write("passwd.lock", content);
    ShadowLock lock = ShadowLock::acquire(etc.fd, etc.path, {"passwd"}, {1s, 20ms});
    CHECK(excise::test::read_host_file(etc.at("passwd.lock")) == std::to_string(::getpid()) + '\0');
    CHECK(lock.release().empty());
    CHECK_FALSE(etc.exists("passwd.lock"));
  }
}

TEST_CASE("accounts: locks that cannot be trusted") {
  TempEtc etc;
  SUBCASE("a lock file without a PID is not treated as stale") {
    etc.write("shadow.lock", "");
    CHECK(locked_message(etc, {"shadow"}, 100ms) ==
          etc.at("shadow") + " is locked: " + etc.at("shadow.lock") +
              " holds no process id; if no account tool is running, remove it");
    CHECK(etc.exists("shadow.lock"));
  }
  SUBCASE("a symlinked .pwd.lock is refused") {
    REQUIRE(::symlink("/etc/.pwd.lock", etc.at(".pwd.lock").c_str()) == 0);
    CHECK_THROWS_AS(ShadowLock::acquire(etc.fd, etc.path, {"passwd"}, {100ms, 20ms}), Error);
  }
  SUBCASE("a lock we no longer own is left alone on release") {
    ShadowLock lock = ShadowLock::acquire(etc.fd, etc.path, {"passwd"});
    etc.write("passwd.lock", "1");  // someone broke and retook it
    const auto problems = lock.release();
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == etc.at("passwd.lock") + " no longer holds our process id; left alone");
    CHECK(etc.exists("passwd.lock"));
  }
  SUBCASE("file names only") {
    CHECK_THROWS_AS(ShadowLock::acquire(etc.fd, etc.path, {"../passwd"}), Error);
  }
}
