// [[command]]: a program of the product that the playbook runs, typically the vendor's
// uninstaller, in the phase it names. Present while its program (or `if_exists`) exists
// in the root, so a second apply, after the uninstaller removed itself, runs nothing.
// On a live system it runs as it is; on an offline root it runs chrooted into the root,
// in its own PID, IPC, UTS and mount namespaces, so it sees and signals nothing of the
// host. What it changes is not journaled: the step cannot be undone unless the playbook
// gives an `undo` command, and the plan and apply say so.
#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/action.hpp"
#include "kinds/command.hpp"
#include "kinds/command_kind.hpp"
#include "kinds/confined.hpp"
#include "kinds/path_rules.hpp"
#include "plan/detect_context.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

std::vector<std::string> values(const std::vector<Located<std::string>>& argv) {
  std::vector<std::string> out;
  for (const auto& a : argv)
    out.push_back(a.value);
  return out;
}

json argv_json(const std::vector<std::string>& argv) {
  json out = json::array();
  for (const auto& a : argv)
    out.push_back(encode_bytes(a));
  return out;
}

std::vector<std::string> argv_from(const json& j) {
  std::vector<std::string> out;
  for (const auto& a : j)
    out.push_back(decode_bytes(a.get<std::string>()));
  return out;
}

void run_program(const json& argv_param, const Step& step, ExecContext& context) {
  const std::vector<std::string> argv = argv_from(argv_param);
  sys::Command command;
  command.argv = confined_argv(context.target, argv);
  command.env = {"DEBIAN_FRONTEND=noninteractive"};
  command.timeout = std::chrono::seconds(step.params.value("timeout", 300));
  const sys::CommandResult result = context.backend.run(command);
  if (!result.ok()) {
    throw Error(Failure::system, fmt::format("{}: {}", sys::show_command(argv), result.describe()));
  }
  context.changed = true;
}

class RunCommand final : public Action {
 public:
  std::string_view name() const override { return "command.run"; }
  void apply(const Step& step, json&, ExecContext& context) const override {
    run_program(step.params.at("run"), step, context);
  }
  void undo(const Step& step, const json&, ExecContext& context) const override {
    if (step.params.at("undo").empty()) {
      context.notes.push_back("cannot be undone: the playbook gives no undo command for it");
      return;
    }
    run_program(step.params.at("undo"), step, context);
  }
};

}  // namespace

void CommandKind::detect(const Playbook&, const Artifact& artifact, DetectContext& context) const {
  const auto& spec = static_cast<const CommandSpec&>(*artifact.spec);
  const Located<std::string>& program = spec.run.front();
  const Located<std::string>& condition = spec.if_exists ? *spec.if_exists : program;
  std::optional<sys::Resolved> found;
  try {
    found = context.root().resolve(condition.value);
  } catch (const sys::UnsafePath& e) {
    context.block(condition.value, std::string("unsafe path: ") + e.what(), condition.loc);
    return;
  }
  if (!found || !found->stat) return;
  const auto run = values(spec.run);
  const auto undo = values(spec.undo);
  Step step;
  step.phase = spec.phase.value;
  step.action = "command.run";
  step.target = artifact.id;
  step.reason =
      fmt::format("{} exists: runs {}{}", shown(condition.value), sys::show_command(run),
                  context.target().live ? "" : " chrooted into the root, in its own namespaces");
  step.reversible = spec.undoable();
  if (!step.reversible) {
    step.irreversible_why =
        "it runs the vendor's own program, whose changes excise does not journal; "
        "give the playbook an `undo` command to make it reversible";
  }
  step.origin = context.origin(artifact.loc);
  step.params = {
      {"run", argv_json(run)}, {"undo", argv_json(undo)}, {"timeout", spec.timeout.value.count()}};
  context.fact("command " + artifact.id + " " + condition.value, path_fact(*found->stat));
  context.propose(std::move(step), {0, 0, "", {}});
}

const Action& run_command_action() {
  static const RunCommand action;
  return action;
}

}  // namespace excise
