// module.unload. prepare records whether the module is loaded; apply re-reads its holders
// (the plan's view may be minutes old), refuses while any is left, and unloads without
// waiting (a module still in use is an error, never a hang). Undo loads it again with
// modprobe, which by then finds its file, its options and the index back in place: the
// unload phase is undone after cleanup and refresh.
#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "kinds/kernel_module_actions.hpp"
#include "kinds/kernel_module_live.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

const sys::LoadedModule* loaded(const std::optional<sys::ModuleTable>& table,
                                const std::string& name) {
  return table ? table->find(name) : nullptr;
}

class Unload final : public Action {
 public:
  std::string_view name() const override { return "module.unload"; }

  json prepare(const Step& step, ExecContext& context) const override {
    const std::string module = decode_bytes(step.params.at("module").get<std::string>());
    if (!loaded(read_module_table(context.root), module)) return {{"absent", true}};
    return {{"was_loaded", true}};
  }

  void apply(const Step& step, json& undo, ExecContext& context) const override {
    const std::string module = decode_bytes(step.params.at("module").get<std::string>());
    if (undo.contains("absent")) {
      context.notes.push_back("already unloaded: " + shown(module));
      return;
    }
    const auto table = read_module_table(context.root);
    const sys::LoadedModule* m = loaded(table, module);
    if (m == nullptr) {
      context.notes.push_back("already unloaded: " + shown(module));
      return;
    }
    const auto holders = module_holders(context.root, *m);
    if (!holders.empty()) {
      std::string list;
      for (const auto& h : holders)
        list += (list.empty() ? "" : ", ") + h;
      throw Error(Failure::refused,
                  fmt::format("unload kernel module {}: in use by: {}", shown(module), list));
    }
    if (!context.backend.unload_module(m->name)) {
      context.notes.push_back("already unloaded: " + shown(module));
      return;
    }
    context.changed = true;
  }

  void undo(const Step& step, const json& undo, ExecContext& context) const override {
    if (!undo.value("was_loaded", false)) return;
    const std::string module = decode_bytes(step.params.at("module").get<std::string>());
    if (!step.params.value("reload", false)) {
      context.notes.push_back(fmt::format(
          "kernel module {} is not loaded again: no file of it for the running kernel was "
          "found when the plan was made",
          shown(module)));
      return;
    }
    if (loaded(read_module_table(context.root), module)) return;  // already back
    sys::Command command;
    command.argv = {"modprobe", "--", module};
    command.timeout = std::chrono::seconds(120);
    const auto result = context.backend.run(command);
    if (!result.ok()) {
      throw Error(Failure::system, fmt::format("load kernel module {} again: modprobe {}",
                                               shown(module), result.describe()));
    }
    context.changed = true;
  }
};

}  // namespace

const Action& module_unload_action() {
  static const Unload action;
  return action;
}

}  // namespace excise
