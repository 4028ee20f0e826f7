// excise: remove banned software products, with a plan first and a rollback after.
// main is a short script: parse the command line, run one subcommand, map errors to
// exit codes in one place.
#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "excise/error.hpp"
#include "exec/fail_points.hpp"

namespace {

constexpr const char* kExitCodes = R"(Exit codes:
  plan              0 nothing banned found, 2 something to remove (or blocked), 1 error
  apply, rollback   0 success, 1 failure (the journal says where it stopped)
  validate          0 all playbooks valid, 1 errors
  anything else     0 success, 1 error
With --format json, stdout carries one JSON document (with "changed") and logs go to stderr.)";

// Whether the command line asks for JSON, read from argv itself: a parse error can come
// before CLI11 has stored --format, and a wrapper that asked for JSON must still get a
// JSON error document.
bool asks_for_json(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--format=json" ||
        (arg == "--format" && i + 1 < argc && argv[i + 1] == std::string_view("json")))
      return true;
  }
  return false;
}

// CLI11 says "A subcommand is required" for `excise frobnicate` (the unknown word is left
// over, not rejected): name the word instead, and the subcommands there are.
std::string usage_error_text(const CLI::App& app, const CLI::ParseError& e) {
  constexpr const char* kSubcommands = "plan, apply, rollback, runs, validate, list";
  if (app.get_subcommands().empty()) {
    const auto left = app.remaining();
    if (left.empty()) return std::string("a subcommand is needed: ") + kSubcommands;
    if (left.front().empty() || left.front()[0] != '-')
      return "unknown subcommand '" + left.front() + "' (the subcommands are " + kSubcommands + ")";
  }
  return std::string(e.what()) + " (see excise --help)";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace excise;
  GlobalOptions global;
  std::function<int()> run;

  CLI::App app{"excise: remove banned software products from Linux machines and offline images"};
  app.footer(kExitCodes);
  app.set_version_flag("--version", "excise " EXCISE_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand: excise apply --root /mnt
  app.add_option("--root", global.root, "Target root: / (this machine) or a mounted image")
      ->default_val("/");
  app.add_option("--state-dir", global.state_dir,
                 "Where journals and quarantine live (default <root>/var/lib/excise)");
  // One directory per --catalogue: a vector option would otherwise also take the
  // product ids after it ("apply --catalogue DIR kesl" would apply the whole catalogue).
  app.add_option("--catalogue", global.catalogue_dirs,
                 "Catalogue directory (repeatable; default: the shipped playbooks and "
                 "/etc/excise/playbooks.d)")
      ->allow_extra_args(false);
  std::string format = "text";
  app.add_option("--format", format, "Output: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_val("text");
  app.add_flag("-v,--verbose", global.verbosity, "More detail on stderr (repeatable)");

  auto* plan = app.add_subcommand("plan", "Show what would be removed, in order, and why");
  PlanOptions plan_options;
  plan->add_option("playbooks", plan_options.playbooks,
                   "Playbook files or product ids (default: all)");
  plan->add_flag("--explain", plan_options.explain, "Show the playbook line behind every step");
  plan->add_option("-o,--output", plan_options.output,
                   "Save the plan as JSON for `excise apply FILE`");
  plan->callback([&] { run = [&] { return run_plan(global, plan_options); }; });

  auto* apply = app.add_subcommand("apply", "Remove what the plan shows (journaled, undoable)");
  ApplyOptions apply_options;
  apply->add_option("inputs", apply_options.inputs,
                    "A saved plan file, or playbooks / product ids");
  apply->add_flag("-n,--dry-run", apply_options.dry_run,
                  "Run every step on a backend that writes nothing");
  apply->add_flag("-y,--yes", apply_options.yes, "Do not ask for confirmation");
  apply->callback([&] { run = [&] { return run_apply(global, apply_options); }; });

  auto* rollback = app.add_subcommand("rollback", "Undo a run from its journal, newest step first");
  RollbackOptions rollback_options;
  rollback->add_option("run", rollback_options.run, "Run id (see `excise runs`)");
  rollback->add_flag("--last", rollback_options.last, "The most recent run");
  rollback->add_flag("-y,--yes", rollback_options.yes, "Do not ask for confirmation");
  rollback->add_flag("-n,--dry-run", rollback_options.dry_run, "Show what would be put back");
  rollback->callback([&] { run = [&] { return run_rollback(global, rollback_options); }; });

  auto* runs = app.add_subcommand("runs", "List the runs on this root and their state");
  runs->callback([&] { run = [&] { return run_runs(global); }; });

  auto* validate =
      app.add_subcommand("validate", "Check playbooks; report every error as FILE:LINE:COL");
  ValidateOptions validate_options;
  validate->add_option("playbooks", validate_options.playbooks,
                       "Playbook files or product ids (default: all)");
  validate->callback([&] { run = [&] { return run_validate(global, validate_options); }; });

  auto* list = app.add_subcommand("list", "List the catalogue: id, name, vendor, origin");
  list->callback([&] { run = [&] { return run_list(global); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (format == "json" || asks_for_json(argc, argv)) global.format = OutputFormat::json;
    report_error(global, usage_error_text(app, e));
    return 1;  // usage errors are errors (2 means "something found" for plan)
  }
  global.format = format == "json" ? OutputFormat::json : OutputFormat::text;
  for (int i = 0; i < argc; ++i)
    global.command_line += (i ? " " : "") + std::string(argv[i]);

  try {
    fail_points::check_environment();  // a malformed EXCISE_FAIL_POINTS is a usage error up front
    return run();
  } catch (const Error& e) {
    report_error(global, e.what());
    return 1;
  } catch (const std::exception& e) {
    report_error(global, std::string("internal error: ") + e.what());
    return 1;
  }
}
