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

}  // namespace

int run_rollback(const GlobalOptions& global, const RollbackOptions& options) {
  if (options.last == !options.run.empty()) {
    throw Error(Failure::usage, "rollback needs a run id or --last (excise runs lists the runs)");
  }
  const sys::SafeRoot root = open_root(global);
  auto state = StateDir::open(root, global.state_dir, false);
  if (!state || state->run_ids().empty()) {
    throw Error(Failure::usage, "no runs recorded for " + shown(root.path()) + " (in " +
                                    shown(StateDir::location(root, global.state_dir)) + ")");
  }
  const std::string id = options.last ? state->run_ids().back() : options.run;

  // Read (and so check) the run and ask before taking the lock: an unknown id, a damaged
  // journal or a "no" leave the state directory exactly as it was.
  JournalRead read;
  RunState run = read_run(*state, id, read);
  auto nothing_left = [&] {
    if (global.format == OutputFormat::json) {
      // The same document as any rollback (format_version, dry_run, error...), empty.
      nlohmann::json out = run_to_json({id, "rollback", true, false, options.dry_run, {}, ""});
      out["exit_code"] = 0;
      print_json(out);
    } else {
      std::cout << "run " << id << " has nothing left to undo (" << run_phase_name(run.phase)
                << ")\n";
    }
    return 0;
  };
  const std::size_t pending = steps_to_undo(run);
  if (pending == 0) return nothing_left();
  if (!options.yes && !options.dry_run &&
      !confirm("Undo " + std::to_string(pending) + " steps of run " + id + " on " +
                   shown(root.path()) + "?",
               "--yes")) {
    std::cerr << "excise: nothing was changed\n";
    return 1;
  }

  std::optional<RunLock> lock;
  if (!options.dry_run) {
    lock.emplace(RunLock::acquire(state->dir(), "excise rollback " + id + " on " + root.path()));
    // Read again under the lock: another rollback may have undone steps meanwhile.
    run = read_run(*state, id, read);
    if (steps_to_undo(run) == 0) return nothing_left();
  }
  if (run.torn_tail) {
    std::cerr << "excise: note: the journal of run " << id
              << " ends in a record that was never completed (the run was killed while writing "
                 "it); that step never started and is ignored\n";
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
