#include "excise/plan.hpp"

namespace excise {

PlanSummary summarize(const Plan& plan) {
  PlanSummary summary;
  summary.steps = plan.steps.size();
  for (const auto& step : plan.steps) {
    if (!step.reversible) ++summary.irreversible;
    ++summary.by_phase[step.phase];
  }
  summary.conflicts = plan.conflicts.size();
  summary.blocked = plan.blocked.size();
  return summary;
}

int plan_exit_code(const Plan& plan) {
  // Conflicts are things kept on purpose (not banned content), so they alone mean "clean".
  return plan.steps.empty() && plan.blocked.empty() ? 0 : 2;
}

}  // namespace excise
