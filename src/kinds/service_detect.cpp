// [[service]] detection: scan the root's unit directories and SysV scripts natively
// (system/systemd_units.hpp), then propose: stop (a running systemd only), disable (the
// links that enable each unit, and Debian's record of them), the unit's own files left
// behind (cleanup), and one daemon-reload (refresh, a running systemd only). Masks are
// kept: they keep the unit from starting should it come back.
#include <fmt/format.h>

#include <map>
#include <set>

#include "excise/bytes.hpp"
#include "kinds/path_rules.hpp"
#include "kinds/service.hpp"
#include "kinds/unit_tree_root.hpp"
#include "plan/detect_context.hpp"
#include "system/safe_root.hpp"
#include "system/systemd_units.hpp"

namespace excise {
namespace {

using Kind_ = sys::UnitArtifactKind;

bool disables(Kind_ kind) {
  return kind == Kind_::enablement_link || kind == Kind_::alias || kind == Kind_::dsh_also ||
         kind == Kind_::dsh_enabled || kind == Kind_::rc_link;
}

bool leftover(Kind_ kind) {
  return kind == Kind_::unit_file || kind == Kind_::linked_unit || kind == Kind_::drop_in_dir ||
         kind == Kind_::drop_in || kind == Kind_::dependency_dir || kind == Kind_::init_script;
}

bool kept_on_purpose(Kind_ kind) {
  return kind == Kind_::mask || kind == Kind_::dsh_masked;
}

}  // namespace

void ServiceKind::detect(const Playbook&, const Artifact& artifact, DetectContext& context) const {
  const auto& spec = static_cast<const ServiceSpec&>(*artifact.spec);
  sys::UnitQuery query;
  for (const auto& u : spec.units)
    query.units.push_back(u.value);
  for (const auto& s : spec.init_scripts)
    query.init_scripts.push_back(s.value);
  const SafeRootUnitTree tree(context.root());
  const sys::UnitScan scan = sys::scan_units(tree, query);
  const SourceLoc& loc = artifact.loc;
  PathRules rules(context);

  // Links that enable each unit, grouped into one disable step per unit.
  std::map<std::string, json> links_by_unit;
  std::map<std::string, std::set<std::string>> via_by_unit;
  for (const auto& a : scan.artifacts) {
    const auto st = context.root().lstat(a.path);
    if (!st) continue;
    const Owners owners = rules.owners(a.path, a.path);
    if (kept_on_purpose(a.kind)) {
      context.note(
          fmt::format("{} of {} is kept: it stops the unit from starting should it come back",
                      sys::unit_artifact_kind_name(a.kind), a.unit),
          loc);
      continue;
    }
    if (!owners.foreign.empty()) {
      context.conflict(
          a.path,
          fmt::format("{} of {}, owned by package {}, which no playbook names: kept",
                      sys::unit_artifact_kind_name(a.kind), a.unit, owners.foreign.front()),
          loc);
      continue;
    }
    if (!owners.named.empty()) continue;  // dpkg removes it with its package
    context.fact("path " + a.path, path_fact(*st));
    if (disables(a.kind)) {
      links_by_unit[a.unit].push_back(
          {{"path", encode_bytes(a.path)}, {"dev", st->dev}, {"ino", st->ino}});
      if (!a.via.empty()) via_by_unit[a.unit].insert(a.via);
      continue;
    }
    if (!leftover(a.kind)) continue;
    Step step;
    step.phase = Phase::cleanup;
    step.action = "path.quarantine";
    step.target = a.path;
    step.reason =
        fmt::format("{} of {}, owned by no package", sys::unit_artifact_kind_name(a.kind), a.unit);
    step.origin = context.origin(loc);
    step.params = {{"path", encode_bytes(a.path)},
                   {"dev", st->dev},
                   {"ino", st->ino},
                   {"type", std::string(sys::file_type_name(st->type()))}};
    context.propose(std::move(step), {0, 0, "", {}});
  }

  const bool live_systemd = context.target().systemd;
  bool any = false;
  for (const auto& unit : scan.units) {
    if (live_systemd && !unit.fragment.empty()) {
      Step stop;
      stop.phase = Phase::quiesce;
      stop.action = "service.stop";
      stop.target = unit.name;
      stop.reason = "stop it before anything of it is removed";
      stop.origin = context.origin(loc);
      stop.params = {{"unit", encode_bytes(unit.name)}};
      context.propose(std::move(stop), {0, 0, "", {}});
      any = true;
    }
  }
  for (auto& [unit, links] : links_by_unit) {
    std::string via;
    for (const auto& v : via_by_unit[unit])
      via += (via.empty() ? "" : ", ") + v;
    Step disable;
    disable.phase = Phase::quiesce;
    disable.action = "service.disable";
    disable.target = unit;
    disable.reason =
        fmt::format("{} link(s) enable it{}", links.size(), via.empty() ? "" : " (" + via + ")");
    disable.origin = context.origin(loc);
    disable.params = {{"unit", encode_bytes(unit)}, {"paths", links}};
    context.propose(std::move(disable), {1, 0, "", {}});
    any = true;
  }
  if (!scan.artifacts.empty() && !live_systemd) {
    context.note(context.target().live
                     ? "services are not stopped: systemd is not running this system; they are "
                       "disabled on disk"
                     : "services are not stopped on an offline root; they are disabled on disk",
                 loc);
  }
  if (any && live_systemd) {
    Step reload;
    reload.phase = Phase::refresh;
    reload.action = "service.daemon-reload";
    reload.target = "systemd";
    reload.reason = "systemd re-reads its unit files once the product's are gone";
    reload.origin = context.origin(loc);
    context.propose(std::move(reload), {0, 0, "", {}});
  }
}

}  // namespace excise
