#include "exec/interrupted.hpp"

#include <optional>
#include <ostream>
#include <string>

#include "excise/error.hpp"
#include "exec/action.hpp"
#include "exec/journal.hpp"
#include "exec/run_state.hpp"
#include "exec/run_store.hpp"

namespace excise {

namespace {

// The run's journal, or nullopt (and why, in `problem`) when it cannot be read.
std::optional<RunState> read_run(const StateDir& state, const std::string& id,
                                 std::string& problem) {
  // A run killed before its first record has no journal: nothing of it happened, and it
  // must not stop every later apply.
  JournalRead read;
  try {
    read = parse_journal(state.journal_bytes(id));
  } catch (const Error& e) {
    read.corruption = e.what();
  }
  if (!read.corruption.empty() || read.records.empty()) {
    problem = read.corruption.empty() ? "empty journal" : read.corruption;
    return std::nullopt;
  }
  return run_state(read.records);
}

bool interrupted(const RunState& run) {
  return !run.ended && run.phase == RunPhase::applying;
}

}  // namespace

bool has_interrupted_runs(const StateDir& state) {
  for (const auto& id : state.run_ids()) {
    std::string problem;
    const auto run = read_run(state, id, problem);
    if (run && interrupted(*run)) return true;
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
      log << "excise: note: run " << id
          << " has a damaged journal and is left as it is: " << problem << "\n";
      continue;
    }
    const RunState& run = *found;
    if (!interrupted(run)) continue;
    RunDir run_dir = state.open_run(id);
    FileJournal journal(run_dir.dir(), "journal");
    ExecContext context(root, backend, run_dir, target, log);
    for (const auto& [seq, step] : run.steps) {
      if (step.done || step.failed) continue;
      if (const Action* action = find_action(step.step.action)) {
        context.seq = seq;
        action->settle(step.step, step.undo, context);
      }
    }
    journal.append({{"type", "end"}, {"status", "interrupted"}});
    log << "excise: note: run " << id << " was interrupted at step " << run.steps.size()
        << "; it stays undoable with `excise rollback " << id << "`\n";
    ++closed;
  }
  return closed;
}

}  // namespace excise
