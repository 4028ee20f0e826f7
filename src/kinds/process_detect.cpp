// [[process]] detection, live roots only: read /proc (system/process.hpp), find the
// product's processes and their trees (kinds/process_match.hpp), and propose one
// process.terminate per process in the quiesce phase, after the services are stopped and
// disabled, parents before children; then one process.kill-cgroup per service cgroup the
// playbook names, to catch what forked meanwhile. An offline root runs nothing.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "kinds/glob_expand.hpp"
#include "kinds/path_rules.hpp"
#include "kinds/process.hpp"
#include "kinds/process_match.hpp"
#include "kinds/service.hpp"
#include "plan/detect_context.hpp"
#include "system/process.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

// Ranks inside the quiesce phase: service.stop is 0, service.disable 1.
constexpr int kTerminateRank = 2;
constexpr int kCgroupRank = 3;

constexpr const char* kIrreversible =
    "a terminated process cannot be brought back; rollback restarts services it stopped";

std::vector<BannedFile> banned_files(const ProcessSpec& spec, DetectContext& context) {
  std::vector<BannedFile> files;
  auto add = [&](const PathGlob& glob) {
    for (const auto& m : expand_glob(context.root(), glob).matches) {
      // Regular files only: a symlink is not followed to whatever it names.
      if (m.resolved.stat && m.resolved.stat->is_regular()) {
        files.push_back({m.path, *m.resolved.stat});
      }
    }
  };
  for (const auto& glob : spec.exe) {
    if (!glob.value.from_home()) {
      add(glob.value);
      continue;
    }
    for (const auto& home : context.homes()) {
      if (auto expanded = expand_home(glob.value, home)) add(*expanded);
    }
  }
  return files;
}

// Compares the running executable with a file on disk, byte for byte.
bool same_bytes(const sys::ProcessInfo& process, const BannedFile& file, DetectContext& context) {
  const auto resolved = context.root().resolve(file.path);
  if (!resolved || !resolved->stat || !resolved->stat->same_object(file.stat)) return false;
  const sys::Fd banned = resolved->parent.open_at(resolved->name, O_RDONLY);
  const sys::Fd running = sys::open_process_exe(process.pid);
  if (!running) return false;
  std::vector<char> a(1 << 16), b(1 << 16);
  for (;;) {
    const ssize_t got_a = ::read(banned.get(), a.data(), a.size());
    if (got_a < 0) return false;
    std::size_t got_b = 0;
    while (got_b < static_cast<std::size_t>(got_a)) {
      const ssize_t n =
          ::read(running.get(), b.data() + got_b, static_cast<std::size_t>(got_a) - got_b);
      if (n <= 0) return false;
      got_b += static_cast<std::size_t>(n);
    }
    if (got_a == 0) {
      char extra;
      return ::read(running.get(), &extra, 1) == 0;
    }
    if (std::memcmp(a.data(), b.data(), got_b) != 0) return false;
  }
}

