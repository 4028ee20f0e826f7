#include "plan/ordering.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <tuple>
#include <unordered_map>

#include "excise/bytes.hpp"

namespace excise {
namespace {

using Priority = std::tuple<int, std::int64_t, std::size_t, std::size_t, std::size_t>;

Priority priority_of(const ProposedStep& p) {
  return {p.rank, p.key, p.playbook_index, p.artifact_index, p.emit_index};
}

bool is_path(const std::string& target) {
  return !target.empty() && target[0] == '/';
}

// Edges among the steps of one phase: edges[i] lists the steps that must wait for i.
std::vector<std::vector<std::size_t>> phase_edges(
    const std::vector<ProposedStep*>& steps, const std::vector<ArtifactEdges>& artifact_edges) {
  std::vector<std::vector<std::size_t>> edges(steps.size());

  // The playbook's `after`: every step of A waits for every step of B.
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::size_t>> by_artifact;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    by_artifact[{steps[i]->playbook_index, steps[i]->artifact_index}].push_back(i);
  }
  for (const auto& e : artifact_edges) {
    const auto waiting = by_artifact.find({e.playbook_index, e.artifact_index});
    if (waiting == by_artifact.end()) continue;
    for (std::size_t before : e.after) {
      const auto first = by_artifact.find({e.playbook_index, before});
      if (first == by_artifact.end()) continue;
      for (std::size_t b : first->second) {
        for (std::size_t w : waiting->second)
          edges[b].push_back(w);
      }
    }
  }

  // A kind's own edges, by name.
  std::unordered_map<std::string, std::vector<std::size_t>> by_name;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!steps[i]->order_name.empty()) by_name[steps[i]->order_name].push_back(i);
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    for (const auto& name : steps[i]->after_steps) {
      if (auto it = by_name.find(name); it != by_name.end()) {
        for (std::size_t b : it->second)
          edges[b].push_back(i);
      }
    }
  }

  // Containment: a step on a path goes before a step on any path that holds it.
  std::unordered_map<std::string, std::vector<std::size_t>> by_path;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (is_path(steps[i]->step.target)) by_path[steps[i]->step.target].push_back(i);
  }
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::string path = steps[i]->step.target;
    if (!is_path(path)) continue;
    while (path.size() > 1) {
      const auto slash = path.rfind('/');
      path.resize(slash == 0 ? 1 : slash);
      if (auto it = by_path.find(path); it != by_path.end()) {
        for (std::size_t outer : it->second)
          edges[i].push_back(outer);
      }
    }
  }
  for (auto& list : edges) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return edges;
}

void order_phase(std::vector<ProposedStep*>& steps,
                 const std::vector<ArtifactEdges>& artifact_edges, Phase phase,
                 std::vector<Step>& out, Diagnostics& diags) {
  const auto edges = phase_edges(steps, artifact_edges);
  std::vector<std::size_t> waiting_for(steps.size(), 0);
  for (const auto& list : edges) {
    for (std::size_t w : list)
      ++waiting_for[w];
  }
  auto later = [&](std::size_t a, std::size_t b) {
    return priority_of(*steps[a]) > priority_of(*steps[b]);
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> ready(later);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (waiting_for[i] == 0) ready.push(i);
  }
  std::vector<bool> placed(steps.size(), false);
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    placed[i] = true;
    out.push_back(steps[i]->step);
    for (std::size_t w : edges[i]) {
      if (--waiting_for[w] == 0) ready.push(w);
    }
  }
  std::vector<std::size_t> stuck;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!placed[i]) stuck.push_back(i);
  }
  if (stuck.empty()) return;
  std::sort(stuck.begin(), stuck.end(), [&](std::size_t a, std::size_t b) { return later(b, a); });
  std::string names;
  for (std::size_t i : stuck) {
    if (!names.empty()) names += ", ";
    names += shown(steps[i]->step.target);
  }
  diags.error(steps[stuck.front()]->step.origin.loc,
              "the order of the " + std::string(phase_name(phase)) +
                  " steps has a cycle (after, dependencies or containment) among: " + names);
  for (std::size_t i : stuck)
    out.push_back(steps[i]->step);
}

}  // namespace

bool path_within(std::string_view inner, std::string_view outer) {
  if (outer == "/") return !inner.empty() && inner[0] == '/';
  return inner.size() >= outer.size() && inner.substr(0, outer.size()) == outer &&
         (inner.size() == outer.size() || inner[outer.size()] == '/');
}

std::vector<Step> order_steps(std::vector<ProposedStep> proposed,
                              const std::vector<ArtifactEdges>& edges, Diagnostics& diags) {
  std::vector<Step> out;
  out.reserve(proposed.size());
  for (Phase phase : kAllPhases) {
    std::vector<ProposedStep*> in_phase;
    for (auto& p : proposed) {
      if (p.step.phase == phase) in_phase.push_back(&p);
    }
    if (!in_phase.empty()) order_phase(in_phase, edges, phase, out, diags);
  }
  return out;
}

}  // namespace excise
