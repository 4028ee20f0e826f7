#include "report/run_text.hpp"

#include <fmt/format.h>

#include <ostream>

#include "excise/bytes.hpp"
#include "plan/plan_json.hpp"

namespace excise {

void print_step_progress(std::ostream& out, const StepResult& result, std::size_t total,
                         bool started) {
  const std::string head =
      fmt::format("[{:>{}}/{}] {} {}", result.seq, std::to_string(total).size(), total,
                  result.step.action, shown(result.step.target));
  if (started) return;  // one line per step, written when its outcome is known
  std::string line = head + " ... " + result.status;
  if (!result.message.empty()) line += ": " + result.message;
  out << line << "\n";
  for (const auto& note : result.notes)
    out << "        " << shown(note) << "\n";
  out.flush();
}

std::string render_run_text(const RunResult& run) {
  std::size_t done = 0;
  for (const auto& s : run.steps) {
    if (s.status == "done" || s.status == "undone") ++done;
  }
  std::string verb = run.command == "rollback" ? "rolled back" : "applied";
  if (run.dry_run) {
    return fmt::format("dry run: {} steps would run; nothing was changed\n", run.steps.size());
  }
  if (run.ok) {
    std::string out = fmt::format("run {} {}: {} of {} steps {}\n", run.run_id, verb, done,
                                  run.steps.size(), run.command == "rollback" ? "undone" : "done");
    if (run.command == "apply") out += "undo it with: excise rollback " + run.run_id + "\n";
    return out;
  }
  return fmt::format(
      "run {} stopped: {}\nthe journal records where; `excise rollback {}` puts back "
      "what was done\n",
      run.run_id, run.error, run.run_id);
}

nlohmann::json run_to_json(const RunResult& run) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& s : run.steps) {
    nlohmann::json notes = nlohmann::json::array();
    for (const auto& n : s.notes)
      notes.push_back(encode_bytes(n));
    nlohmann::json step = step_to_json(s.step);
    step["seq"] = s.seq;
    step["status"] = s.status;
    step["message"] = encode_bytes(s.message);
    step["notes"] = notes;
    step["changed"] = s.changed;
    steps.push_back(std::move(step));
  }
  return {{"format", "excise-run"},
          {"format_version", 1},
          {"command", run.command},
          {"run", run.run_id},
          {"dry_run", run.dry_run},
          {"ok", run.ok},
          // A dry run changes nothing; what it would change is "would_change".
          {"changed", run.changed && !run.dry_run},
          {"would_change", run.changed},
          {"error", encode_bytes(run.error)},
          {"steps", steps}};
}

}  // namespace excise
