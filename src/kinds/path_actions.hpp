#pragma once

#include "exec/action.hpp"

namespace excise {

const Action& path_quarantine_action();
const Action& path_prune_action();

}  // namespace excise

namespace excise {

// Several paths moved as one step (a unit's enablement links): each is inspected before
// acting, moved to quarantine/<seq>.<k>, and put back newest first.
json inspect_paths(const json& paths, ExecContext& context);
void quarantine_paths(const json& paths, json& undo, ExecContext& context);
void restore_paths(const json& undo, ExecContext& context);

}  // namespace excise
