// The list of artifact kinds: one line per kind. An explicit list, not self-registration
// from static initializers, which the linker drops from a static library.
#include <array>

#include "excise/error.hpp"
#include "excise/kind.hpp"
#include "exec/action.hpp"
#include "kinds/account_actions.hpp"
#include "kinds/certificate.hpp"
#include "kinds/certificate_rebuild.hpp"
#include "kinds/command.hpp"
#include "kinds/command_kind.hpp"
#include "kinds/cron.hpp"
#include "kinds/group.hpp"
#include "kinds/kernel_module.hpp"
#include "kinds/kernel_module_actions.hpp"
#include "kinds/line.hpp"
#include "kinds/line_actions.hpp"
#include "kinds/package.hpp"
#include "kinds/package_purge.hpp"
#include "kinds/path.hpp"
#include "kinds/path_actions.hpp"
#include "kinds/process.hpp"
#include "kinds/process_actions.hpp"
#include "kinds/service.hpp"
#include "kinds/service_actions.hpp"
#include "kinds/user.hpp"

namespace excise {
namespace {

const ServiceKind kService;
const ProcessKind kProcess;
const PackageKind kPackage;
const KernelModuleKind kKernelModule;
const PathKind kPath;
const LineKind kLine;
const CronKind kCron;
const CertificateKind kCertificate;
const UserKind kUser;
const GroupKind kGroup;
const CommandKind kCommand;

// In the order of PLAYBOOKS.md; messages that list the kinds use it.
const std::array<const Kind*, 11> kKinds = {
    &kService, &kProcess,     &kPackage, &kKernelModule, &kPath,    &kLine,
    &kCron,    &kCertificate, &kUser,    &kGroup,        &kCommand,
};

}  // namespace

const Kind* find_kind(std::string_view name) {
  for (const Kind* kind : kKinds) {
    if (kind->name() == name) return kind;
  }
  return nullptr;
}

std::span<const Kind* const> all_kinds() {
  return kKinds;
}

// The actions the kinds' steps name: one line per action.
const Action* find_action(std::string_view name) {
  static const Action* const actions[] = {
      &path_quarantine_action(), &path_prune_action(),        &package_purge_action(),
      &service_disable_action(), &service_stop_action(),      &service_reload_action(),
      &remove_user_action(),     &remove_group_action(),      &remove_lines_action(),
      &run_command_action(),     &process_terminate_action(), &process_kill_cgroup_action(),
      &module_unload_action(),   &module_depmod_action(),     &certificate_rebuild_action(),
  };
  for (const Action* action : actions) {
    if (action->name() == name) return action;
  }
  return nullptr;
}

void Kind::detect(const Playbook&, const Artifact&, DetectContext&) const {
  throw Error(Failure::input, std::string(name()) + ": detection is not built in this excise");
}

}  // namespace excise
