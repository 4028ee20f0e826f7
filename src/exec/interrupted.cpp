#include "exec/interrupted.hpp"

#include <ostream>

#include "excise/error.hpp"
#include "exec/action.hpp"
#include "exec/journal.hpp"
#include "exec/residue.hpp"
#include "exec/run_state.hpp"
#include "exec/run_store.hpp"

namespace excise {

std::size_t close_interrupted_runs(StateDir& state, const sys::SafeRoot& root, const Target& target,
                                   sys::Backend& backend, std::ostream& log) {
  std::size_t closed = 0;
  for (const auto& id : state.run_ids()) {
    const JournalRead read = parse_journal(state.journal_bytes(id));
    if (read.corruption.empty() && read.records.empty()) continue;  // stopped before it began
    if (!read.corruption.empty()) {
      log << "excise: note: run " << id
          << " has a damaged journal and is left as it is: " << read.corruption << "\n";
      continue;
    }
    const RunState run = run_state(read.records);
    const bool interrupted = !run.ended && run.phase == RunPhase::applying;
    // A run that stopped at a failed step: that step may have failed after taking what
    // it could not give back (a lock file it could not remove). Settling finds nothing to
    // do when nothing is left, so a failed run is looked at on every apply.
    const bool failed = run.phase == RunPhase::failed;
    if (!interrupted && !failed) continue;
    RunDir run_dir = state.open_run(id);
    ExecContext context(root, backend, run_dir, target, log);
    context.earlier_pids = run.pids;
    // Only the last step that began can have been under way, but it may be under way even
    // when its "done" is durable: a step keeps what it holds (locks) until it returns.
    if (!run.steps.empty()) {
      const auto& [seq, step] = *run.steps.rbegin();
      if (const Action* action = find_action(step.step.action)) {
        context.seq = seq;
        action->settle(step.step, step.undo, context);
      }
    }
    if (!interrupted) continue;
    FileJournal journal(run_dir.dir(), "journal");
    discard_prepared(run, context);
    journal.append({{"type", "end"}, {"status", "interrupted"}});
    log << "excise: note: run " << id << " was interrupted at step " << run.steps.size()
        << "; it stays undoable with `excise rollback " << id << "`\n";
    ++closed;
  }
  return closed;
}

}  // namespace excise
