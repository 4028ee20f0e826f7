// A saved plan is applied only to the system it was made from: every fact it relied on
// must still hold. This says which ones do not (the thing Terraform users ask for).
#pragma once

#include <string>
#include <vector>

#include "excise/plan.hpp"

namespace excise {

// One line per difference, for people: "changed: path /opt/acme: was ..., now ...",
// "gone: ...", "new: ...", plus playbooks whose content changed. Empty when fresh.
//
// Processes and their cgroups ("process PID START", "cgroup PATH") come and go by
// themselves: one that has exited or changed since the plan is not a reason to refuse it,
// because the step re-checks that very process through a pidfd when it acts and says
// "already gone" or "the PID was reused" (SAFETY.md S20). A NEW one is: the plan that was
// reviewed does not stop it.
std::vector<std::string> stale_facts(const Plan& saved, const Plan& now);

}  // namespace excise
