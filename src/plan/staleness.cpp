#include "plan/staleness.hpp"

#include <map>
#include <set>

#include "excise/bytes.hpp"

namespace excise {
namespace {

bool starts_with(const std::string& key, std::string_view prefix) {
  return key.compare(0, prefix.size(), prefix) == 0;
}

// May be gone or changed (the step re-checks when it acts).
bool volatile_fact(const std::string& key) {
  return starts_with(key, "process ") || starts_with(key, "process-tree ") ||
         starts_with(key, "cgroup ");
}

// May even be new: the tree of a matched process changes as it works (workers come and
// go) and goes with it; a new process that the executable identifies is not like that.
bool tree_fact(const std::string& key) {
  return starts_with(key, "process-tree ");
}

}  // namespace

std::vector<std::string> stale_facts(const Plan& saved, const Plan& now) {
  std::vector<std::string> out;
  if (saved.root != now.root) {
    out.push_back("root: the plan was made for " + shown(saved.root) + ", not " + shown(now.root));
  }
  std::map<std::string, std::string> now_playbooks;
  for (const auto& p : now.playbooks)
    now_playbooks[p.product] = p.sha256;
  for (const auto& p : saved.playbooks) {
    const auto it = now_playbooks.find(p.product);
    if (it == now_playbooks.end()) {
      out.push_back("playbook " + p.product + " (" + shown(p.path) + ") is no longer loaded");
    } else if (it->second != p.sha256) {
      out.push_back("playbook " + p.product + " (" + shown(p.path) +
                    ") changed since the plan was made");
    }
  }
  // Something the playbooks name that cannot be removed safely now (an unsafe link
  // planted since, a mount inside a tree) is a difference too: applying the old plan
  // would report success while banned content the fresh plan blocks stays (SAFETY S2, S5).
  std::map<std::string, std::string> now_blocked;
  for (const auto& b : now.blocked)
    now_blocked.emplace(b.target, b.reason);
  std::set<std::string> reported;
  for (const auto& [key, value] : saved.facts) {
    if (volatile_fact(key)) continue;
    const auto it = now.facts.find(key);
    const auto blocked =
        key.rfind("path ", 0) == 0 ? now_blocked.find(key.substr(5)) : now_blocked.end();
    if (it == now.facts.end() && blocked != now_blocked.end()) {
      out.push_back("now blocked: " + shown(blocked->first) + ": " + blocked->second);
      reported.insert(blocked->first);
    } else if (it == now.facts.end()) {
      out.push_back("gone: " + shown(key) + " (was " + shown(value) + ")");
    } else if (it->second != value) {
      out.push_back("changed: " + shown(key) + ": was " + shown(value) + ", now " +
                    shown(it->second));
    }
  }
  for (const auto& [key, value] : now.facts) {
    if (tree_fact(key)) continue;
    if (!saved.facts.count(key)) out.push_back("new: " + shown(key) + " (" + shown(value) + ")");
  }
  std::set<std::string> saved_blocked;
  for (const auto& b : saved.blocked)
    saved_blocked.insert(b.target);
  for (const auto& [target, reason] : now_blocked) {
    // Processes come and go like their facts (volatile_fact): excise itself, run from
    // inside a cgroup the plan sweeps, is blocked now and was not then; its step re-checks
    // every process through a pidfd anyway.
    if (target.rfind("pid ", 0) == 0) continue;
    if (!saved_blocked.count(target) && !reported.count(target))
      out.push_back("now blocked: " + shown(target) + ": " + reason);
  }
  return out;
}

}  // namespace excise
