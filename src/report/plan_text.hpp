// The plan for people: steps by phase, each with its reason (and with --explain the
// playbook line it came from), what is kept and why, what is blocked, and a summary.
#pragma once

#include <string>

#include "excise/plan.hpp"

namespace excise {

std::string render_plan_text(const Plan& plan, bool explain);
// "12 steps (1 cannot be undone), 1 conflict, 0 blocked"
std::string summary_line(const Plan& plan);

}  // namespace excise
