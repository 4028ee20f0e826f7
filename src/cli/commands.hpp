// One file per subcommand, each with its options and a run() returning the exit code.
#pragma once

#include <string>
#include <vector>

#include "cli/common.hpp"

namespace excise {

struct PlanOptions {
  std::vector<std::string> playbooks;
  bool explain = false;
  std::string output;  // -o FILE: save the plan for `apply FILE`
};
int run_plan(const GlobalOptions& global, const PlanOptions& options);

struct ApplyOptions {
  std::vector<std::string> inputs;  // a saved plan file, or playbooks / product ids
  bool dry_run = false;
  bool yes = false;
};
int run_apply(const GlobalOptions& global, const ApplyOptions& options);

struct RollbackOptions {
  std::string run;
  bool last = false;
  bool yes = false;
  bool dry_run = false;
};
int run_rollback(const GlobalOptions& global, const RollbackOptions& options);

int run_runs(const GlobalOptions& global);

struct ValidateOptions {
  std::vector<std::string> playbooks;
};
int run_validate(const GlobalOptions& global, const ValidateOptions& options);

int run_list(const GlobalOptions& global);

}  // namespace excise
