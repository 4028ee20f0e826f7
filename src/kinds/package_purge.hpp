#pragma once

#include "exec/action.hpp"

namespace excise {

const Action& package_purge_action();

}  // namespace excise
