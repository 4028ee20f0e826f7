// [[kernel_module]] on a live root: a loaded module gets a module.unload step in phase
// unload, after quiesce has stopped the product's services and processes (which may be
// what holds it). A module other modules hold is blocked ("in use by: x, y"), unless
// every holder is a module some playbook of this run unloads: then the holders go first.
// An offline root runs no kernel: nothing to unload, and the plan says so.
//
// Rollback loads an unloaded module again with `modprobe NAME`, after the module's
// file, its configuration and the module index are back (the unload phase is undone
// after cleanup and refresh). That needs a file for the running kernel under
// /lib/modules/<release>: without one the step is marked irreversible.
#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "kinds/kernel_module_detect.hpp"
#include "kinds/kernel_module_live.hpp"
#include "plan/detect_context.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items)
    out += (out.empty() ? "" : ", ") + i;
  return out;
}

// The keys of every module any playbook of this run unloads.
std::set<std::string> unloaded_anywhere(DetectContext& context) {
  std::set<std::string> keys;
  for (const auto& playbook : context.playbooks()) {
    for (const auto& artifact : playbook.artifacts) {
      if (artifact.kind != "kernel_module" || !artifact.spec) continue;
      const auto more = module_keys(static_cast<const KernelModuleSpec&>(*artifact.spec));
      keys.insert(more.begin(), more.end());
    }
  }
  return keys;
}

std::string order_name(const std::string& module) {
  return "module " + sys::module_key(module);
}

}  // namespace

void detect_loaded_modules(const KernelModuleSpec& spec, const SourceLoc& loc,
                           const std::vector<ModuleFile>& files, bool found,
                           DetectContext& context) {
  if (!context.target().live) {
    if (found)
      context.note(
          "kernel modules are not unloaded on an offline root (no kernel runs it); their files "
          "and configuration go in cleanup",
          loc);
    return;
  }
  const auto table = read_module_table(context.root());
  if (!table) {
    if (found)
      context.note(
          "/proc/modules does not exist: this kernel cannot load modules (built without "
          "CONFIG_MODULES), so none is loaded and nothing is unloaded",
          loc);
    return;
  }
  const std::set<std::string> going = unloaded_anywhere(context);
  const auto release = running_release(context.root());
  for (const auto& name : spec.names) {
    const sys::LoadedModule* module = table->find(name.value);
    if (module == nullptr) continue;
    const auto holders = module_holders(context.root(), *module);
    std::vector<std::string> foreign, ours;
    for (const auto& h : holders)
      (going.count(sys::module_key(h)) ? ours : foreign).push_back(h);
    context.fact("module " + module->name,
                 holders.empty() ? "loaded" : "loaded, used by " + joined(holders));
    if (module->permanent) {
      context.block(module->name,
                    "loaded, and cannot be unloaded: it has no exit function ([permanent] in "
                    "/proc/modules); it is gone after a reboot once its files are",
                    name.loc);
      continue;
    }
    if (!module->refcount) {
      context.block(module->name,
                    "loaded, and this kernel cannot unload modules (no refcount in "
                    "/proc/modules: CONFIG_MODULE_UNLOAD off)",
                    name.loc);
      continue;
    }
    if (!foreign.empty()) {
      context.block(
          module->name,
          fmt::format("loaded and in use by: {} (modules no playbook unloads)", joined(foreign)),
          name.loc);
      continue;
    }
    bool reloadable = false;
    for (const auto& f : files) {
      if (release && f.kver == *release && f.key == sys::module_key(name.value)) reloadable = true;
    }
    Step step;
    step.phase = Phase::unload;
    step.action = "module.unload";
    step.target = module->name;
    std::string use;
    if (!ours.empty()) use = "; used by " + joined(ours) + ", which go first";
    if (*module->refcount > static_cast<long>(ours.size())) {
      use += fmt::format(
          "; in use ({} reference(s)): the quiesce phase may release them, "
          "else unloading fails",
          *module->refcount);
    }
    step.reason = fmt::format("loaded ({}){}", module->state, use);
    if (reloadable) {
      step.reason +=
          "; rollback loads it again with modprobe (options from modprobe.d apply, "
          "its run-time state does not come back)";
    } else {
      step.reversible = false;
      step.irreversible_why = release
                                  ? fmt::format(
                                        "no file of it for the running kernel was found under "
                                        "/lib/modules/{}, so modprobe could not load it again",
                                        shown(*release))
                                  : std::string(
                                        "the running kernel's release (/proc/sys/kernel/osrelease) "
                                        "is unknown, so modprobe could not be relied on to load it "
                                        "again");
    }
    step.origin = context.origin(name.loc);
    step.params = {{"module", encode_bytes(module->name)}, {"reload", reloadable}};
    std::vector<std::string> after;
    for (const auto& h : ours)
      after.push_back(order_name(h));
    context.propose(std::move(step), {0, 0, order_name(module->name), after});
  }
}

}  // namespace excise
