// excise apply: carry out a plan (made now, or saved earlier with plan -o) through the
// journal; --dry-run runs the very same executor on a backend that writes nothing.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/executor.hpp"
#include "exec/interrupted.hpp"
#include "exec/run_lock.hpp"
#include "exec/run_store.hpp"
#include "plan/plan_json.hpp"
#include "plan/planner.hpp"
#include "plan/staleness.hpp"
#include "plan/target.hpp"
#include "report/plan_text.hpp"
#include "report/run_text.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

// A saved plan is a JSON file; anything else is a playbook or a product id. A name ending
// in .json is a plan whatever it holds, so that an empty or damaged plan file is reported
// as such and not as a playbook with TOML syntax errors.
bool looks_like_plan_file(const std::vector<std::string>& inputs) {
  if (inputs.size() != 1) return false;
  const std::string& name = inputs[0];
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0) return true;
  try {
    const std::string text = read_host_file(inputs[0]);
    const auto first = text.find_first_not_of(" \t\r\n");
    return first != std::string::npos && text[first] == '{';
  } catch (const Error&) {
    return false;
  }
}

Plan plan_now(const std::vector<Playbook>& playbooks, const sys::SafeRoot& root) {
  Diagnostics diags;
  Plan plan = make_plan(playbooks, root, diags);
  if (!diags.empty()) throw Error(Failure::input, "cannot plan:\n" + diags.str());
  return plan;
}

void refuse_if_stale(const Plan& confirmed, const Plan& now, const std::string& what) {
  const auto differences = stale_facts(confirmed, now);
  if (differences.empty()) return;
  std::string message = what + " no longer matches the system; nothing was changed. What differs:";
  for (const auto& d : differences)
    message += "\n  - " + d;
  message += "\nmake a new plan (excise plan) and review it";
  throw Error(Failure::stale, message);
}

void warn_irreversible(const Plan& plan) {
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& step = plan.steps[i];
    if (step.reversible) continue;
    std::cerr << "excise: warning: step " << i + 1 << " (" << step.action << " "
              << shown(step.target) << ") cannot be undone: " << step.irreversible_why << "\n";
  }
}

int print_result(const GlobalOptions& global, const RunResult& result, const Plan& plan) {
  const bool clean = result.ok && plan.blocked.empty();
  if (global.format == OutputFormat::json) {
    nlohmann::json out = run_to_json(result);
    out["blocked"] = plan_to_json(plan)["blocked"];
    out["exit_code"] = clean ? 0 : 1;
    print_json(out);
  } else {
    std::cout << render_run_text(result);
    if (!plan.blocked.empty()) {
      std::cout << plan.blocked.size() << " item(s) were blocked and are still present:\n";
      for (const auto& b : plan.blocked)
        std::cout << "  " << shown(b.target) << ": " << b.reason << "\n";
    }
  }
  return clean ? 0 : 1;
}

}  // namespace

int run_apply(const GlobalOptions& global, const ApplyOptions& options) {
  const sys::SafeRoot root = open_root(global);
  const Target target = probe_target(root);

  // Inputs first, the state directory after: bad input (a playbook with errors, a plan
  // file that is not a plan, a stale plan) and a "no" at the prompt must leave everything
  // as it was, including the journals of interrupted runs and the lock's holder line.
  std::vector<Playbook> playbooks;
  Plan plan;
  if (looks_like_plan_file(options.inputs)) {
    const std::string& file = options.inputs[0];
    nlohmann::json document;
    try {
      document = nlohmann::json::parse(read_host_file(file));
    } catch (const nlohmann::json::parse_error& e) {
      throw Error(Failure::input, "plan file " + shown(file) + " is not valid JSON: " + e.what());
    }
    const Plan saved = plan_from_json(document, file);
    std::vector<std::string> paths;
    for (const auto& p : saved.playbooks)
      paths.push_back(p.path);
    playbooks = load_requested_playbooks(global, paths);
    refuse_if_stale(saved, plan_now(playbooks, root), "the plan in " + shown(file));
    plan = saved;
  } else {
    playbooks = load_requested_playbooks(global, options.inputs);
    plan = plan_now(playbooks, root);
  }

  auto nothing_to_do = [&] {
    if (global.format == OutputFormat::text)
      std::cout << "nothing to remove on " << shown(plan.root) << "\n";
    return print_result(global, RunResult{"", "apply", true, false, options.dry_run, {}, ""}, plan);
  };
  auto step_printer = [](const StepResult& r, std::size_t total, bool started) {
    print_step_progress(std::cerr, r, total, started);
  };

  if (options.dry_run) {
    if (plan.steps.empty()) return nothing_to_do();
    RunDir run = RunDir::placeholder("dry-run", StateDir::location(root, global.state_dir));
    const auto dry = sys::make_dry_run_backend(std::cerr);
    NullJournal journal;
    ExecContext context{root, *dry, run, target, std::cerr};
    const RunResult result = apply_plan(plan, global.command_line, context, journal, step_printer);
    return print_result(global, result, plan);
  }

  if (!plan.steps.empty()) {
    warn_irreversible(plan);
    if (!options.yes) {
      std::cerr << render_plan_text(plan, false);
      if (!confirm("Apply these " + std::to_string(plan.steps.size()) + " steps to " +
                       shown(plan.root) + "?",
                   "--yes")) {
        std::cerr << "excise: nothing was changed\n";
        return 1;
      }
    }
  }

  // A run killed halfway is closed first (under the lock, so it is not a live one).
  const auto backend = sys::make_real_backend();
  std::optional<StateDir> state = StateDir::open(root, global.state_dir, !plan.steps.empty());
  std::optional<RunLock> lock;
  // With nothing to do and no run to close or tidy, no lock either: a second apply writes nothing
  // at all (DESIGN.md invariant 4), not even the lock's holder line.
  if (state && (!plan.steps.empty() || has_runs_to_close(*state, root, target, *backend))) {
    lock.emplace(
        RunLock::acquire(state->dir(), "excise apply on " + root.path(), state->host_path()));
    close_interrupted_runs(*state, root, target, *backend, std::cerr);
  }

  if (plan.steps.empty()) return nothing_to_do();

  // Under the lock, the system must still be the one the plan (and the person) saw.
  refuse_if_stale(plan, plan_now(playbooks, root), "the plan");

  RunDir run = state->create_run();
  FileJournal journal(run.dir(), "journal");
  ExecContext context{root, *backend, run, target, std::cerr};
  RunResult result;
  try {
    result = apply_plan(plan, global.command_line, context, journal, step_printer);
  } catch (const Error& e) {
    // The run stopped at once (the journal cannot be written or synced: S15), so nothing
    // after the last durable record happened. Say what can be done with it.
    throw Error(e.failure(), std::string(e.what()) + "\nrun " + run.id() +
                                 " stopped there; once the cause is fixed, `excise rollback " +
                                 run.id() +
                                 "` puts back what it did, or `excise apply` again "
                                 "finishes it");
  }
  return print_result(global, result, plan);
}

}  // namespace excise
