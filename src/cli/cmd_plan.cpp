// excise plan: what is here, what would go, in which order and why.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "excise/error.hpp"
#include "plan/plan_json.hpp"
#include "plan/planner.hpp"
#include "report/plan_text.hpp"
#include "system/safe_root.hpp"

namespace excise {

int run_plan(const GlobalOptions& global, const PlanOptions& options) {
  const std::vector<Playbook> playbooks = load_requested_playbooks(global, options.playbooks);
  const sys::SafeRoot root = open_root(global);
  Diagnostics diags;
  const Plan plan = make_plan(playbooks, root, diags);
  if (!diags.empty()) throw Error(Failure::input, "cannot plan:\n" + diags.str());

  const nlohmann::json document = plan_to_json(plan);
  if (!options.output.empty()) {
    // The saved plan names its playbooks by absolute path: `apply FILE` re-reads them, and
    // may well run from another directory than this plan did.
    Plan saved = plan;
    for (auto& p : saved.playbooks)
      p.path = absolute_host_path(p.path);
    write_host_file(options.output, plan_to_json(saved).dump(2) + "\n");
    std::cerr << "excise: plan saved to " << options.output << "; apply it with: excise apply "
              << options.output << "\n";
  }
  if (global.format == OutputFormat::json) {
    nlohmann::json out = document;
    out["exit_code"] = plan_exit_code(plan);
    print_json(out);
  } else {
    std::cout << render_plan_text(plan, options.explain);
  }
  return plan_exit_code(plan);
}

}  // namespace excise
