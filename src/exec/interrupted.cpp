#include "exec/interrupted.hpp"

#include <optional>
#include <ostream>
#include <sstream>
#include <string>

#include "excise/error.hpp"
#include "exec/action.hpp"
#include "exec/journal.hpp"
#include "exec/residue.hpp"
#include "exec/run_state.hpp"
#include "exec/run_store.hpp"

namespace excise {

namespace {

// The run's journal, or nullopt: with why in `problem` when it cannot be read, with
// `problem` empty when it recorded nothing (a run killed before its first record: nothing
// of it happened, and it must not stop every later apply).
std::optional<RunState> read_run(const StateDir& state, const std::string& id,
                                 std::string& problem) {
  JournalRead read;
  try {
    read = parse_journal(state.journal_bytes(id));
  } catch (const Error& e) {
    read.corruption = e.what();
  }
  if (!read.corruption.empty() || read.records.empty()) {
    problem = read.corruption;
    return std::nullopt;
  }
  return run_state(read.records);
}

bool interrupted(const RunState& run) {
  return !run.ended && run.phase == RunPhase::applying;
}

}  // namespace

bool has_runs_to_close(StateDir& state, const sys::SafeRoot& root, const Target& target,
                       sys::Backend& backend) {
  for (const auto& id : state.run_ids()) {
    std::string problem;
    const auto run = read_run(state, id, problem);
    if (!run) continue;
    if (interrupted(*run)) return true;
    if (run->phase != RunPhase::failed || run->steps.empty()) continue;
    // A failed step may have left what it could not give back (a lock it could not remove).
    const auto& [seq, step] = *run->steps.rbegin();
    if (const Action* action = find_action(step.step.action)) {
      RunDir run_dir = state.open_run(id);
      std::ostringstream quiet;
      ExecContext context(root, backend, run_dir, target, quiet);
      context.earlier_pids = run->pids;
      context.seq = seq;
      if (action->needs_settling(step.step, step.undo, context)) return true;
    }
  }
  return false;
}

std::size_t close_interrupted_runs(StateDir& state, const sys::SafeRoot& root, const Target& target,
                                   sys::Backend& backend, std::ostream& log) {
  std::size_t closed = 0;
  for (const auto& id : state.run_ids()) {
    std::string problem;
    const auto found = read_run(state, id, problem);
    if (!found) {
      if (!problem.empty())
        log << "excise: note: run " << id
            << " has a damaged journal and is left as it is: " << problem << "\n";
      continue;
    }
    const RunState& run = *found;
    const bool was_interrupted = interrupted(run);
    // A run that stopped at a failed step: that step may have failed after taking what
    // it could not give back (a lock file it could not remove). Settling finds nothing to
    // do when nothing is left, so a failed run is looked at on every apply.
    const bool failed = run.phase == RunPhase::failed;
    if (!was_interrupted && !failed) continue;
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
    discard_prepared(run, context);  // also what a failed prepare could not drop
    if (!was_interrupted) continue;
    FileJournal journal(run_dir.dir(), "journal");
    journal.append({{"type", "end"}, {"status", "interrupted"}});
    log << "excise: note: run " << id << " was interrupted at step " << run.steps.size()
        << "; it stays undoable with `excise rollback " << id << "`\n";
    ++closed;
  }
  return closed;
}

}  // namespace excise
