// excise runs: every run recorded for the root, with its state.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/journal.hpp"
#include "exec/run_state.hpp"
#include "exec/run_store.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

// One run's line and JSON entry. Throws Error when its journal cannot be read or makes no
// sense.
nlohmann::json describe_run(const StateDir& state, const std::string& id, std::string& text) {
  const JournalRead read = parse_journal(state.journal_bytes(id));
  if (!read.corruption.empty()) throw Error(Failure::input, read.corruption);
  if (read.records.empty()) {
    // Killed before its header was durable: it changed nothing (see excise rollback).
    text +=
        fmt::format("{}  empty: stopped before its journal began; changed nothing\n", shown(id));
    return {{"run", encode_bytes(id)}, {"state", "empty"}};
  }
  const RunState run = run_state(read.records);
  std::size_t done = 0, undone = 0;
  for (const auto& [seq, step] : run.steps) {
    done += step.done ? 1 : 0;
    undone += step.undone ? 1 : 0;
  }
  std::string products;
  for (const auto& p : run.products)
    products += (products.empty() ? "" : ",") + p;
  text += fmt::format("{}  {:<20} {} steps done of {}, {} undone  {}  {}\n", shown(id),
                      run_phase_name(run.phase), done, run.planned_steps, undone,
                      shown(run.started), shown(products));
  return {{"run", encode_bytes(id)},
          {"command", run.command},
          {"state", std::string(run_phase_name(run.phase))},
          {"started", run.started},
          {"planned_steps", run.planned_steps},
          {"steps_done", done},
          {"steps_undone", undone},
          {"products", run.products}};
}

}  // namespace

int run_runs(const GlobalOptions& global) {
  const sys::SafeRoot root = open_root(global);
  const auto state = StateDir::open(root, global.state_dir, false);
  nlohmann::json runs = nlohmann::json::array();
  std::string text;
  for (const auto& id : state ? state->run_ids() : std::vector<std::string>{}) {
    // One damaged run is listed as such; it does not hide the others.
    try {
      runs.push_back(describe_run(*state, id, text));
    } catch (const std::exception& e) {  // also a record of the wrong JSON shape
      runs.push_back(
          {{"run", encode_bytes(id)}, {"state", "damaged"}, {"problem", encode_bytes(e.what())}});
      text += fmt::format("{}  damaged: {}\n", shown(id), shown(e.what()));
    }
  }
  if (global.format == OutputFormat::json) {
    print_json({{"format", "excise-runs"},
                {"format_version", 1},
                {"root", encode_bytes(root.path())},
                {"runs", runs},
                {"changed", false}});
  } else if (runs.empty()) {
    std::cout << "no runs recorded for " << shown(root.path()) << "\n";
  } else {
    std::cout << text;
  }
  return 0;
}

}  // namespace excise
