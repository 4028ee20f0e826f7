// The fail-point facility (SAFETY.md S13, S14): its syntax, its counters, its actions.
#include <doctest/doctest.h>

#include <csignal>
#include <string>

#include "excise/error.hpp"
#include "exec/fail_points.hpp"
#include "temp_state_dir.hpp"

using namespace excise;
using excise::testing::FailPointsScope;
using excise::testing::wait_status_of_child;
namespace fp = excise::fail_points;

TEST_CASE("journal: fail point specs parse into rules") {
  CHECK(fp::parse("").empty());
  CHECK(fp::parse("journal.after-sync:3=kill") ==
        std::vector<fp::Rule>{{"journal.after-sync", 3, false, fp::Action::kill}});
  CHECK(fp::parse("journal.after-sync:3=kill,step.before-act:2=eio,a_b:1+=enospc,x:7=exit") ==
        std::vector<fp::Rule>{{"journal.after-sync", 3, false, fp::Action::kill},
                              {"step.before-act", 2, false, fp::Action::eio},
                              {"a_b", 1, true, fp::Action::enospc},
                              {"x", 7, false, fp::Action::exit}});
}

TEST_CASE("journal: malformed fail point specs are usage errors naming the entry") {
  for (const char* bad :
       {"name", ":3=kill", "a:0=kill", "a:=kill", "a:3", "a:3=boom", "a:-1=eio", "a:3x=eio",
        "a b:3=eio", "a:3=eio,", ",a:3=eio", "a:99999999999999999999=eio", "a:3++=eio"}) {
    CAPTURE(bad);
    try {
      fp::parse(bad);
      FAIL("accepted");
    } catch (const Error& error) {
      CHECK(error.failure() == Failure::usage);
      CHECK(std::string(error.what()).find("EXCISE_FAIL_POINTS entry \"") == 0);
    }
  }
}

TEST_CASE("journal: fail points are off and count nothing without the variable") {
  FailPointsScope scope("");
  CHECK_FALSE(fp::enabled());
  CHECK_NOTHROW(fail_point("journal.before-write"));
  CHECK(fp::hit_count("journal.before-write") == 0);
}

TEST_CASE("journal: a fail point fires at its Nth hit, or from it on with N+") {
  FailPointsScope scope("test.once:3=eio,test.always:2+=enospc");
  CHECK(fp::enabled());
  CHECK_NOTHROW(fail_point("test.once"));
  CHECK_NOTHROW(fail_point("test.once"));
  try {
    fail_point("test.once");
    FAIL("hit 3 did not fire");
  } catch (const Error& error) {
    CHECK(error.failure() == Failure::system);
    CHECK(std::string(error.what()) == "fail point test.once: injected EIO");
  }
  CHECK_NOTHROW(fail_point("test.once"));  // once means once
  CHECK(fp::hit_count("test.once") == 4);

  CHECK_NOTHROW(fail_point("test.always"));
  for (int hit = 2; hit <= 4; ++hit) {
    CAPTURE(hit);
    CHECK_THROWS_WITH_AS(fail_point("test.always"), "fail point test.always: injected ENOSPC",
                         Error);
  }
  // Points nobody configured are counted too, so a harness can learn how many there are.
  fail_point("test.unconfigured");
  CHECK(fp::hit_count("test.unconfigured") == 1);
}

TEST_CASE("journal: a malformed variable is reported and leaves the old rules in place") {
  FailPointsScope scope("test.keep:1=eio");
  ::setenv("EXCISE_FAIL_POINTS", "test.keep:0=eio", 1);
  CHECK_THROWS_AS(fp::reload_from_environment(), Error);
  CHECK_THROWS_AS(fail_point("test.keep"), Error);
}

TEST_CASE("journal: fail point kill and exit end the process at the Nth hit") {
  const int killed = wait_status_of_child([] {
    FailPointsScope scope("test.crash:2=kill");
    fail_point("test.crash");
    fail_point("test.crash");
    ::_exit(0);  // not reached
  });
  CHECK(WIFSIGNALED(killed));
  CHECK(WTERMSIG(killed) == SIGKILL);

  const int exited = wait_status_of_child([] {
    FailPointsScope scope("test.crash:1=exit");
    fail_point("test.crash");
    ::_exit(0);
  });
  CHECK(WIFEXITED(exited));
  CHECK(WEXITSTATUS(exited) == 99);
}
