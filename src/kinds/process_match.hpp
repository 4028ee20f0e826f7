// Which running processes a [[process]] artifact means: the identity rules and the
// process tree, as a pure function over a process table, so every rule is a table test.
//
// Identity comes from the executable, never from the name (SAFETY.md S21). A process is
// the product's when its executable
//   1. has a path that matches one of the exe globs;
//   2. was deleted, and the path it was deleted from matches a glob (an upgrade or an
//      uninstall while it ran: the link reads "/opt/acme/bin/acmed (deleted)");
//   3. is the same inode (dev, ino) as a file that matches a glob on disk now (a hard
//      link elsewhere, a path seen through another mount, a symlinked directory);
//   4. has the same bytes as such a file (a copy run from /tmp, even deleted since),
//      unless the executable sits (or sat, when deleted) at a path a package no playbook
//      names owns: a vendor may ship a byte-identical copy of a system tool, and that
//      tool stays innocent. The kernel gives the canonical path (/usr/bin/sleep) where
//      dpkg may list another spelling (/bin/sleep on a merged /usr): `foreign_owned`
//      must try both.
// Only regular files count as "a file that matches": a symlink in /opt/acme/bin pointing
// to /usr/bin/python3 does not make every python process the product's.
// `names`, when given, is one more condition on top (comm or argv[0]), never identity.
//
// The tree of a matched process (what "the product's processes" means beyond the
// matched ones):
//   - its descendants by parent PID;
//   - every process of a session that a tree member leads (a daemon that calls setsid()
//     and whose helpers double-fork stays in its session after reparenting to init);
//   - every process in the cgroup v2 subtree of the systemd service it runs in, when a
//     [[service]] of the same playbook names that unit (systemd's own idea of a service's
//     processes); a service cgroup the playbook does not name (cron.service running a
//     product job) is never swept: only the job's own tree goes.
// Never in any tree: PID 1, kernel threads, zombies, and excise itself with its
// ancestors (a banned shell or terminal might be running the admin's session).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "playbook/glob.hpp"
#include "system/fd.hpp"
#include "system/process.hpp"

namespace excise {

// A file on disk that matches an exe glob now.
struct BannedFile {
  std::string path;
  sys::Stat stat;
};

struct ProcessRules {
  std::vector<PathGlob> exe;
  std::vector<std::string> homes;  // for "~" globs
  std::vector<std::string> names;  // text globs; empty: no filter
  std::vector<BannedFile> files;
  std::vector<std::string> service_units;  // the playbook's [[service]] unit globs
  // Same bytes as the file? (Reads the running executable; injected for tests.)
  std::function<bool(const sys::ProcessInfo&, const BannedFile&)> same_content;
  // Does a package that no playbook names own this path?
  std::function<bool(const std::string&)> foreign_owned;
  int self_pid = 0;  // excise: it and its ancestors are never touched
};

enum class TreeRule { exe, child, session, cgroup };

struct MatchedProcess {
  const sys::ProcessInfo* info = nullptr;
  TreeRule rule = TreeRule::exe;
  int via = 0;  // the tree member it was reached from (0 for exe matches)
  int depth = 0;
  std::string reason;
};

struct ServiceCgroupMatch {
  sys::ServiceCgroup cgroup;
  int root_pid = 0;  // the matched process that runs in it
};

struct ProcessMatch {
  std::vector<MatchedProcess> processes;  // by pid
  std::vector<std::pair<const sys::ProcessInfo*, std::string>> blocked;
  std::vector<std::string> notes;
  std::vector<ServiceCgroupMatch> cgroups;
};

ProcessMatch match_processes(const sys::ProcessTable& table, const ProcessRules& rules);

// "pid 1234 /opt/acme/bin/acmed" ("... (deleted)" when it was deleted).
std::string process_target(const sys::ProcessInfo& info);

}  // namespace excise
