// run_command: argv without a shell, clean environment, large output on both streams,
// exit codes, signals, timeouts; show_command and describe.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>

#include "excise/error.hpp"
#include "system/command.hpp"

using namespace excise;
using namespace excise::sys;

namespace {

CommandResult sh(const std::string& script,
                 std::chrono::seconds timeout = std::chrono::seconds(60)) {
  return run_command(Command{{"sh", "-c", script}, {}, timeout});
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("command: captures output and reports the exit code") {
  auto ok = run_command(Command{{"echo", "hello"}, {}, std::chrono::seconds(60)});
  CHECK(ok.ok());
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "hello\n");
  CHECK(ok.err.empty());
  CHECK(ok.describe() == "exited 0");

  auto bad = sh("echo progress; echo 'first problem' >&2; echo 'dpkg: error: broken' >&2; exit 3");
  CHECK_FALSE(bad.ok());
  CHECK(bad.exit_code == 3);
  CHECK(bad.signal == 0);
  CHECK(bad.out == "progress\n");
  CHECK(bad.describe() == "exited 3: first problem\\ndpkg: error: broken");
}

TEST_CASE("command: 1 MiB on both streams, interleaved, without deadlock") {
  // Each burst is larger than a pipe buffer, alternating streams: reading one stream to
  // its end before the other would block forever.
  auto big =
      sh("for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do "
         "head -c 65536 /dev/zero | tr '\\0' a; head -c 65536 /dev/zero | tr '\\0' b >&2; done");
  CHECK(big.ok());
  CHECK(big.out.size() == 1u << 20);
  CHECK(big.err.size() == 1u << 20);
  CHECK(big.out.find_first_not_of('a') == std::string::npos);
  CHECK(big.err.find_first_not_of('b') == std::string::npos);
}

TEST_CASE("command: a signal is reported as such, not as exit code 383") {
  auto killed = sh("echo dying >&2; kill -TERM $$");
  CHECK_FALSE(killed.ok());
  CHECK(killed.exit_code == -1);
  CHECK(killed.signal == 15);
  CHECK_FALSE(killed.timed_out);
  CHECK(killed.describe() == "killed by signal 15: dying");
}

TEST_CASE("command: a timeout kills the command and what it started") {
  auto start = std::chrono::steady_clock::now();
  auto slow = sh("sleep 30 & sleep 30", std::chrono::seconds(1));
  CHECK(seconds_since(start) < 10);
  CHECK(slow.timed_out);
  CHECK_FALSE(slow.ok());
  CHECK(slow.signal == 9);
  CHECK(slow.describe() == "timed out after 1s");
}

TEST_CASE("command: a daemon keeping the pipes open does not hang the caller") {
  auto start = std::chrono::steady_clock::now();
  auto r = sh("sleep 4 & echo started", std::chrono::seconds(60));
  CHECK(seconds_since(start) < 4);
  CHECK(r.ok());
  CHECK(r.out == "started\n");
}

TEST_CASE("command: descriptors opened without O_CLOEXEC are not inherited") {
  int leak = ::open("/etc/hostname", O_RDONLY);  // deliberately without O_CLOEXEC
  REQUIRE(leak >= 0);
  REQUIRE(::dup2(leak, 100) == 100);
  auto r = run_command(Command{{"ls", "/proc/self/fd"}, {}, std::chrono::seconds(60)});
  ::close(100);
  ::close(leak);
  CHECK(r.ok());
  CHECK(r.out.find("100") == std::string::npos);
  CHECK(r.out.find("0\n1\n2\n") == 0);
}

TEST_CASE("command: clean environment, stdin from /dev/null, no shell") {
  auto env = run_command(Command{{"sh", "-c", "echo \"$PATH|$LC_ALL|${HOME-unset}|$FOO\"; cat"},
                                 {"FOO=bar baz"},
                                 std::chrono::seconds(60)});
  CHECK(env.ok());
  CHECK(env.out ==
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|C|unset|bar baz\n");
  auto literal =
      run_command(Command{{"echo", "$HOME; rm -rf /tmp/x", "*"}, {}, std::chrono::seconds(60)});
  CHECK(literal.out == "$HOME; rm -rf /tmp/x *\n");
  CHECK_THROWS_AS(run_command(Command{{"true"}, {"NOEQUALS"}, std::chrono::seconds(5)}), Error);
}

TEST_CASE("command: a program that cannot start is an error, never a silent result") {
  CHECK_THROWS_WITH_AS(
      run_command(Command{{"excise-no-such-program"}, {}, std::chrono::seconds(5)}),
      doctest::Contains("not found in /usr/local/sbin"), Error);
  CHECK_THROWS_WITH_AS(
      run_command(Command{{"/nonexistent/tool", "x"}, {}, std::chrono::seconds(5)}),
      doctest::Contains("cannot start"), Error);
  CHECK_THROWS_AS(run_command(Command{{}, {}, std::chrono::seconds(5)}), Error);
}

TEST_CASE("command: show_command quotes what a shell would split or a log would hide") {
  CHECK(show_command({"dpkg", "--root", "/mnt", "--purge", "acme"}) ==
        "dpkg --root /mnt --purge acme");
  CHECK(show_command({"a b", "it's", "", "x\ny", "\xff", "caf\xc3\xa9"}) ==
        "'a b' 'it'\\''s' '' $'x\\ny' $'\\xff' 'caf\xc3\xa9'");
  CommandResult simulated;
  simulated.simulated = true;
  simulated.exit_code = 0;
  CHECK(simulated.describe() == "not run (dry run)");
}
