// playbooks + root -> Plan. Asks each artifact's kind what it finds, then orders the
// proposed steps (plan/ordering.hpp) and drops what another step already covers.
#pragma once

#include <vector>

#include "excise/diagnostics.hpp"
#include "excise/plan.hpp"
#include "excise/playbook.hpp"

namespace excise {

namespace sys {
class SafeRoot;
}

// Problems that make a plan impossible (a kind this build cannot detect, an ordering
// cycle, an unreadable database) go to `diags`; the caller must not use the plan then.
Plan make_plan(const std::vector<Playbook>& playbooks, const sys::SafeRoot& root,
               Diagnostics& diags);

}  // namespace excise
