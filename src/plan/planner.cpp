#include "plan/planner.hpp"

#include <set>

#include <fmt/format.h>

#include "excise/clock.hpp"
#include "excise/error.hpp"
#include "excise/kind.hpp"
#include "plan/detect_context.hpp"
#include "plan/ordering.hpp"
#include "plan/target.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

// Kinds whose detection is not built are refused up front, all of them at once.
bool every_kind_is_built(const std::vector<Playbook>& playbooks, Diagnostics& diags) {
  bool ok = true;
  for (const auto& playbook : playbooks) {
    for (const auto& artifact : playbook.artifacts) {
      const Kind* kind = find_kind(artifact.kind);
      if (kind == nullptr || !kind->detection_built()) {
        diags.error(artifact.loc, "[[" + artifact.kind + "]] " + artifact.id +
                                      ": this excise cannot detect artifacts of kind '" +
                                      artifact.kind + "' yet, so it will not plan " +
                                      playbook.product.id + " (nothing is ignored silently)");
        ok = false;
      }
    }
  }
  return ok;
}

std::vector<ArtifactEdges> after_edges(const std::vector<Playbook>& playbooks) {
  std::vector<ArtifactEdges> edges;
  for (std::size_t p = 0; p < playbooks.size(); ++p) {
    const auto& artifacts = playbooks[p].artifacts;
    for (std::size_t a = 0; a < artifacts.size(); ++a) {
      ArtifactEdges e{p, a, {}};
      for (const auto& id : artifacts[a].after) {
        for (std::size_t b = 0; b < artifacts.size(); ++b) {
          if (artifacts[b].id == id.value) e.after.push_back(b);
        }
      }
      if (!e.after.empty()) edges.push_back(std::move(e));
    }
  }
  return edges;
}

// Two playbooks may name the same thing, and a tree that goes in one rename takes
// everything below it: keep one step per (action, target) and drop covered paths.
std::vector<ProposedStep> without_redundant(std::vector<ProposedStep> proposed) {
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> quarantined;
  for (const auto& p : proposed) {
    if (p.step.action == "path.quarantine") quarantined.insert(p.step.target);
  }
  auto covered = [&](const std::string& path) {
    for (std::string parent = path; parent.size() > 1;) {
      parent.resize(parent.rfind('/') == 0 ? 1 : parent.rfind('/'));
      if (quarantined.count(parent)) return true;
    }
    return false;
  };
  std::vector<ProposedStep> out;
  for (auto& p : proposed) {
    // Same action on the same target with the same parameters: one step. (Two [[line]]
    // tables on one file with different regexes stay two steps.)
    if (!seen.insert({p.step.action, p.step.target + "\n" + p.step.params.dump()}).second) continue;
    if (p.step.action == "path.quarantine" && covered(p.step.target)) continue;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

Plan make_plan(const std::vector<Playbook>& playbooks, const sys::SafeRoot& root,
               Diagnostics& diags) {
  Plan plan;
  if (!every_kind_is_built(playbooks, diags)) return plan;

  DetectContext context(root, probe_target(root), playbooks);
  for (std::size_t p = 0; p < playbooks.size(); ++p) {
    for (std::size_t a = 0; a < playbooks[p].artifacts.size(); ++a) {
      const Artifact& artifact = playbooks[p].artifacts[a];
      context.begin_artifact(p, a);
      try {
        find_kind(artifact.kind)->detect(playbooks[p], artifact, context);
      } catch (const Error& e) {
        diags.error(artifact.loc, "[[" + artifact.kind + "]] " + artifact.id + ": " + e.what());
      }
    }
  }

  for (const Kind* kind : all_kinds())
    kind->finish(context);

  plan = std::move(context.findings());
  plan.root = root.path();
  plan.live = context.target().live;
  plan.systemd = context.target().systemd;
  plan.created = utc_now();
  for (const auto& playbook : playbooks) {
    plan.playbooks.push_back(
        {playbook.product.id, playbook.product.name, playbook.path, playbook.sha256});
  }
  plan.steps =
      order_steps(without_redundant(std::move(context.proposed())), after_edges(playbooks), diags);
  return plan;
}

}  // namespace excise
