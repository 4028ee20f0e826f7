// The temporaries an atomic write (sys::write_file_atomic) leaves in a directory when the
// run is killed between making one and renaming it into place. Every action that writes
// files tidies the directories it writes to, for the dead processes of its run (journaled
// pids), when it is undone and when a later apply settles the run.
#pragma once

#include "exec/action.hpp"
#include "system/safe_root.hpp"

namespace excise {

// Removes them (a real backend only); returns (and records in context.changed) whether
// it removed any.
bool drop_stale_temps(const sys::Dir& dir, ExecContext& context);
// Whether there are any. Reads only.
bool has_stale_temps(const sys::Dir& dir, const ExecContext& context);

}  // namespace excise
