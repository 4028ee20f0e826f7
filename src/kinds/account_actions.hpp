#pragma once

#include "exec/action.hpp"

namespace excise {

const Action& remove_user_action();
const Action& remove_group_action();

}  // namespace excise
