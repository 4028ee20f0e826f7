// What a step's prepare leaves behind when the run stops before the step's "begin"
// record is durable (a kill, or prepare itself failing). Prepare changes nothing of the
// system, but it may have made hard links to live files in the run's quarantine (the
// package snapshot, protected paths) and taken locks (the shadow-utils lock files). No
// journal record names them, so no undo would ever drop them: a rollback would then
// leave every snapshotted file with one more link, and the lock files in /etc.
//
// Every quarantine entry a step makes is named "<seq>" or "<seq>.<something>" (the
// actions' convention, exec/action.hpp), so the entries of a step that never began are
// known without a record. They are only ever links to live files or private copies, so
// they are dropped with plain unlinks: remove_file would clear set-id bits first, which
// through a shared inode would strip them from the live file.
#pragma once

#include <cstddef>

#include "exec/action.hpp"

namespace excise {

struct RunState;

// Drops the quarantine entries of step `seq` and lets its action release what its prepare
// took (Action::abandon). Idempotent; does nothing when there is nothing left.
void discard_prepared(const Step& step, std::size_t seq, ExecContext& context);

// discard_prepared for the step a stopped apply may have been preparing, if any.
void discard_prepared(const RunState& run, ExecContext& context);

}  // namespace excise
