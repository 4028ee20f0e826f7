// service.disable: the links that enable a unit go to quarantine (and come back on
// rollback) on a live system and an offline root alike: removing the links is what
// `systemctl disable` does, and doing it ourselves lets rollback put back exactly the
// links that were there. service.stop and service.daemon-reload talk to a running systemd.
#include "kinds/service_actions.hpp"

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "kinds/path_actions.hpp"
#include "system/backend.hpp"

namespace excise {
namespace {

sys::CommandResult systemctl(ExecContext& context, std::vector<std::string> args) {
  sys::Command command;
  command.argv = {"systemctl"};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.timeout = std::chrono::seconds(120);
  return context.backend.run(command);
}

class Disable final : public Action {
 public:
  std::string_view name() const override { return "service.disable"; }
  json prepare(const Step& step, ExecContext& context) const override {
    return inspect_paths(step.params.at("paths"), context);
  }
  void apply(const Step& step, json& undo, ExecContext& context) const override {
    quarantine_paths(step.params.at("paths"), undo, context);
  }
  void undo(const Step&, const json& undo, ExecContext& context) const override {
    restore_paths(undo, context);
  }
};

class Stop final : public Action {
 public:
  std::string_view name() const override { return "service.stop"; }
  json prepare(const Step& step, ExecContext&) const override {
    const std::string unit = decode_bytes(step.params.at("unit").get<std::string>());
    // is-active only reads; a dry run may ask it too.
    sys::Command command;
    command.argv = {"systemctl", "is-active", "--quiet", unit};
    return {{"was_active", sys::run_command(command).ok()}};
  }
  void apply(const Step& step, json& undo, ExecContext& context) const override {
    if (!undo.value("was_active", false)) return;
    const std::string unit = decode_bytes(step.params.at("unit").get<std::string>());
    const auto result = systemctl(context, {"stop", unit});
    if (!result.ok())
      throw Error(Failure::system, "stop " + unit + ": systemctl " + result.describe());
    context.changed = true;
  }
  void undo(const Step& step, const json& undo, ExecContext& context) const override {
    if (!undo.value("was_active", false)) return;
    const std::string unit = decode_bytes(step.params.at("unit").get<std::string>());
    const auto result = systemctl(context, {"start", unit});
    if (!result.ok())
      throw Error(Failure::system, "start " + unit + ": systemctl " + result.describe());
    context.changed = true;
  }
};

class Reload final : public Action {
 public:
  std::string_view name() const override { return "service.daemon-reload"; }
  void apply(const Step&, json&, ExecContext& context) const override { reload(context); }
  void undo(const Step&, const json&, ExecContext& context) const override { reload(context); }

 private:
  static void reload(ExecContext& context) {
    const auto result = systemctl(context, {"daemon-reload"});
    if (!result.ok()) throw Error(Failure::system, "systemctl daemon-reload " + result.describe());
  }
};

}  // namespace

const Action& service_disable_action() {
  static const Disable action;
  return action;
}
const Action& service_stop_action() {
  static const Stop action;
  return action;
}
const Action& service_reload_action() {
  static const Reload action;
  return action;
}

}  // namespace excise
