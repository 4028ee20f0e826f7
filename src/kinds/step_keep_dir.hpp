// A step's own directory in the run's quarantine, "<seq>.<suffix>" (0700), for what the
// step keeps aside while it acts (exec/residue.hpp drops it with the step's other links).
#pragma once

#include <string>

#include "exec/action.hpp"
#include "system/safe_root.hpp"

namespace excise {

// Made first when `create` (through the backend: a dry run makes nothing); a placeholder
// Dir (that opens nothing) when it is not there.
sys::Dir step_keep_dir(ExecContext& context, const std::string& suffix, bool create);

}  // namespace excise
