#include "kinds/process_match.hpp"

#include <deque>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "excise/bytes.hpp"

namespace excise {
namespace {

using sys::ProcessInfo;

std::string exe_text(const ProcessInfo& p) {
  return shown(p.exe) + (p.exe_deleted ? " (deleted)" : "");
}

std::string who(const ProcessInfo& p) {
  return fmt::format("pid {} ({})", p.pid, p.has_exe ? exe_text(p) : shown(p.comm));
}

// Rules 1-4 of the header; "" when the executable is not the product's.
std::string exe_identity(const ProcessInfo& p, const ProcessRules& rules,
                         std::vector<std::string>& notes) {
  for (const auto& glob : rules.exe) {
    if (!match_path(glob, p.exe, rules.homes)) continue;
    if (p.exe_deleted) {
      return fmt::format("runs {}, deleted from a path that matches exe glob {}", exe_text(p),
                         shown(glob.text));
    }
    return fmt::format("runs {}, which matches exe glob {}", exe_text(p), shown(glob.text));
  }
  for (const auto& file : rules.files) {
    if (file.stat.same_object(p.exe_stat)) {
      return fmt::format("runs {}, the same file (inode {}:{}) as {}", exe_text(p), file.stat.dev,
                         file.stat.ino, shown(file.path));
    }
  }
  for (const auto& file : rules.files) {
    if (file.stat.size != p.exe_stat.size || !rules.same_content) continue;
    if (!rules.same_content(p, file)) continue;
    // Deleted too: a package upgrade leaves its old binary running, "(deleted)".
    if (rules.foreign_owned && rules.foreign_owned(p.exe)) {
      notes.push_back(fmt::format(
          "{} runs {}, which has the same bytes as {} but belongs to a package no playbook "
          "names: not the product's, kept",
          who(p), shown(p.exe), shown(file.path)));
      return {};
    }
    return fmt::format("runs {}, a byte-for-byte copy of {}", exe_text(p), shown(file.path));
  }
  return {};
}

bool name_matches(const ProcessInfo& p, const std::vector<std::string>& names) {
  if (names.empty()) return true;
  const std::string argv0(sys::base_name(p.argv0));
  for (const auto& n : names) {
    if (match_text_glob(n, p.comm) || (!argv0.empty() && match_text_glob(n, argv0))) return true;
  }
  return false;
}

bool names_service(const std::string& unit, const std::vector<std::string>& globs) {
  for (const auto& g : globs) {
    if (match_text_glob(g, unit)) return true;
  }
  return false;
}

bool within_cgroup(const std::string& path, const std::string& cgroup) {
  return path == cgroup ||
         (path.size() > cgroup.size() && path.compare(0, cgroup.size(), cgroup) == 0 &&
          path[cgroup.size()] == '/');
}

}  // namespace

std::string process_target(const ProcessInfo& info) {
  return fmt::format("pid {} {}{}", info.pid, info.exe, info.exe_deleted ? " (deleted)" : "");
}

ProcessMatch match_processes(const sys::ProcessTable& table, const ProcessRules& rules) {
  ProcessMatch out;

  // excise and its ancestors.
  std::set<int> untouchable = {1};
  for (const ProcessInfo* p = table.find(rules.self_pid); p != nullptr && p->pid > 1;
       p = table.find(p->ppid)) {
    untouchable.insert(p->pid);
  }
  std::multimap<int, const ProcessInfo*> children, sessions;
  for (const auto& p : table.processes) {
    children.emplace(p.ppid, &p);
    sessions.emplace(p.session, &p);
  }

  std::map<int, MatchedProcess> members;
  std::set<int> blocked;
  std::deque<int> queue;
  // A process joins the tree once, with the first rule that reached it.
  auto join = [&](const ProcessInfo& p, TreeRule rule, int via, std::string reason) {
    if (p.kernel_thread || !p.has_exe || members.count(p.pid) || blocked.count(p.pid)) return;
    if (untouchable.count(p.pid)) {
      blocked.insert(p.pid);
      std::string why;
      if (p.pid == 1) {
        why = "the init process (pid 1) is never terminated";
      } else if (p.pid == rules.self_pid) {
        why = fmt::format("{} is this excise itself ({}): kept", who(p), reason);
      } else {
        why = fmt::format(
            "{} would be terminated ({}), but this excise runs under it: kept, and what runs "
            "below it with it",
            who(p), reason);
      }
      out.blocked.emplace_back(&p, std::move(why));
      return;
    }
    members[p.pid] = MatchedProcess{&p, rule, via, 0, std::move(reason)};
    queue.push_back(p.pid);
  };

  for (const auto& p : table.processes) {
    if (p.kernel_thread || !p.has_exe) continue;
    std::string why = exe_identity(p, rules, out.notes);
    if (why.empty()) continue;
    if (!name_matches(p, rules.names)) {
      out.notes.push_back(
          fmt::format("{} {}, but its name ({}, argv[0] {}) is not one of "
                      "'names': kept",
                      who(p), why, shown(p.comm), shown(p.argv0)));
      continue;
    }
    join(p, TreeRule::exe, 0, std::move(why));
  }

  // Descendants first, then sessions, then cgroups: a process gets the most specific
  // reason ("child of" rather than "in the session of").
  std::deque<int> session_queue, cgroup_queue;
  std::set<std::string> swept_cgroups;
  auto expand_children = [&](int pid) {
    const ProcessInfo& p = *members.at(pid).info;
    auto [first, last] = children.equal_range(pid);
    for (auto it = first; it != last; ++it) {
      join(*it->second, TreeRule::child, pid, "child of " + who(p));
    }
    session_queue.push_back(pid);
  };
  auto expand_session = [&](int pid) {
    const ProcessInfo& p = *members.at(pid).info;
    cgroup_queue.push_back(pid);
    if (p.session != p.pid) return;
    auto [first, last] = sessions.equal_range(pid);
    for (auto it = first; it != last; ++it) {
      join(*it->second, TreeRule::session, pid, "in the session that " + who(p) + " leads");
    }
  };
  auto expand_cgroup = [&](int pid) {
    const ProcessInfo& p = *members.at(pid).info;
    if (members.at(pid).rule != TreeRule::exe || p.cgroup.empty()) return;
    const auto service = sys::service_of_cgroup(p.cgroup);
    if (!service || swept_cgroups.count(service->cgroup)) return;
    if (!names_service(service->unit, rules.service_units)) {
      out.notes.push_back(fmt::format(
          "{} runs in cgroup {} of {}, which no [[service]] of this playbook names: only its "
          "own process tree is terminated, not the rest of that service",
          who(p), shown(p.cgroup), shown(service->unit)));
      return;
    }
    swept_cgroups.insert(service->cgroup);
    bool holds_untouchable = false;
    for (const auto& q : table.processes) {
      if (!within_cgroup(q.cgroup, service->cgroup)) continue;
      holds_untouchable = holds_untouchable || untouchable.count(q.pid);
      join(q, TreeRule::cgroup, pid,
           fmt::format("in cgroup {} of {}, which a [[service]] of this playbook names",
                       shown(q.cgroup), shown(service->unit)));
    }
    // cgroup.kill would take init or this excise with it.
    if (!holds_untouchable) out.cgroups.push_back({*service, pid});
  };
  for (;;) {
    if (!queue.empty()) {
      const int pid = queue.front();
      queue.pop_front();
      expand_children(pid);
    } else if (!session_queue.empty()) {
      const int pid = session_queue.front();
      session_queue.pop_front();
      expand_session(pid);
    } else if (!cgroup_queue.empty()) {
      const int pid = cgroup_queue.front();
      cgroup_queue.pop_front();
      expand_cgroup(pid);
    } else {
      break;
    }
  }

  // Depth along the tree (parents before children when steps are ordered). Reached
  // through a session or cgroup without a parent in the tree: right after the roots.
  std::map<int, int> depth;
  std::function<int(int, int)> depth_of = [&](int pid, int guard) {
    if (auto it = depth.find(pid); it != depth.end()) return it->second;
    const MatchedProcess& m = members.at(pid);
    int d = m.rule == TreeRule::exe ? 0 : 1;
    if (members.count(m.info->ppid) && guard < 100000) d = depth_of(m.info->ppid, guard + 1) + 1;
    depth[pid] = d;
    return d;
  };
  for (auto& [pid, m] : members)
    m.depth = depth_of(pid, 0);
  for (auto& [pid, m] : members)
    out.processes.push_back(std::move(m));
  return out;
}

}  // namespace excise
