#pragma once

#include "exec/action.hpp"

namespace excise {

// process.terminate: pidfd first, identity checked through it, SIGTERM, wait, SIGKILL.
const Action& process_terminate_action();
// process.kill-cgroup: cgroup.kill on a service cgroup the playbook names.
const Action& process_kill_cgroup_action();

}  // namespace excise
