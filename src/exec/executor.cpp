#include "exec/executor.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/clock.hpp"
#include "excise/error.hpp"
#include "exec/fail_points.hpp"
#include "exec/residue.hpp"
#include "exec/run_store.hpp"
#include "plan/plan_json.hpp"
#include "system/backend.hpp"

namespace excise {
namespace {

const Action& action_for(const Step& step) {
  const Action* action = find_action(step.action);
  if (action == nullptr) {
    throw Error(Failure::input,
                "unknown action '" + step.action + "' (plan or journal from another excise?)");
  }
  return *action;
}

json notes_json(const std::vector<std::string>& notes) {
  json out = json::array();
  for (const auto& n : notes)
    out.push_back(encode_bytes(n));
  return out;
}

// Runs one step's apply; journal failures propagate (the run must stop at once).
StepResult run_step(const Step& step, std::size_t seq, ExecContext& context, Journal& journal) {
  StepResult result{seq, step, "done", "", {}, false};
  const Action& action = action_for(step);
  context.seq = seq;
  context.notes.clear();
  context.changed = false;
  struct DropHeld {
    ExecContext& c;
    ~DropHeld() { c.held.reset(); }
  } drop_held{context};
  json undo;
  // Nothing journaled names what prepare made so far: if it fails, drop that now (a kill
  // instead is handled by the next rollback or apply, exec/residue.hpp). Best effort: the
  // error that stopped prepare is the one to report.
  auto drop_prepared = [&] {
    try {
      discard_prepared(step, seq, context);
    } catch (const std::exception&) {
    }
  };
  try {
    undo = action.prepare(step, context);
  } catch (const Error& e) {
    // Nothing was changed yet: prepare only looks, takes locks (a held shadow lock times
    // out here: SAFETY S19) and keeps copies. The step fails before it begins, so it has
    // no record to undo; the run ends "failed" with the reason in its "end" record, not
    // looking like a killed one.
    drop_prepared();
    result.status = "failed";
    result.message = e.what();
    result.notes = context.notes;
    return result;
  } catch (...) {
    drop_prepared();
    throw;
  }
  journal.append({{"type", "begin"}, {"seq", seq}, {"step", step_to_json(step)}, {"undo", undo}});
  result.begun = true;
  try {
    // Inside the try: an injected EIO here is the step failing as it acts, and must end
    // the run "failed" in the journal like a real one, not escape and leave it unended.
    fail_point("step.before-act");
    action.apply(step, undo, context);
  } catch (const Error& e) {
    result.status = "failed";
    result.message = e.what();
    result.notes = context.notes;
    journal.append({{"type", "failed"}, {"seq", seq}, {"error", encode_bytes(e.what())}});
    return result;
  }
  fail_point("step.after-act");
  result.notes = context.notes;
  result.changed = context.changed;
  journal.append({{"type", "done"},
                  {"seq", seq},
                  {"undo", undo},
                  {"changed", context.changed},
                  {"notes", notes_json(context.notes)}});
  return result;
}

}  // namespace

RunResult apply_plan(const Plan& plan, const std::string& command_line, ExecContext& context,
                     Journal& journal, const StepListener& listener) {
  RunResult run;
  run.run_id = context.run.id();
  run.command = "apply";
  run.dry_run = !context.backend.writes();
  json header = journal_header();
  header.update({{"run", context.run.id()},
                 {"command", "apply"},
                 {"command_line", encode_bytes(command_line)},
                 {"tool_version", EXCISE_VERSION},
                 {"root", encode_bytes(context.target.root_path)},
                 {"started", utc_now()},
                 {"pid", static_cast<std::int64_t>(::getpid())},
                 {"plan", plan_to_json(plan)}});
  journal.append(header);
  const std::size_t total = plan.steps.size();
  for (std::size_t i = 0; i < total; ++i) {
    listener({i + 1, plan.steps[i], "started", "", {}, false}, total, true);
    StepResult result = run_step(plan.steps[i], i + 1, context, journal);
    listener(result, total, false);
    run.changed = run.changed || result.changed;
    run.steps.push_back(result);
    if (result.status == "failed") {
      run.ok = false;
      run.error = "step " + std::to_string(i + 1) + " (" + plan.steps[i].action + " " +
                  shown(plan.steps[i].target) + ") failed: " + result.message;
      for (std::size_t j = i + 1; j < total; ++j) {
        run.steps.push_back({j + 1, plan.steps[j], "not-started", "", {}, false});
      }
      break;
    }
  }
  json end = {{"type", "end"},
              {"status", run.ok ? "applied" : "failed"},
              {"error", encode_bytes(run.error)},
              {"ended", utc_now()}};
  // A step that failed in prepare has no "begin": name it, so that what prepare made and
  // could not drop (the fault that stopped it may have stopped that too) is dropped by
  // the rollback or the next apply (exec/residue.hpp).
  if (!run.ok && !run.steps.empty()) {
    for (const auto& s : run.steps)
      if (s.status == "failed" && !s.begun) end["failed_in_prepare"] = s.seq;
  }
  journal.append(end);
  return run;
}

RunResult rollback_run(const RunState& state, ExecContext& context, Journal& journal,
                       const StepListener& listener) {
  RunResult run;
  run.run_id = state.id;
  run.command = "rollback";
  run.dry_run = !context.backend.writes();
  journal.append({{"type", "rollback-begin"},
                  {"started", utc_now()},
                  {"pid", static_cast<std::int64_t>(::getpid())}});
  context.earlier_pids = state.pids;
  // The newest thing a stopped apply may have done: prepare a step it never began.
  discard_prepared(state, context);
  const std::size_t total = state.steps.size();
  for (auto it = state.steps.rbegin(); it != state.steps.rend(); ++it) {
    const StepRecord& record = it->second;
    if (record.undone) {
      run.steps.push_back({record.seq, record.step, "skipped", "already undone", {}, false});
      continue;
    }
    StepResult result{record.seq, record.step, "undone", "", {}, false};
    listener(result, total, true);
    context.seq = record.seq;
    context.notes.clear();
    context.changed = false;
    journal.append({{"type", "undo-begin"}, {"seq", record.seq}});
    try {
      fail_point("undo.before-act");  // inside the try: an injected EIO is an undo failing
      action_for(record.step).undo(record.step, record.undo, context);
    } catch (const Error& e) {
      result.status = "undo-failed";
      result.message = e.what();
    } catch (const json::exception& e) {
      // The journal passed its checksums but this step's record lacks what undo reads:
      // written by another excise, or crafted (a crc32 is no signature). Stop here, in
      // order, and say which record, rather than end as an "internal error".
      result.status = "undo-failed";
      result.message = "its journal record is malformed (" + std::string(e.what()) + ")";
    }
    result.notes = context.notes;
    result.changed = context.changed;
    run.changed = run.changed || context.changed;
    if (result.status == "undo-failed") {
      journal.append(
          {{"type", "undo-failed"}, {"seq", record.seq}, {"error", encode_bytes(result.message)}});
      run.ok = false;
      run.error = "step " + std::to_string(record.seq) + " (" + record.step.action + " " +
                  shown(record.step.target) + ") could not be undone: " + result.message;
    } else {
      journal.append(
          {{"type", "undo-done"}, {"seq", record.seq}, {"notes", notes_json(result.notes)}});
    }
    listener(result, total, false);
    run.steps.push_back(std::move(result));
    if (!run.ok) break;  // keep the order: an older step may depend on this one
  }
  journal.append({{"type", "rollback-end"},
                  {"status", run.ok ? "rolled-back" : "incomplete"},
                  {"ended", utc_now()}});
  return run;
}

}  // namespace excise
