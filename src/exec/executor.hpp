// Runs a plan, or undoes a run, step by step through the journal. The same code runs a
// dry run: the context then holds the dry-run backend and a NullJournal.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "excise/plan.hpp"
#include "exec/action.hpp"
#include "exec/journal.hpp"
#include "exec/run_state.hpp"

namespace excise {

struct StepResult {
  std::size_t seq = 0;
  Step step;
  std::string status;  // "done", "failed", "not-started", "undone", "undo-failed", "skipped"
  std::string message;
  std::vector<std::string> notes;
  bool changed = false;
  bool begun = false;  // its "begin" record was journaled (prepare succeeded)
};

struct RunResult {
  std::string run_id;
  std::string command;  // "apply", "rollback"
  bool ok = true;
  bool changed = false;
  bool dry_run = false;
  std::vector<StepResult> steps;
  std::string error;  // why it stopped, when !ok
};

// Told about each step as it starts and ends (progress output).
using StepListener = std::function<void(const StepResult& result, std::size_t total, bool started)>;

// Journals the header (with the whole plan), then each step: begin (durable), act, done.
// Stops at the first failure and says where.
RunResult apply_plan(const Plan& plan, const std::string& command_line, ExecContext& context,
                     Journal& journal, const StepListener& listener);

// Undoes the steps of a run that began, newest first, skipping those already undone,
// appending to the same journal. Running it again after an interruption finishes the job.
RunResult rollback_run(const RunState& state, ExecContext& context, Journal& journal,
                       const StepListener& listener);

}  // namespace excise
