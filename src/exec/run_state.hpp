// What a journal says about its run: which steps began, finished, failed, were undone,
// and so what state the run is in. A pure function of the records.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "excise/plan.hpp"

namespace excise {

using json = nlohmann::json;

enum class RunPhase {
  applying,             // apply began and did not end: killed, or still running
  applied,              // every step done
  failed,               // a step failed; the journal says which
  rolling_back,         // rollback began and did not end
  rolled_back,          // every begun step undone
  rollback_incomplete,  // rollback ended with steps it could not put back
};
std::string_view run_phase_name(RunPhase phase);

struct StepRecord {
  std::size_t seq = 0;
  Step step;
  json undo = json::object();  // the latest: from "done" if present, else from "begin"
  bool done = false;
  bool failed = false;
  std::string error;
  bool undone = false;
  bool undo_failed = false;
  std::string undo_error;
};

struct RunState {
  std::string id;
  std::string command;  // "apply"
  std::string root;
  std::string started;
  std::vector<std::string> products;
  std::size_t planned_steps = 0;
  RunPhase phase = RunPhase::applying;
  bool ended = false;      // the apply wrote its "end" record (or a later run closed it)
  std::string end_status;  // of the "end" record: applied, failed, interrupted; "" if none
  std::map<std::size_t, StepRecord> steps;  // every step that began, by seq
  bool torn_tail = false;
  // Every process that worked on the run (the apply's, each rollback's), from the header
  // and the "rollback-begin" records.
  std::vector<std::int64_t> pids;
  // The step after the last one that began, when the apply stopped without ending (killed,
  // or its prepare threw) or ended at that step's failed prepare: its prepare may have run
  // without its "begin" record, leaving links in the run's quarantine or locks behind
  // (exec/residue.hpp).
  std::optional<Step> preparing;
  std::size_t preparing_seq = 0;
  std::size_t failed_in_prepare = 0;  // the step whose prepare failed and ended the run, or 0
};

// Throws Error(input) when the records do not make sense (a "done" without its "begin"...).
RunState run_state(const std::vector<json>& records);

}  // namespace excise
