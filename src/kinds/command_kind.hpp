#pragma once

#include "exec/action.hpp"

namespace excise {

const Action& run_command_action();

}  // namespace excise
