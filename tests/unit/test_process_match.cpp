// The identity rules and the process tree (kinds/process_match.hpp) over made-up process
// tables: SAFETY.md S21 (identity from the executable, never the name) and S22 (the
// tree), without starting anything. test_process_live.cpp and tests/e2e/test_processes.py
// do the same with real processes.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <string>

#include "kinds/process_match.hpp"

using namespace excise;
using sys::ProcessInfo;

namespace {

constexpr std::uint64_t kDev = 2049;

struct Proc {
  int pid;
  int ppid;
  int session;
  std::string exe;  // "" for a kernel thread or zombie
  std::uint64_t ino = 0;
  std::string comm = "";
  std::string cgroup = "/";
  bool deleted = false;
  std::int64_t size = 1000;
};

sys::ProcessTable table_of(std::initializer_list<Proc> procs) {
  sys::ProcessTable table;
  for (const auto& p : procs) {
    ProcessInfo info;
    info.pid = p.pid;
    info.ppid = p.ppid;
    info.session = p.session;
    info.pgrp = p.session;
    info.start_time = 1000 + static_cast<std::uint64_t>(p.pid);
    info.has_exe = !p.exe.empty();
    info.exe = p.exe;
    info.exe_deleted = p.deleted;
    info.exe_stat.dev = kDev;
    info.exe_stat.ino = p.ino;
    info.exe_stat.size = p.size;
    info.exe_stat.mode = 0100755;
    info.comm = p.comm.empty() ? std::string(sys::base_name(p.exe)).substr(0, 15) : p.comm;
    info.argv0 = p.exe;
    info.cgroup = p.cgroup;
    table.processes.push_back(info);
  }
  std::sort(table.processes.begin(), table.processes.end(),
            [](const ProcessInfo& a, const ProcessInfo& b) { return a.pid < b.pid; });
  return table;
}

// The product: /opt/acme/bin/acmed (inode 500, 1000 bytes) and acme-helper (inode 501).
ProcessRules acme_rules() {
  ProcessRules rules;
  rules.exe.push_back(parse_path_glob("/opt/acme/bin/*"));
  sys::Stat acmed;
  acmed.dev = kDev;
  acmed.ino = 500;
  acmed.size = 1000;
  acmed.mode = 0100755;
  sys::Stat helper = acmed;
  helper.ino = 501;
  helper.size = 2000;
  rules.files = {{"/opt/acme/bin/acmed", acmed}, {"/opt/acme/bin/acme-helper", helper}};
  // Same bytes: inodes 700-799 hold a copy of acmed, for these tests.
  rules.same_content = [](const ProcessInfo& p, const BannedFile& f) {
    return f.stat.ino == 500 && p.exe_stat.ino >= 700 && p.exe_stat.ino < 800;
  };
  rules.foreign_owned = [](const std::string& path) { return path.rfind("/usr/", 0) == 0; };
  rules.self_pid = 900;
  return rules;
}

// pid -> (rule, reason) of the result.
std::map<int, std::pair<TreeRule, std::string>> matched(const ProcessMatch& m) {
  std::map<int, std::pair<TreeRule, std::string>> out;
  for (const auto& p : m.processes)
    out[p.info->pid] = {p.rule, p.reason};
  return out;
}

std::string all_notes(const ProcessMatch& m) {
  std::string out;
  for (const auto& n : m.notes)
    out += n + "\n";
  return out;
}

}  // namespace

