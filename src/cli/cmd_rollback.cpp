// excise rollback: undo a run from its journal, newest step first, through the same
// executor. Safe to repeat: steps already undone are skipped.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/executor.hpp"
#include "exec/journal.hpp"
#include "exec/run_lock.hpp"
#include "exec/run_state.hpp"
#include "exec/run_store.hpp"
#include "plan/target.hpp"
#include "report/run_text.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

RunState read_run(const StateDir& state, const std::string& id, JournalRead& read) {
  read = parse_journal(state.journal_bytes(id));
  if (!read.corruption.empty()) {
    throw Error(Failure::input, "the journal of run " + id + " is damaged: " + read.corruption +
                                    "; nothing was done. Inspect " + shown(state.host_path()) +
                                    "/runs/" + id + " by hand");
  }
  RunState run = run_state(read.records);
  run.torn_tail = read.torn_tail;
  return run;
}

std::size_t steps_to_undo(const RunState& run) {
  std::size_t n = 0;
  for (const auto& [seq, step] : run.steps)
    n += step.undone ? 0 : 1;
  return n;
}

int nothing_to_undo(const GlobalOptions& global, const RollbackOptions& options,
                    const std::string& id, const std::string& why) {
  if (global.format == OutputFormat::json) {
    // The same document as any rollback (format_version, dry_run, error...), empty.
    nlohmann::json out = run_to_json({id, "rollback", true, false, options.dry_run, {}, ""});
    out["exit_code"] = 0;
    print_json(out);
  } else {
    std::cout << "run " << id << " " << why << "\n";
  }
  return 0;
}

}  // namespace

int run_rollback(const GlobalOptions& global, const RollbackOptions& options) {
  if (options.last == !options.run.empty()) {
    throw Error(Failure::usage, "rollback needs a run id or --last (excise runs lists the runs)");
  }
  const sys::SafeRoot root = open_root(global);
  // The parent's times, if kept for later, are put back again after the undo (below).
  auto state = StateDir::open(root, global.state_dir, false, !options.dry_run);
  if (!state || state->run_ids().empty()) {
    throw Error(Failure::usage, "no runs recorded for " + shown(root.path()) + " (in " +
                                    shown(StateDir::location(root, global.state_dir)) + ")");
  }
  const std::string id = options.last ? state->run_ids().back() : options.run;

  // Read (and so check) the run and ask before taking the lock: an unknown id, a damaged
  // journal or a "no" leave the state directory exactly as it was.
  JournalRead read;
  std::optional<RunLock> lock;
  auto take_lock = [&] {
    if (!options.dry_run && !lock)
      lock.emplace(RunLock::acquire(state->dir(), "excise rollback " + id + " on " + root.path(),
                                    state->host_path()));
  };
  // Nothing to undo still finishes what an earlier run left for later (the state
  // directory's parent times), under the lock.
  auto nothing_left = [&](const std::string& why) {
    if (!options.dry_run) {
      take_lock();
      state->finish_parent_times();
    }
    return nothing_to_undo(global, options, id, why);
  };
  if (const JournalRead peek = parse_journal(state->journal_bytes(id));
      peek.corruption.empty() && peek.records.empty()) {
    // Stopped before its header was durable, and the header comes before any change.
    return nothing_left(
        "recorded nothing (it was stopped before its journal began), so it changed nothing: "
        "nothing to undo");
  }
  RunState run = read_run(*state, id, read);
  if (run.torn_tail) {
    std::cerr << "excise: note: the journal of run " << id
              << " ends in a record that was never completed (the run was killed while writing "
                 "it); it is ignored: it was never made durable, so nothing was done after it\n";
  }
  auto phase_note = [&] {
    return "has nothing left to undo (" + std::string(run_phase_name(run.phase)) + ")";
  };
  const std::size_t pending = steps_to_undo(run);
  if (pending == 0) return nothing_left(phase_note());
  if (!options.yes && !options.dry_run &&
      !confirm("Undo " + std::to_string(pending) + " steps of run " + id + " on " +
                   shown(root.path()) + "?",
               "--yes")) {
    std::cerr << "excise: nothing was changed\n";
    return 1;
  }

  if (!options.dry_run) {
    take_lock();
    // Read again under the lock: another rollback may have undone steps meanwhile.
    run = read_run(*state, id, read);
    if (steps_to_undo(run) == 0) return nothing_left(phase_note());
  }

  const Target target = probe_target(root);
  RunDir run_dir = state->open_run(id);
  auto step_printer = [](const StepResult& r, std::size_t total, bool started) {
    print_step_progress(std::cerr, r, total, started);
  };
  RunResult result;
  if (options.dry_run) {
    const auto backend = sys::make_dry_run_backend(std::cerr);
    NullJournal journal;
    ExecContext context{root, *backend, run_dir, target, std::cerr};
    result = rollback_run(run, context, journal, step_printer);
  } else {
    // FileJournal cuts off a torn last record before appending (exec/journal.hpp).
    FileJournal journal(run_dir.dir(), "journal");
    const auto backend = sys::make_real_backend();
    ExecContext context{root, *backend, run_dir, target, std::cerr};
    result = rollback_run(run, context, journal, step_printer);
    state->finish_parent_times();
  }
  if (global.format == OutputFormat::json) {
    nlohmann::json out = run_to_json(result);
    out["exit_code"] = result.ok ? 0 : 1;
    print_json(out);
  } else {
    std::cout << render_run_text(result);
  }
  return result.ok ? 0 : 1;
}

}  // namespace excise
