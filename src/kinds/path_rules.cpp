#include "kinds/path_rules.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "kinds/glob_expand.hpp"
#include "plan/detect_context.hpp"
#include "plan/ordering.hpp"
#include "playbook/protected_paths.hpp"
#include "system/accounts.hpp"
#include "system/dpkg_database.hpp"
#include "system/safe_root.hpp"

namespace excise {
PathRules::PathRules(DetectContext& context) : context_(context) {
  const auto& removed = context.removed_users();
  const auto& accounts = context.accounts();
  std::set<std::string> skip;
  for (const auto& user : sys::all_users(accounts)) {
    if (removed.count(user.name)) skip.insert(user.home);
  }
  for (const auto& home : context.homes()) {
    if (!skip.count(home)) homes_.push_back(home);
  }
  // Top-level links to directories: "/lib" -> "usr/lib" gives ("/usr/lib", "/lib").
  const sys::SafeRoot& root = context.root();
  for (const auto& entry : root.root().entries()) {
    const std::string link = "/" + entry.name;
    const auto st = root.lstat(link);
    if (!st || !st->is_symlink()) continue;
    try {
      const auto inside = root.resolve(link + "/x");  // real_path: the target's path + "/x"
      if (!inside) continue;                          // a link to a file, or to nothing
      const std::string target = inside->real_path.substr(0, inside->real_path.size() - 2);
      if (!target.empty() && target != "/" && target != link) aliases_.emplace_back(target, link);
    } catch (const sys::UnsafePath&) {
      // A link that cannot be followed safely names nothing dpkg could have put there.
    }
  }
}

std::vector<std::string> PathRules::dpkg_names(const std::string& path,
                                               const std::string& real) const {
  std::set<std::string> names = {path, real};
  for (const auto& p : {path, real}) {
    for (const auto& [target, link] : aliases_) {
      if (path_within(p, target)) names.insert(link + p.substr(target.size()));
    }
  }
  return {names.begin(), names.end()};
}

bool PathRules::is_protected(const std::string& path) const {
  return is_protected_path(path, homes_);
}

std::string PathRules::relocated_protected(const std::string& real) const {
  if (!relocated_) {
    // Every literal protected path and every protected home, resolved in the root as
    // excise resolves everything (links followed inside the root, the final one too for
    // a directory). Where that is not where the name says, remember where it is. (The
    // list is closed under parents, so the parents of a path that is where it says are
    // protected by the list itself; a relocated one needs the "holds" check below.)
    relocated_.emplace();
    const sys::SafeRoot& root = context_.root();
    std::vector<std::string> names;
    // "/*" protects every top-level directory: those that are links (/etc ->
    // /private/etc, /bin -> usr/bin) are protected where they lead.
    try {
      for (const auto& entry : root.root().entries()) {
        const bool link = entry.type == sys::FileType::symlink ||
                          (entry.type == sys::FileType::unknown &&
                           root.root().stat_at(entry.name).value_or(sys::Stat{}).is_symlink());
        if (link) names.push_back("/" + entry.name);
      }
    } catch (const Error&) {
    }
    for (const auto& entry : protected_entries()) {
      const std::string_view p = entry.pattern;
      if (!entry.home && p != "/" && p.find_first_of("*?[~") == std::string_view::npos)
        names.emplace_back(p);
    }
    names.insert(names.end(), homes_.begin(), homes_.end());
    for (const auto& name : names) {
      try {
        const auto resolved = root.resolve(name);
        if (!resolved || !resolved->stat) continue;
        std::string where = resolved->real_path;
        if (resolved->stat->is_symlink()) {
          const auto dir = root.open_dir(name);
          if (!dir) continue;  // a link to a file: the file is what the list protects
          where = dir->path();
        }
        if (where != name) relocated_->emplace_back(where, name);
      } catch (const Error&) {
        // An unsafe or looping link on the way: nothing of the root's own lives there.
      }
    }
  }
  for (const auto& [where, name] : *relocated_) {
    if (real == where) return "the root's " + shown(name);
    if (where.size() > real.size() && where.compare(0, real.size(), real) == 0 &&
        (real == "/" || where[real.size()] == '/')) {
      return "a directory holding the root's " + shown(name);
    }
  }
  return {};
}

Owners PathRules::owners(const std::string& path, const std::string& real) const {
  Owners out;
  const sys::DpkgDatabase* db = context_.dpkg();
  if (db == nullptr) return out;
  std::set<std::uint32_t> indices;
  for (const auto& name : dpkg_names(path, real)) {
    for (auto i : db->owners(name))
      indices.insert(i);
  }
  const auto& named = context_.named_packages();
  for (auto i : indices) {
    const std::string& name = db->packages()[i].name;
    (named.count(name) ? out.named : out.foreign).push_back(name);
  }
  return out;
}

bool PathRules::has_foreign_below(const std::string& path, const std::string& real) const {
  const sys::DpkgDatabase* db = context_.dpkg();
  if (db == nullptr) return false;
  const auto& named = context_.named_packages();
  for (const auto& dir : dpkg_names(path, real)) {
    for (const auto& owned : db->owned_below(dir)) {
      if (!named.count(db->packages()[owned.package].name)) return true;
    }
  }
  return false;
}

void propose_prune(const Located<std::string>& dir, DetectContext& context) {
  const auto resolved = context.root().resolve(dir.value);
  if (!resolved || !resolved->stat || !resolved->stat->is_dir()) return;
  PathRules rules(context);
  if (rules.is_protected(dir.value) || rules.is_protected(resolved->real_path) ||
      !rules.relocated_protected(resolved->real_path).empty()) {
    context.block(dir.value, "a protected path: never removed", dir.loc);
    return;
  }
  Step step;
  step.phase = Phase::cleanup;
  step.action = "path.prune";
  step.target = dir.value;
  step.reason = "prune_empty: removed if nothing is left inside once the other steps ran";
  step.origin = context.origin(dir.loc);
  step.params = {{"path", encode_bytes(dir.value)},
                 {"dev", resolved->stat->dev},
                 {"ino", resolved->stat->ino}};
  context.fact("path " + dir.value, path_fact(*resolved->stat));
  const auto depth = static_cast<std::int64_t>(std::count(dir.value.begin(), dir.value.end(), '/'));
  context.propose(std::move(step), {2, -depth, "", {}});
}

namespace {

// Would `dir` (at `path`) be empty after the plan: every entry taken by a quarantine
// step, owned only by named packages (dpkg removes it), or a directory that would be
// empty itself?
bool would_be_empty(DetectContext& context, const PathRules& rules,
                    const std::set<std::string>& taken, const std::string& path,
                    const sys::Dir& dir, std::string& first_kept) {
  for (const auto& entry : dir.entries()) {
    const std::string child = join_path(path, entry.name);
    if (taken.count(child)) continue;
    const auto st = dir.stat_at(entry.name);
    if (!st) continue;
    const Owners owners = rules.owners(child, child);
    if (st->is_dir() && owners.foreign.empty()) {
      if (would_be_empty(context, rules, taken, child, dir.dir_at(entry.name), first_kept))
        continue;
      return false;
    }
    if (!st->is_dir() && owners.foreign.empty() && !owners.named.empty()) continue;
    first_kept = child;
    return false;
  }
  return true;
}

}  // namespace

void settle_prunes(DetectContext& context) {
  auto& proposed = context.proposed();
  std::set<std::string> taken;
  for (const auto& p : proposed) {
    if (p.step.action == "path.quarantine" || p.step.action == "path.prune")
      taken.insert(p.step.target);
  }
  PathRules rules(context);
  std::vector<ProposedStep> kept;
  for (auto& p : proposed) {
    if (p.step.action != "path.prune") {
      kept.push_back(std::move(p));
      continue;
    }
    std::string first_kept;
    const auto dir = context.root().open_dir(p.step.target);
    std::set<std::string> others = taken;
    others.erase(p.step.target);
    if (dir && would_be_empty(context, rules, others, p.step.target, *dir, first_kept)) {
      kept.push_back(std::move(p));
    } else {
      context.findings().notes.push_back({fmt::format("prune_empty {} is kept: {} stays inside",
                                                      shown(p.step.target), shown(first_kept)),
                                          p.step.origin});
      context.findings().facts.erase("path " + p.step.target);
    }
  }
  proposed = std::move(kept);
}

}  // namespace excise