TEST_CASE("process match: identity from the executable, never the name (S21)") {
  const auto table = table_of({
      {1, 0, 1, "/sbin/init", 1},
      {100, 1, 100, "/opt/acme/bin/acmed", 500},
      // S21a: innocent processes that call themselves acmed (prctl, exec -a, same basename)
      {101, 1, 101, "/usr/bin/sleep", 10, "acmed"},
      {102, 1, 102, "/usr/bin/python3.11", 11, "acmed"},
      {103, 1, 103, "/home/bob/bin/acmed", 12},
      // S21b: a hard link elsewhere (same inode) and a copy (same bytes)
      {104, 1, 104, "/tmp/acmed", 500},
      {105, 1, 105, "/tmp/.x/innocent-name", 700, "kworker"},
      // S21c: deleted from a matching path, and a deleted copy
      {106, 1, 106, "/opt/acme/bin/acmed", 42, "", "/", true},
      {107, 1, 107, "/tmp/acmed-copy", 701, "", "/", true},
      // a vendor's byte-identical copy of a packaged tool: the packaged one stays
      {108, 1, 108, "/usr/bin/acmed-alike", 702},
      // ... and its old version, still running after the package was upgraded
      {111, 1, 111, "/usr/bin/acmed-alike", 703, "", "/", true},
      // same size, other bytes
      {109, 1, 109, "/tmp/other", 650},
      // a deleted file elsewhere that was never the product's
      {110, 1, 110, "/tmp/gone", 43, "", "/", true},
      {900, 1, 900, "/usr/bin/excise", 20},
  });
  ProcessRules rules = acme_rules();
  const auto m = match_processes(table, rules);
  const auto got = matched(m);
  CHECK(got.size() == 5);
  REQUIRE(got.count(100));
  CHECK(got.at(100).second == "runs /opt/acme/bin/acmed, which matches exe glob /opt/acme/bin/*");
  CHECK(got.at(104).second ==
        "runs /tmp/acmed, the same file (inode 2049:500) as /opt/acme/bin/acmed");
  CHECK(got.at(105).second ==
        "runs /tmp/.x/innocent-name, a byte-for-byte copy of "
        "/opt/acme/bin/acmed");
  CHECK(got.at(106).second ==
        "runs /opt/acme/bin/acmed (deleted), deleted from a path that "
        "matches exe glob /opt/acme/bin/*");
  CHECK(got.at(107).second ==
        "runs /tmp/acmed-copy (deleted), a byte-for-byte copy of /opt/acme/bin/acmed");
  for (int innocent : {1, 101, 102, 103, 108, 109, 110, 111, 900})
    CHECK_MESSAGE(!got.count(innocent), innocent);
  CHECK(all_notes(m) ==
        "pid 108 (/usr/bin/acmed-alike) runs /usr/bin/acmed-alike, which has the same bytes as "
        "/opt/acme/bin/acmed but belongs to a package no playbook names: not the product's, "
        "kept\n"
        "pid 111 (/usr/bin/acmed-alike (deleted)) runs /usr/bin/acmed-alike, which has the "
        "same bytes as /opt/acme/bin/acmed but belongs to a package no playbook names: not "
        "the product's, kept\n");
  CHECK(m.blocked.empty());
  CHECK(m.cgroups.empty());
}

TEST_CASE("process match: names only narrow what the executable already matched") {
  const auto table = table_of({
      {100, 1, 100, "/opt/acme/bin/acmed", 500},
      {101, 1, 101, "/opt/acme/bin/acme-helper", 501},
      {102, 1, 102, "/usr/bin/sleep", 10, "acmed"},
  });
  ProcessRules rules = acme_rules();
  rules.names = {"acmed"};
  const auto m = match_processes(table, rules);
  const auto got = matched(m);
  CHECK(got.size() == 1);
  CHECK(got.count(100));
  CHECK(all_notes(m) ==
        "pid 101 (/opt/acme/bin/acme-helper) runs /opt/acme/bin/acme-helper, "
        "which matches exe glob /opt/acme/bin/*, but its name (acme-helper, "
        "argv[0] /opt/acme/bin/acme-helper) is not one of 'names': kept\n");
  // argv[0] counts as well as comm (comm is cut at 15 bytes)
  rules.names = {"acme-hel*"};
  CHECK(matched(match_processes(table, rules)).count(101));
}

