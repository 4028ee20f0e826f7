#pragma once

#include "exec/action.hpp"

namespace excise {

const Action& remove_lines_action();

}  // namespace excise
