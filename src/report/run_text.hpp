// Apply and rollback results for people (progress lines, a closing summary) and for
// programs (a JSON document with "changed", per-step status and the run id).
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "exec/executor.hpp"

namespace excise {

// "[ 3/12] path.quarantine /opt/acme ... done"; printed as each step ends.
void print_step_progress(std::ostream& out, const StepResult& result, std::size_t total,
                         bool started);
std::string render_run_text(const RunResult& run);
nlohmann::json run_to_json(const RunResult& run);

}  // namespace excise
