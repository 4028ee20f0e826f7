// Orders the steps the kinds proposed into the plan's execution order:
//   1. by phase (PLAYBOOKS.md);
//   2. inside a phase, a topological order over the edges: the playbook's `after`
//      edges between artifacts, edges a kind declares between its own steps (packages
//      dependents-first), and path containment (a path before any path that holds it);
//   3. among the steps that are free to go, the lowest (rank, key), then the order the
//      playbooks, artifacts and steps were written in, so plans are deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "excise/diagnostics.hpp"
#include "excise/plan.hpp"

namespace excise {

struct ProposedStep {
  Step step;
  // Natural order: which playbook, which artifact in it, which step of the artifact.
  std::size_t playbook_index = 0;
  std::size_t artifact_index = 0;
  std::size_t emit_index = 0;
  // Preference inside a phase among steps that are free to go: lower first.
  // Kinds use rank for families (users 0, groups 1) and key for order within (-depth).
  int rank = 0;
  std::int64_t key = 0;
  // This step must run after the steps of the same phase whose `order_name` is listed.
  std::vector<std::string> after_steps;
  std::string order_name;  // e.g. "package acme-agent"; empty when nothing refers to it
};

// `after` edges between artifacts of one playbook: artifact_index -> artifact indices.
struct ArtifactEdges {
  std::size_t playbook_index = 0;
  std::size_t artifact_index = 0;
  std::vector<std::size_t> after;
};

// Returns the steps in execution order. A cycle among the steps of one phase (for
// example a path ordered by `after` before a path that contains it) is reported in
// `diags` with the targets on it, and the steps on the cycle keep their natural order.
std::vector<Step> order_steps(std::vector<ProposedStep> proposed,
                              const std::vector<ArtifactEdges>& edges, Diagnostics& diags);

// True when `inner` is `outer` or lies below it ("/opt/acme/x" in "/opt/acme").
bool path_within(std::string_view inner, std::string_view outer);

}  // namespace excise
