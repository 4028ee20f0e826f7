#pragma once

#include "exec/action.hpp"

namespace excise {

const Action& service_disable_action();
const Action& service_stop_action();
const Action& service_reload_action();

}  // namespace excise