TEST_CASE("process match: the tree below a matched process (S22)") {
  const auto table = table_of({
      {1, 0, 1, "/sbin/init", 1},
      // a login shell that started the daemon by hand: its session is the shell's
      {50, 1, 50, "/usr/bin/bash", 2},
      {51, 50, 50, "/usr/bin/vim", 3},
      // the daemon: setsid() made it a session leader
      {100, 50, 100, "/opt/acme/bin/acmed", 500},
      {101, 100, 100, "/usr/bin/sh", 4},      // child
      {102, 101, 100, "/usr/bin/sleep", 10},  // grandchild
      {103, 1, 100, "/usr/bin/sleep", 10},    // double-forked: reparented, same session
      {104, 103, 100, "", 0},                 // a zombie below it: nothing to signal
      {105, 103, 105, "/usr/bin/logger", 5},  // child of the double-forked one, own session
      {106, 1, 106, "/usr/bin/sleep", 10},    // an unrelated sleep
      // a product process in someone else's session: the session is not swept
      {200, 50, 50, "/opt/acme/bin/acme-helper", 501},
      {201, 200, 50, "/usr/bin/cat", 6},
  });
  const auto m = match_processes(table, acme_rules());
  const auto got = matched(m);
  std::map<int, int> depth;
  for (const auto& p : m.processes)
    depth[p.info->pid] = p.depth;
  CHECK(got.size() == 7);
  CHECK(got.at(101) == std::pair{TreeRule::child, std::string("child of pid 100 "
                                                              "(/opt/acme/bin/acmed)")});
  CHECK(got.at(102) == std::pair{TreeRule::child, std::string("child of pid 101 (/usr/bin/sh)")});
  CHECK(got.at(103) ==
        std::pair{TreeRule::session,
                  std::string("in the session that pid 100 (/opt/acme/bin/acmed) leads")});
  CHECK(got.at(105).first == TreeRule::child);
  CHECK(got.at(200).first == TreeRule::exe);
  CHECK(got.at(201).first == TreeRule::child);
  for (int innocent : {1, 50, 51, 104, 106})
    CHECK_MESSAGE(!got.count(innocent), innocent);
  // parents before children
  CHECK(depth.at(100) == 0);
  CHECK(depth.at(101) == 1);
  CHECK(depth.at(102) == 2);
  CHECK(depth.at(103) == 1);
  CHECK(depth.at(105) == 2);
  CHECK(depth.at(200) == 0);
}

TEST_CASE("process match: a service cgroup the playbook names is swept, another one is not") {
  const auto table = table_of({
      {1, 0, 1, "/sbin/init", 1, "", "/init.scope"},
      {100, 1, 100, "/opt/acme/bin/acmed", 500, "", "/system.slice/acme-agent.service"},
      // forked off, reparented, new session, innocent-looking: only the cgroup knows
      {101, 1, 101, "/usr/bin/python3", 7, "", "/system.slice/acme-agent.service"},
      {102, 1, 102, "/usr/bin/sleep", 10, "", "/system.slice/acme-agent.service/sub"},
      {103, 1, 103, "/usr/bin/sleep", 10, "", "/system.slice/acme-agent.service2"},
      // a product job that cron started: cron's other processes stay
      {200, 1, 200, "/usr/sbin/cron", 8, "", "/system.slice/cron.service"},
      {201, 200, 201, "/opt/acme/bin/acme-helper", 501, "", "/system.slice/cron.service"},
      {202, 1, 202, "/usr/bin/sleep", 10, "", "/system.slice/cron.service"},
      // a product process in a user's session under their manager
      {300, 1, 300, "/opt/acme/bin/acmed", 500, "",
       "/user.slice/user-1000.slice/user@1000.service/app.slice/acme.scope"},
      {301, 1, 301, "/usr/bin/vim", 3, "",
       "/user.slice/user-1000.slice/user@1000.service/app.slice/acme.scope"},
  });
  ProcessRules rules = acme_rules();
  rules.service_units = {"acme-agent.service", "*@*.service"};
  const auto m = match_processes(table, rules);
  const auto got = matched(m);
  CHECK(got.size() == 5);
  for (int pid : {100, 101, 102, 201, 300})
    CHECK_MESSAGE(got.count(pid), pid);
  CHECK(got.at(101) ==
        std::pair{TreeRule::cgroup, std::string("in cgroup /system.slice/acme-agent.service of "
                                                "acme-agent.service, which a [[service]] of this "
                                                "playbook names")});
  CHECK(got.at(102).first == TreeRule::cgroup);
  REQUIRE(m.cgroups.size() == 1);
  CHECK(m.cgroups[0].cgroup.cgroup == "/system.slice/acme-agent.service");
  CHECK(m.cgroups[0].cgroup.unit == "acme-agent.service");
  CHECK(m.cgroups[0].root_pid == 100);
  CHECK(all_notes(m) ==
        "pid 201 (/opt/acme/bin/acme-helper) runs in cgroup /system.slice/cron.service of "
        "cron.service, which no [[service]] of this playbook names: only its own process tree "
        "is terminated, not the rest of that service\n");
}

