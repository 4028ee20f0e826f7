// The run lock (invariant 7): one run per state directory; the loser names the holder;
// the kernel frees the lock when the holder dies, however it dies.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <csignal>
#include <string>

#include "excise/error.hpp"
#include "exec/run_lock.hpp"
#include "temp_state_dir.hpp"

using namespace excise;
using namespace excise::testing;

namespace {

constexpr const char* kDescription = "excise apply on /mnt/image, run 20261127T190000Z-ab12";

// Tries to take the lock in another process and returns what it was told.
std::string acquire_elsewhere(const TempStateDir& state) {
  const ChildResult child = run_child_with_output([&](int out) {
    try {
      RunLock::acquire(state.dir, "excise plan");
      send(out, "acquired");
    } catch (const Error& error) {
      send(out, fmt::format("{}|{}", error.failure() == Failure::locked ? "locked" : "other",
                            error.what()));
    }
  });
  REQUIRE(WIFEXITED(child.status));
  return child.output;
}

bool is_utc_time(std::string_view text) {
  return text.size() == 20 && text[4] == '-' && text[10] == 'T' && text[19] == 'Z';
}

}  // namespace

TEST_CASE("lock: the holder records itself and a second run is refused naming it") {
  TempStateDir state;
  const RunLock lock = RunLock::acquire(state.dir, kDescription);
  const std::string prefix = fmt::format("pid {}, {}, started ", ::getpid(), kDescription);
  REQUIRE(lock.holder_line().find(prefix) == 0);
  CHECK(is_utc_time(lock.holder_line().substr(prefix.size())));
  CHECK(state.read("lock") == lock.holder_line() + "\n");
  struct stat st {};
  REQUIRE(::stat(state.file("lock").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);

  CHECK(acquire_elsewhere(state) ==
        fmt::format("locked|another excise run holds the lock of {}: {}; wait for it to finish",
                    state.path, lock.holder_line()));
  // flock belongs to the open file, so even this process cannot take it twice.
  CHECK_THROWS_AS(RunLock::acquire(state.dir, "again"), Error);
}

TEST_CASE("lock: released when its object dies") {
  TempStateDir state;
  { const RunLock lock = RunLock::acquire(state.dir, "first"); }
  const RunLock second = RunLock::acquire(state.dir, "second");
  CHECK(second.holder_line().find(", second, started ") != std::string::npos);
  CHECK(state.read("lock") == second.holder_line() + "\n");  // the old line is gone
}

TEST_CASE("lock: a holder killed with SIGKILL leaves no stale lock") {
  TempStateDir state;
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t holder = ::fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {
    ::close(ready[0]);
    try {
      const RunLock lock = RunLock::acquire(state.dir, kDescription);
      send(ready[1], "x");
      for (;;)
        ::pause();
    } catch (...) {
      ::_exit(3);
    }
  }
  ::close(ready[1]);
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);

  const std::string refused = acquire_elsewhere(state);
  CHECK(refused.find(fmt::format("locked|another excise run holds the lock of {}: pid {}, {}, "
                                 "started ",
                                 state.path, holder, kDescription)) == 0);

  REQUIRE(::kill(holder, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(holder, &status, 0) == holder);
  REQUIRE(WIFSIGNALED(status));

  const RunLock lock = RunLock::acquire(state.dir, "after the crash");
  CHECK(lock.holder_line().find(fmt::format("pid {}, after the crash, ", ::getpid())) == 0);
}

TEST_CASE("lock: a hostile description stays on one line") {
  TempStateDir state;
  const RunLock lock = RunLock::acquire(state.dir, "excise apply on /mnt/a\nb\xff");
  CHECK(lock.holder_line().find("excise apply on /mnt/a\\nb\\xff, started ") != std::string::npos);
  const std::string bytes = state.read("lock");
  CHECK(bytes.find('\n') == bytes.size() - 1);
}

TEST_CASE("lock: refuses a lock name that leads to another file") {
  TempStateDir state;
  state.write("sentinel", "root:x:0:0::/root:/bin/sh\n");
  SUBCASE("a symlink") {
    REQUIRE(::symlink(state.file("sentinel").c_str(), state.file("lock").c_str()) == 0);
  }
  SUBCASE("a hard link") {
    REQUIRE(::link(state.file("sentinel").c_str(), state.file("lock").c_str()) == 0);
  }
  try {
    RunLock::acquire(state.dir, kDescription);
    FAIL("took a lock through another file's name");
  } catch (const Error& error) {
    CHECK(error.failure() == Failure::system);
    CHECK(std::string(error.what()).find(fmt::format("lock {}", state.file("lock"))) == 0);
  }
  CHECK(state.read("sentinel") == "root:x:0:0::/root:/bin/sh\n");
}
