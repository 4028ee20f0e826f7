// A saved plan is applied only to the system it was made from: every fact it relied on
// must still hold. This says which ones do not (the thing Terraform users ask for).
#pragma once

#include <string>
#include <vector>

#include "excise/plan.hpp"

namespace excise {

// One line per difference, for people: "changed: path /opt/acme: was ..., now ...",
// "gone: ...", "new: ...", "now blocked: TARGET: reason" (blocked now, not when the plan
// was made), plus playbooks whose content changed. Empty when fresh.
std::vector<std::string> stale_facts(const Plan& saved, const Plan& now);

}  // namespace excise
