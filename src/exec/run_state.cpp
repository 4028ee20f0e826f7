#include "exec/run_state.hpp"

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "plan/plan_json.hpp"

namespace excise {
namespace {

[[noreturn]] void bad(std::size_t index, const std::string& what) {
  throw Error(Failure::input, "journal record " + std::to_string(index + 1) + ": " + what);
}

std::size_t seq_of(const json& record, std::size_t index) {
  const auto it = record.find("seq");
  if (it == record.end() || !it->is_number_unsigned() || it->get<std::size_t>() == 0) {
    bad(index, "missing or invalid 'seq'");
  }
  return it->get<std::size_t>();
}

std::string text_of(const json& record, const char* key) {
  const auto it = record.find(key);
  return it != record.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string_view run_phase_name(RunPhase phase) {
  switch (phase) {
    case RunPhase::applying:
      return "interrupted";
    case RunPhase::applied:
      return "applied";
    case RunPhase::failed:
      return "failed";
    case RunPhase::rolling_back:
      return "rollback-interrupted";
    case RunPhase::rolled_back:
      return "rolled-back";
    case RunPhase::rollback_incomplete:
      return "rollback-incomplete";
  }
  return "unknown";
}

RunState run_state(const std::vector<json>& records) {
  RunState state;
  if (records.empty()) throw Error(Failure::input, "journal is empty");
  const json& header = records.front();
  state.id = text_of(header, "run");
  state.command = text_of(header, "command");
  state.root = decode_bytes(text_of(header, "root"));
  state.started = text_of(header, "started");
  const auto note_pid = [&](const json& r) {
    if (const auto pid = r.find("pid"); pid != r.end() && pid->is_number_integer())
      state.pids.push_back(pid->get<std::int64_t>());
  };
  note_pid(header);
  const json* planned = nullptr;
  if (const auto plan = header.find("plan"); plan != header.end() && plan->is_object()) {
    if (const auto steps = plan->find("steps"); steps != plan->end() && steps->is_array()) {
      state.planned_steps = steps->size();
      planned = &*steps;
    }
    if (const auto playbooks = plan->find("playbooks"); playbooks != plan->end()) {
      for (const auto& p : *playbooks)
        state.products.push_back(text_of(p, "product"));
    }
  }

  for (std::size_t i = 1; i < records.size(); ++i) {
    const json& r = records[i];
    const std::string type = text_of(r, "type");
    if (type == "begin") {
      const std::size_t seq = seq_of(r, i);
      StepRecord& step = state.steps[seq];
      step.seq = seq;
      const auto found = r.find("step");
      if (found == r.end()) bad(i, "'begin' without its 'step'");
      step.step = step_from_json(*found, "journal record " + std::to_string(i + 1));
      step.undo = r.value("undo", json::object());
    } else if (type == "done" || type == "failed" || type == "undo-begin" || type == "undo-done" ||
               type == "undo-failed") {
      const std::size_t seq = seq_of(r, i);
      const auto it = state.steps.find(seq);
      if (it == state.steps.end())
        bad(i, "'" + type + "' for step " + std::to_string(seq) + " which never began");
      StepRecord& step = it->second;
      if (type == "done") {
        step.done = true;
        if (r.contains("undo")) step.undo = r["undo"];
      } else if (type == "failed") {
        step.failed = true;
        step.error = text_of(r, "error");
      } else if (type == "undo-done") {
        step.undone = true;
        step.undo_failed = false;
      } else if (type == "undo-failed") {
        step.undo_failed = true;
        step.undo_error = text_of(r, "error");
      }
    } else if (type == "end") {
      const std::string status = text_of(r, "status");
      state.ended = true;
      state.end_status = status;
      if (r.contains("failed_in_prepare") && r["failed_in_prepare"].is_number_unsigned())
        state.failed_in_prepare = r["failed_in_prepare"].get<std::size_t>();
      // "interrupted": a later apply closed a run that had been killed halfway.
      state.phase = status == "applied"       ? RunPhase::applied
                    : status == "interrupted" ? RunPhase::applying
                                              : RunPhase::failed;
    } else if (type == "rollback-begin") {
      state.phase = RunPhase::rolling_back;
      note_pid(r);
    } else if (type == "rollback-end") {
      state.phase = text_of(r, "status") == "rolled-back" ? RunPhase::rolled_back
                                                          : RunPhase::rollback_incomplete;
    } else {
      bad(i, "unknown record type '" + type + "'");
    }
  }
  // Steps are prepared and begun in order, so only the one after the last begun step can
  // have been prepared without a durable "begin".
  const std::size_t next = state.steps.empty() ? 1 : state.steps.rbegin()->first + 1;
  if (state.end_status.empty() || state.end_status == "interrupted" ||
      (state.end_status == "failed" && state.failed_in_prepare == next)) {
    if (planned != nullptr && next <= planned->size()) {
      try {
        state.preparing = step_from_json((*planned)[next - 1], "journal record 1 (plan)");
        state.preparing_seq = next;
      } catch (const Error&) {
        // A plan we cannot read names no step to tidy; undoing what began does not need it.
      }
    }
  }
  return state;
}

}  // namespace excise
