// [[package]] detection from the root's dpkg database, read natively. A package present
// in any state but not-installed gets a purge step; purges go dependents first (within
// the set the playbooks name). A package that a package no playbook names depends on is
// blocked, as are Essential and Protected ones, and packages whose maintainer scripts
// could not run confined to an offline root.
#include <fmt/format.h>

#include <map>
#include <set>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "kinds/package.hpp"
#include "plan/detect_context.hpp"
#include "plan/ordering.hpp"
#include "playbook/protected_paths.hpp"
#include "system/accounts.hpp"
#include "system/dpkg_database.hpp"
#include "system/dpkg_root.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

using sys::DpkgDatabase;
using sys::DpkgPackage;

std::string order_name(const DpkgPackage& p) {
  return "package " + p.name + ":" + p.arch;
}

// Every present package the playbooks of this run name, by database index.
std::set<std::uint32_t> removal_set(const DetectContext& context, const DpkgDatabase& db) {
  std::set<std::uint32_t> set;
  for (const auto& playbook : context.playbooks()) {
    for (const auto& artifact : playbook.artifacts) {
      if (artifact.kind != "package") continue;
      for (const auto& n : static_cast<const PackageSpec&>(*artifact.spec).names) {
        for (auto i : db.find_all(n.value.name)) {
          if (db.packages()[i].present() &&
              (n.value.arch.empty() || db.packages()[i].arch == n.value.arch)) {
            set.insert(i);
          }
        }
      }
    }
  }
  return set;
}

bool has_maintainer_scripts(const sys::SafeRoot& root, const DpkgPackage& package) {
  const auto admin = root.open_dir(sys::kDpkgAdminDir);
  const auto info = admin ? admin->find_dir("info") : std::nullopt;
  if (!info) return false;
  for (const auto& name : sys::dpkg_info_files(*info, package, sys::dpkg_info_format(*admin))) {
    const auto dot = name.rfind('.');
    const std::string suffix = name.substr(dot + 1);
    if (suffix == "prerm" || suffix == "postrm") return true;
  }
  return false;
}

std::string status_text(const DpkgPackage& p) {
  return fmt::format("{} {}", p.version_text, sys::state_name(p.status.state));
}

}  // namespace

void PackageKind::detect(const Playbook&, const Artifact& artifact, DetectContext& context) const {
  const auto& spec = static_cast<const PackageSpec&>(*artifact.spec);
  if (spec.manager.value == PackageSpec::Manager::rpm) {
    throw Error(Failure::input, "manager = \"rpm\": this excise cannot read rpm databases yet");
  }
  const DpkgDatabase* db = context.dpkg();
  if (db == nullptr) return;  // no dpkg database in this root: no Debian package can be here
  const std::set<std::uint32_t> removing = removal_set(context, *db);
  // Dependents among the removal set, and dependents outside it (which block).
  std::map<std::uint32_t, std::vector<const sys::BrokenDependency*>> outside;
  const auto broken = db->broken_by_removing({removing.begin(), removing.end()});
  for (const auto& b : broken) {
    for (auto r : b.removed)
      outside[r].push_back(&b);
  }

  for (const auto& name : spec.names) {
    for (auto index : db->find_all(name.value.name)) {
      const DpkgPackage& p = db->packages()[index];
      if (!p.present() || (!name.value.arch.empty() && p.arch != name.value.arch)) continue;
      const std::string target = p.display_name();
      context.fact("package " + target,
                   status_text(p) + " " + sha256_hex(db->stanza(index).bytes()).substr(0, 16));
      if (db->pending_updates() > 0) {
        context.block(target,
                      "the dpkg database has unfinished updates from an interrupted run; run "
                      "`dpkg --configure -a` first",
                      name.loc);
        continue;
      }
      if (p.essential || p.is_protected) {
        context.block(target,
                      std::string(p.essential ? "Essential" : "Protected") +
                          ": the system needs it; excise does not force dpkg",
                      name.loc);
        continue;
      }
      if (const auto it = outside.find(index); it != outside.end()) {
        std::string needed;
        for (const auto* b : it->second) {
          needed += (needed.empty() ? "" : "; ") + db->packages()[b->dependent].display_name() +
                    " (" + b->field + ": " + b->relation + ")";
        }
        context.block(target, "needed by packages no playbook names: " + needed, name.loc);
        continue;
      }
      const bool skip = spec.scripts.value == PackageSpec::Scripts::skip;
      if (!skip && !context.target().live && has_maintainer_scripts(context.root(), p)) {
        const auto sh = context.root().lstat("/bin/sh");
        if (!sh) {
          context.block(target,
                        "its maintainer scripts run chrooted into the root, which has no /bin/sh; "
                        "set scripts = \"skip\" to remove it without them",
                        name.loc);
          continue;
        }
      }
      // Dependents go first: this purge waits for every package of the set that depends on it.
      std::vector<std::string> after;
      for (auto other : removing) {
        if (other == index) continue;
        for (const auto& b : db->broken_by_removing({index})) {
          if (b.dependent == other) after.push_back(order_name(db->packages()[other]));
        }
      }
      Step step;
      step.phase = Phase::packages;
      step.action = "package.purge";
      step.target = target;
      step.reason = fmt::format("{} {}, {}", p.version_text, sys::state_name(p.status.state),
                                skip ? "its maintainer scripts are not run (scripts = \"skip\")"
                                     : "purged through dpkg, with its maintainer scripts");
      step.origin = context.origin(name.loc);
      step.params = {{"package", p.name},
                     {"arch", p.multi_arch == sys::MultiArch::same ? p.arch : ""},
                     {"version", p.version_text},
                     {"scripts", skip ? "skip" : "run"}};
      context.propose(std::move(step), {0, 0, order_name(p), std::move(after)});
    }
  }
}

// What scripted purges protect: every path the plan removes and the homes of the
// accounts it removes (a postrm's `rm -rf /var/lib/acme` or `userdel -r` reaches them
// before the cleanup and accounts steps would).
void PackageKind::finish(DetectContext& context) const {
  std::vector<std::string> paths;
  for (const auto& p : context.proposed()) {
    // Not prune_empty directories: they often are trees shared with other products,
    // and a prune step only ever removes a directory holding nothing but directories.
    if (p.step.action == "path.quarantine") paths.push_back(p.step.target);
    if (p.step.action == "account.remove-user") {
      const auto user = sys::find_user(context.accounts(), p.step.target);
      if (user && is_usable_home(user->home)) paths.push_back(user->home);
    }
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  json protect = json::array();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    bool inside = false;
    for (std::size_t j = 0; j < i && !inside; ++j)
      inside = path_within(paths[i], paths[j]);
    if (!inside) protect.push_back(encode_bytes(paths[i]));
  }
  for (auto& p : context.proposed()) {
    if (p.step.action == "package.purge" &&
        p.step.params.value("scripts", std::string()) == "run") {
      p.step.params["protect"] = protect;
    }
  }
}

}  // namespace excise
