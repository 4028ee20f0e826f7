// The /proc parsers, table-driven: the odd cases come from proc(5) and from what a
// process can do to its own entries (comm is the process's choice).
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "system/proc_parse.hpp"

using namespace excise::sys;
using namespace std::string_literals;

namespace {

// A stat line with the fields after comm; starttime (field 22) is the 20th of them.
std::string stat_line(const std::string& head, const std::string& state = "S", int ppid = 1,
                      int pgrp = 100, int session = 100, const std::string& flags = "4194560",
                      const std::string& start = "123456") {
  return head + " " + state + " " + std::to_string(ppid) + " " + std::to_string(pgrp) + " " +
         std::to_string(session) + " 0 -1 " + flags + " 100 0 0 0 5 3 0 0 20 0 1 0 " + start +
         " 2273280 191 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
}

}  // namespace

TEST_CASE("proc: stat lines") {
  struct Case {
    std::string text;
    std::optional<ProcStat> want;
  };
  const Case cases[] = {
      {stat_line("1234 (acmed)"), ProcStat{1234, "acmed", 'S', 1, 100, 100, 4194560, 123456}},
      // comm with spaces and parentheses: the LAST ')' ends it.
      {stat_line("77 (a) R 1 (x)", "Z", 5, 6, 7),
       ProcStat{77, "a) R 1 (x", 'Z', 5, 6, 7, 4194560, 123456}},
      {stat_line("8 ()"), ProcStat{8, "", 'S', 1, 100, 100, 4194560, 123456}},
      {stat_line("9 (new\nline)"), ProcStat{9, "new\nline", 'S', 1, 100, 100, 4194560, 123456}},
      // a kernel thread: ppid 2, session 0, PF_KTHREAD in flags
      {stat_line("2 (kthreadd)", "S", 0, 0, 0, "2129984", "2"),
       ProcStat{2, "kthreadd", 'S', 0, 0, 0, 2129984, 2}},
      {stat_line("2147483647 (big)", "S", 1, 1, 1, "0", "18446744073709551615"),
       ProcStat{2147483647, "big", 'S', 1, 1, 1, 0, 18446744073709551615ull}},
      // malformed: no parentheses, bad pid, short, bad numbers, negative ppid
      {"1234 acmed S 1 2 3", std::nullopt},
      {stat_line("x (a)"), std::nullopt},
      {stat_line("0 (a)"), std::nullopt},
      {stat_line("-5 (a)"), std::nullopt},
      {stat_line("12(a)"), std::nullopt},
      {"12 (a) S 1 2 3 4 5 6", std::nullopt},
      {stat_line("12 (a)", "S", -1), std::nullopt},
      {stat_line("12 (a)", "SS"), std::nullopt},
      {stat_line("12 (a)", "S", 1, 1, 1, "0", "12x"), std::nullopt},
      {stat_line("12 (a)", "S", 1, 1, 1, "0", "-1"), std::nullopt},
      {"", std::nullopt},
      {")", std::nullopt},
      {"5 )(", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(parse_proc_stat(c.text) == c.want);
  }
  CHECK(parse_proc_stat(stat_line("2 (kthreadd)", "S", 0, 0, 0, "2129984"))->kernel_thread());
  CHECK_FALSE(parse_proc_stat(stat_line("3 (sh)"))->kernel_thread());
}

TEST_CASE("proc: uids from status") {
  struct Case {
    std::string text;
    std::optional<ProcUids> want;
  };
  const Case cases[] = {
      {"Name:\tacmed\nUmask:\t0022\nState:\tS "
       "(sleeping)\nUid:\t998\t998\t998\t998\nGid:\t1\t1\t1\t1\n",
       ProcUids{998, 998, 998, 998}},
      {"Uid:\t1000\t0\t0\t1000\n", ProcUids{1000, 0, 0, 1000}},
      {"Uid:\t4294967295\t0\t0\t0", ProcUids{4294967295u, 0, 0, 0}},
      {"Name:\tx\n", std::nullopt},
      {"Uid:\t1\t2\t3\n", std::nullopt},
      {"Uid:\t1\t2\t3\t4\t5\n", std::nullopt},
      {"Uid:\ta\t2\t3\t4\n", std::nullopt},
      {"Uid:\t4294967296\t0\t0\t0\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(parse_proc_status_uids(c.text) == c.want);
  }
}

TEST_CASE("proc: exe links, comm, argv[0]") {
  struct Case {
    std::string text;
    ExeLink want;
  };
  const Case cases[] = {
      {"/opt/acme/bin/acmed", {"/opt/acme/bin/acmed", false}},
      {"/opt/acme/bin/acmed (deleted)", {"/opt/acme/bin/acmed", true}},
      // a name that itself ends like the suffix: only the last one is the kernel's
      {"/tmp/x (deleted) (deleted)", {"/tmp/x (deleted)", true}},
      {" (deleted)", {" (deleted)", false}},
      {"/tmp/a b", {"/tmp/a b", false}},
      {"/tmp/\xff\n", {"/tmp/\xff\n", false}},
      {"", {"", false}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(parse_exe_link(c.text) == c.want);
  }
  CHECK(parse_comm("acmed\n") == "acmed");
  CHECK(parse_comm("acmed") == "acmed");
  CHECK(parse_comm("a\n\n") == "a\n");
  CHECK(parse_comm("") == "");
  CHECK(parse_argv0("acmed\0--daemon\0"s) == "acmed");
  CHECK(parse_argv0("/opt/acme/bin/acmed\0"s) == "/opt/acme/bin/acmed");
  CHECK(parse_argv0("sleep 100") == "sleep 100");  // setproctitle style
  CHECK(parse_argv0("") == "");
  CHECK(base_name("/opt/acme/bin/acmed") == "acmed");
  CHECK(base_name("acmed") == "acmed");
  CHECK(base_name("/") == "");
}

TEST_CASE("proc: cgroup v2 path") {
  struct Case {
    std::string text;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"0::/system.slice/acme-agent.service\n", "/system.slice/acme-agent.service"},
      {"12:pids:/system.slice/acme.service\n1:name=systemd:/system.slice/acme.service\n"
       "0::/system.slice/acme.service\n",
       "/system.slice/acme.service"},
      {"0::/\n", "/"},
      {"0::/a b/c\n", "/a b/c"},
      // cgroup v1 only
      {"9:name=systemd:/\n8:pids:/\n", std::nullopt},
      {"0::\n", std::nullopt},
      {"10::/x\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(parse_unified_cgroup(c.text) == c.want);
  }
}

TEST_CASE("proc: the cgroup2 mount in mountinfo") {
  struct Case {
    std::string text;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
       "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n",
       "/sys/fs/cgroup/unified"},
      {"30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
       "rw,nsdelegate,memory_recursiveprot\n",
       "/sys/fs/cgroup"},
      // optional fields before the separator
      {"30 24 0:26 / /cg rw shared:4 master:1 - cgroup2 none rw\n", "/cg"},
      // octal escapes in the mount point
      {"30 24 0:26 / /my\\040cgroups rw - cgroup2 cgroup2 rw\n", "/my cgroups"},
      // mounted with another root (a cgroup namespace's view): paths would not line up
      {"30 24 0:26 /system.slice /cg rw - cgroup2 cgroup2 rw\n", std::nullopt},
      {"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n", std::nullopt},
      {"30 24 0:26 / /cg\\04 rw - cgroup2 cgroup2 rw\n", std::nullopt},
      {"30 24 0:26 / /cg\\09x rw - cgroup2 cgroup2 rw\n", std::nullopt},
      {"garbage\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(find_cgroup2_mount(c.text) == c.want);
  }
}

TEST_CASE("proc: the service a cgroup belongs to") {
  struct Case {
    const char* path;
    std::optional<ServiceCgroup> want;
  };
  const Case cases[] = {
      {"/system.slice/acme-agent.service",
       ServiceCgroup{"acme-agent.service", "/system.slice/acme-agent.service"}},
      {"/system.slice/acme.service/worker",
       ServiceCgroup{"acme.service", "/system.slice/acme.service"}},
      {"/system.slice/system-acme.slice/acme@1.service",
       ServiceCgroup{"acme@1.service", "/system.slice/system-acme.slice/acme@1.service"}},
      // a service inside a user's manager: the nearest one
      {"/user.slice/user-1000.slice/user@1000.service/app.slice/acme.service",
       ServiceCgroup{"acme.service",
                     "/user.slice/user-1000.slice/user@1000.service/app.slice/acme.service"}},
      // a user's session under their manager is not part of the service user@1000.service
      {"/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope", std::nullopt},
      {"/user.slice/user-1000.slice/user@1000.service/app.slice", std::nullopt},
      {"/user.slice/user-1000.slice/user@1000.service/init.scope", std::nullopt},
      {"/user.slice/user-1000.slice/session-3.scope", std::nullopt},
      {"/", std::nullopt},
      {"", std::nullopt},
      {"/.service", std::nullopt},
      {"/excise-test/acme.service.d", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CHECK(service_of_cgroup(c.path) == c.want);
  }
}

TEST_CASE("proc: populated in cgroup.events") {
  CHECK(parse_cgroup_populated("populated 1\nfrozen 0\n") == true);
  CHECK(parse_cgroup_populated("populated 0\nfrozen 0\n") == false);
  CHECK(parse_cgroup_populated("frozen 0\npopulated 0") == false);
  CHECK(parse_cgroup_populated("frozen 0\n") == std::nullopt);
  CHECK(parse_cgroup_populated("populated 2\n") == std::nullopt);
}