// The other spellings of a canonical path through the root's top-level directory
// symlinks: on a merged /usr, /usr/bin/sleep is also /bin/sleep, which is what dpkg lists.
class PathAliases {
 public:
  explicit PathAliases(const sys::SafeRoot& root) {
    for (const auto& entry : root.root().entries()) {
      const auto st = root.root().stat_at(entry.name);
      if (!st || !st->is_symlink()) continue;
      std::string target = root.root().link_at(entry.name);
      if (target.empty() || target.find("..") != std::string::npos) continue;
      if (target[0] != '/') target = "/" + target;
      while (target.size() > 1 && target.back() == '/')
        target.pop_back();
      links_.emplace_back(target, "/" + entry.name);
    }
  }
  std::vector<std::string> of(const std::string& path) const {
    std::vector<std::string> out = {path};
    for (const auto& [target, link] : links_) {
      if (path.size() > target.size() && path.compare(0, target.size(), target) == 0 &&
          path[target.size()] == '/') {
        out.push_back(link + path.substr(target.size()));
      }
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> links_;  // ("/usr/bin", "/bin")
};

std::vector<std::string> service_units(const Playbook& playbook) {
  std::vector<std::string> units;
  for (const auto& artifact : playbook.artifacts) {
    if (artifact.kind != "service") continue;
    for (const auto& u : static_cast<const ServiceSpec&>(*artifact.spec).units)
      units.push_back(u.value);
  }
  return units;
}

void propose_terminate(const MatchedProcess& m, const ProcessSpec& spec, const SourceLoc& loc,
                       DetectContext& context) {
  const sys::ProcessInfo& p = *m.info;
  Step step;
  step.phase = Phase::quiesce;
  step.action = "process.terminate";
  step.target = process_target(p);
  step.reason = m.rule == TreeRule::exe ? m.reason
                                        : fmt::format("runs {}{}, {}", shown(p.exe),
                                                      p.exe_deleted ? " (deleted)" : "", m.reason);
  step.reversible = false;
  step.irreversible_why = kIrreversible;
  step.origin = context.origin(loc);
  step.params = {{"pid", p.pid},
                 {"start_time", p.start_time},
                 {"exe", encode_bytes(p.exe)},
                 {"exe_dev", p.exe_stat.dev},
                 {"exe_ino", p.exe_stat.ino},
                 {"uid", p.uid},
                 {"timeout_ms", std::chrono::milliseconds(spec.timeout.value).count()}};
  context.fact(fmt::format("{} {} {}", m.rule == TreeRule::exe ? "process" : "process-tree", p.pid,
                           p.start_time),
               fmt::format("exe {}:{} {}", p.exe_stat.dev, p.exe_stat.ino, step.target));
  const std::int64_t key = (static_cast<std::int64_t>(m.depth) << 32) + p.pid;
  context.propose(std::move(step), {kTerminateRank, key, "", {}});
}

void propose_cgroup_kill(const ServiceCgroupMatch& match, const ProcessSpec& spec,
                         const SourceLoc& loc, DetectContext& context) {
  const auto mount = sys::cgroup2_mount();
  if (!mount) return;  // a process with a v2 cgroup path implies the mount; be safe anyway
  const auto cgroup = sys::open_cgroup(*mount, match.cgroup.cgroup);
  if (!cgroup) return;  // emptied and removed since /proc was read
  if (!sys::cgroup_has_kill(*cgroup)) {
    context.note(fmt::format("cgroup {} of {}: this kernel has no cgroup.kill (Linux 5.14); its "
                             "processes found now are terminated one by one",
                             shown(match.cgroup.cgroup), shown(match.cgroup.unit)),
                 loc);
    return;
  }
  Step step;
  step.phase = Phase::quiesce;
  step.action = "process.kill-cgroup";
  step.target = "cgroup " + match.cgroup.cgroup;
  step.reason = fmt::format(
      "the cgroup of {}, which a [[service]] of this playbook names: SIGKILL to whatever is "
      "still in it once its processes were terminated (forked meanwhile)",
      shown(match.cgroup.unit));
  step.reversible = false;
  step.irreversible_why = kIrreversible;
  step.origin = context.origin(loc);
  step.params = {{"cgroup", encode_bytes(match.cgroup.cgroup)},
                 {"unit", encode_bytes(match.cgroup.unit)},
                 {"ino", cgroup->ino},
                 {"timeout_ms", std::chrono::milliseconds(spec.timeout.value).count()}};
  context.fact("cgroup " + match.cgroup.cgroup, fmt::format("ino {}", cgroup->ino));
  context.propose(std::move(step), {kCgroupRank, 0, "", {}});
}

}  // namespace

void ProcessKind::detect(const Playbook& playbook, const Artifact& artifact,
                         DetectContext& context) const {
  const auto& spec = static_cast<const ProcessSpec&>(*artifact.spec);
  const SourceLoc& loc = artifact.loc;
  if (!context.target().live) {
    context.note("processes are not looked for on an offline root: nothing of it runs here", loc);
    return;
  }
  const sys::ProcessTable& table = context.processes();

  ProcessRules rules;
  rules.homes = context.homes();
  for (const auto& glob : spec.exe)
    rules.exe.push_back(glob.value);
  for (const auto& name : spec.names)
    rules.names.push_back(name.value);
  rules.files = banned_files(spec, context);
  rules.service_units = service_units(playbook);
  rules.same_content = [&](const sys::ProcessInfo& p, const BannedFile& f) {
    return same_bytes(p, f, context);
  };
  PathRules path_rules(context);
  const PathAliases aliases(context.root());
  rules.foreign_owned = [&](const std::string& path) {
    for (const auto& alias : aliases.of(path)) {
      if (!path_rules.owners(alias, alias).foreign.empty()) return true;
    }
    return false;
  };
  rules.self_pid = ::getpid();

  const ProcessMatch match = match_processes(table, rules);
  // PID 1 is never terminated, so whether its executable can be read does not matter.
  std::vector<int> denied;
  for (const int pid : table.denied) {
    if (pid != 1) denied.push_back(pid);
  }
  if (!denied.empty()) {
    const std::size_t shown_count = std::min<std::size_t>(denied.size(), 8);
    context.note(
        fmt::format("the executable of {} process(es) could not be inspected (permission "
                    "denied), so they are not considered: pid {}{}",
                    denied.size(), fmt::join(denied.begin(), denied.begin() + shown_count, ", "),
                    denied.size() > shown_count ? ", ..." : ""),
        loc);
  }
  for (const auto& note : match.notes)
    context.note(note, loc);
  for (const auto& [process, reason] : match.blocked)
    context.block(process_target(*process), reason, loc);
  for (const auto& m : match.processes)
    propose_terminate(m, spec, loc, context);
  for (const auto& c : match.cgroups)
    propose_cgroup_kill(c, spec, loc, context);
}

}  // namespace excise