TEST_CASE("process match: init, this excise and its ancestors are never in a tree") {
  const auto table = table_of({
      {1, 0, 1, "/opt/acme/bin/acmed", 500},  // absurd, but pid 1 is never signalled
      // a banned remote-access daemon that runs the admin's shell, which runs excise: the
      // daemon is kept, and what runs below it with it (its other sessions too: they are
      // found through the daemon, which stays)
      {100, 1, 100, "/opt/acme/bin/acme-helper", 501},
      {101, 100, 101, "/usr/bin/bash", 2},
      {900, 101, 101, "/usr/bin/excise", 20},
      {102, 100, 102, "/usr/bin/bash", 2},
      // excise run from a session the product's daemon leads: the daemon is kept
      {300, 1, 300, "/usr/bin/sleep", 10},
  });
  auto m = match_processes(table, acme_rules());
  CHECK(m.processes.empty());
  REQUIRE(m.blocked.size() == 2);
  std::map<int, std::string> blocked;
  for (const auto& [p, why] : m.blocked)
    blocked[p->pid] = why;
  CHECK(blocked.at(1) == "the init process (pid 1) is never terminated");
  CHECK(blocked.at(100) ==
        "pid 100 (/opt/acme/bin/acme-helper) would be terminated (runs "
        "/opt/acme/bin/acme-helper, which matches exe glob /opt/acme/bin/*), but this excise "
        "runs under it: kept, and what runs below it with it");

  // excise itself reached through a session it shares with the daemon
  const auto shared = table_of({
      {100, 1, 100, "/opt/acme/bin/acmed", 500},
      {101, 100, 100, "/usr/bin/sh", 4},
      {900, 1, 100, "/usr/bin/excise", 20},
  });
  m = match_processes(shared, acme_rules());
  CHECK(matched(m).size() == 2);
  REQUIRE(m.blocked.size() == 1);
  CHECK(m.blocked[0].second ==
        "pid 900 (/usr/bin/excise) is this excise itself (in the session that pid 100 "
        "(/opt/acme/bin/acmed) leads): kept");

  // a product service cgroup that holds excise: its processes one by one, no cgroup.kill
  const auto cgroup = table_of({
      {100, 1, 100, "/opt/acme/bin/acmed", 500, "", "/system.slice/acme.service"},
      {101, 1, 101, "/usr/bin/sleep", 10, "", "/system.slice/acme.service"},
      {900, 1, 900, "/usr/bin/excise", 20, "", "/system.slice/acme.service"},
  });
  auto rules = acme_rules();
  rules.service_units = {"acme.service"};
  m = match_processes(cgroup, rules);
  CHECK(matched(m).size() == 2);
  CHECK(m.blocked.size() == 1);
  CHECK(m.cgroups.empty());
}

TEST_CASE("process match: kernel threads and zombies are never matched") {
  auto table = table_of({
      {2, 0, 0, "", 0, "acmed"},
      {100, 1, 100, "", 0, "acmed"},
  });
  table.processes[0].kernel_thread = true;
  const auto m = match_processes(table, acme_rules());
  CHECK(m.processes.empty());
  CHECK(m.blocked.empty());
}

TEST_CASE("process match: a ~ glob matches under the target's homes only") {
  const auto table = table_of({
      {100, 1, 100, "/home/alice/.acme/bin/acmed", 800},
      {101, 1, 101, "/srv/alice/.acme/bin/acmed", 801},
  });
  ProcessRules rules;
  rules.exe.push_back(parse_path_glob("~/.acme/bin/*"));
  rules.homes = {"/home/alice"};
  rules.self_pid = 900;
  const auto got = matched(match_processes(table, rules));
  CHECK(got.size() == 1);
  CHECK(got.count(100));
}

TEST_CASE("process match: the step target") {
  ProcessInfo p;
  p.pid = 1234;
  p.exe = "/opt/acme/bin/acmed";
  CHECK(process_target(p) == "pid 1234 /opt/acme/bin/acmed");
  p.exe_deleted = true;
  CHECK(process_target(p) == "pid 1234 /opt/acme/bin/acmed (deleted)");
}
