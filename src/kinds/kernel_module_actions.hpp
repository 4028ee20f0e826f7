#pragma once

#include "exec/action.hpp"

namespace excise {

// module.unload: delete_module(2) through the backend, refused while other modules hold
// it; undone with `modprobe NAME` when the plan found a file for the running kernel.
const Action& module_unload_action();
// module.depmod: the module index of each kernel version kept (modules.dep and the
// others depmod writes), depmod run, and the kept files put back exactly on rollback.
const Action& module_depmod_action();

}  // namespace excise
