#include "report/plan_text.hpp"

#include <fmt/format.h>

#include "excise/bytes.hpp"

namespace excise {
namespace {

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string origin_text(const StepOrigin& origin) {
  return fmt::format("{} ({} {})", origin.loc.str(), origin.product, origin.artifact);
}

}  // namespace

std::string summary_line(const Plan& plan) {
  const PlanSummary s = summarize(plan);
  std::string line = plural(s.steps, "step", "steps");
  if (s.irreversible > 0) line += " (" + std::to_string(s.irreversible) + " cannot be undone)";
  line += ", " + plural(s.conflicts, "conflict", "conflicts");
  line += ", " + plural(s.blocked, "blocked", "blocked");
  return line;
}

std::string render_plan_text(const Plan& plan, bool explain) {
  std::string out;
  out += fmt::format("excise plan for {} ({})\n", shown(plan.root),
                     plan.live ? (plan.systemd ? "live system, systemd running"
                                               : "live system, systemd not running")
                               : "offline root");
  for (const auto& p : plan.playbooks) {
    out += fmt::format("playbook {} \"{}\" from {}\n", p.product, p.name, shown(p.path));
  }
  if (plan.steps.empty()) out += "\nnothing to remove\n";

  bool first = true;
  Phase current = Phase::quiesce;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    if (first || step.phase != current) {
      out += fmt::format("\n{}\n", phase_name(step.phase));
      current = step.phase;
      first = false;
    }
    out += fmt::format("{:>5}. {} {}\n", i + 1, step.action, shown(step.target));
    out += fmt::format("       why: {}\n", step.reason);
    if (!step.reversible)
      out += fmt::format("       CANNOT BE UNDONE: {}\n", step.irreversible_why);
    if (explain) out += fmt::format("       from: {}\n", origin_text(step.origin));
  }
  if (!plan.conflicts.empty()) {
    out += fmt::format("\nkept on purpose ({}):\n", plan.conflicts.size());
    for (const auto& c : plan.conflicts) {
      out += fmt::format("  {}: {}\n", shown(c.target), c.reason);
      if (explain) out += fmt::format("       from: {}\n", origin_text(c.origin));
    }
  }
  if (!plan.blocked.empty()) {
    out += fmt::format("\nBLOCKED, present but not removable as things stand ({}):\n",
                       plan.blocked.size());
    for (const auto& b : plan.blocked) {
      out += fmt::format("  {}: {}\n", shown(b.target), b.reason);
      if (explain) out += fmt::format("       from: {}\n", origin_text(b.origin));
    }
  }
  if (!plan.notes.empty()) {
    out += "\nnotes:\n";
    for (const auto& n : plan.notes) {
      out += fmt::format("  - {}\n", n.text);
      if (explain) out += fmt::format("       from: {}\n", origin_text(n.origin));
    }
  }
  out += "\n" + summary_line(plan) + "\n";
  return out;
}

}  // namespace excise
