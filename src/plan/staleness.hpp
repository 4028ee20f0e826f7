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
//
// Processes and their cgroups ("process PID START", "process-tree PID START", "cgroup
// PATH") come and go by themselves: one that has exited or changed since the plan is not a
// reason to refuse it, because the step re-checks that very process through a pidfd when
// it acts and says "already gone" or "the PID was reused" (SAFETY.md S20). A NEW process
// that its executable identifies is: the plan that was reviewed does not stop it. A new
// member of a matched process's tree ("process-tree", a worker it forked) is not: it goes
// with its parent, its session or its service's cgroup.
std::vector<std::string> stale_facts(const Plan& saved, const Plan& now);

}  // namespace excise
