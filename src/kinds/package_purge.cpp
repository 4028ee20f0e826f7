// package.purge: `dpkg --purge` one package, with a snapshot taken first so rollback can
// put it back exactly (kinds/package_snapshot.hpp). On an offline root dpkg runs with
// --root (maintainer scripts chrooted into the root, never on the host) and logs inside
// the root. scripts = "skip" moves the package's prerm and postrm aside first, so dpkg
// runs none of the vendor's code.
#include "kinds/package_purge.hpp"

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/run_store.hpp"
#include "kinds/package_protect.hpp"
#include "kinds/package_snapshot.hpp"
#include "system/backend.hpp"
#include "system/dpkg_root.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

using sys::Dir;

constexpr const char* kRemovalScripts[] = {"prerm", "postrm"};

std::string package_spec(const PackageRef& ref) {
  return ref.arch.empty() ? ref.name : ref.name + ":" + ref.arch;
}

std::vector<std::string> dpkg_argv(const ExecContext& context, const PackageRef& ref) {
  std::vector<std::string> argv = {"dpkg"};
  if (!context.target.live) {
    // dpkg resolves --root as a string prefix; SafeRoot checked every listed path of the
    // package inside the root when planning (kinds/package.cpp).
    argv.push_back("--root=" + context.target.root_path);
    argv.push_back("--log=" + context.target.root_path + "/var/log/dpkg.log");
  }
  argv.push_back("--purge");
  argv.push_back(package_spec(ref));
  return argv;
}

// Moves the package's prerm/postrm into the snapshot directory; their bytes are also in
// the info/ blobs, so rollback puts them back with the rest of info/.
void move_scripts_aside(const PackageRef& ref, ExecContext& context, json& undo) {
  const auto admin = context.root.open_dir(sys::kDpkgAdminDir);
  const auto db = sys::load_dpkg_database(context.root);
  if (!admin || !db) return;
  const auto index = db->find(ref.name, ref.arch);
  if (!index) return;
  const Dir info = admin->dir_at("info");
  const sys::InfoFormat format = sys::dpkg_info_format(*admin);
  const Dir& q = context.run.quarantine();
  json moved = json::array();
  for (const char* script : kRemovalScripts) {
    const std::string name = sys::info_file_name(db->packages()[*index], script, format);
    if (!info.stat_at(name)) continue;
    const std::string qname = std::to_string(context.seq) + "." + script;
    context.backend.rename(info, name, q, qname, sys::RenameMode::noreplace);
    moved.push_back(qname);
  }
  undo["scripts_moved_aside"] = moved;
}

class PackagePurge final : public Action {
 public:
  std::string_view name() const override { return "package.purge"; }

  json prepare(const Step& step, ExecContext& context) const override {
    json undo = take_package_snapshot(package_ref_of(step), context);
    if (undo.contains("manifest") && step.params.value("scripts", std::string("run")) == "run") {
      std::vector<std::string> paths = script_state_paths();
      for (const auto& p : step.params.value("protect", json::array()))
        paths.push_back(decode_bytes(p.get<std::string>()));
      undo["protect"] = protect_paths(paths, context);
    }
    return undo;
  }

  void apply(const Step& step, json& undo, ExecContext& context) const override {
    const PackageRef ref = package_ref_of(step);
    if (!undo.contains("manifest")) {
      context.notes.push_back("already gone: " + package_spec(ref) + " is not installed");
      return;
    }
    if (step.params.value("scripts", std::string("run")) == "skip")
      move_scripts_aside(ref, context, undo);
    sys::Command command;
    command.argv = dpkg_argv(context, ref);
    command.env = {"DEBIAN_FRONTEND=noninteractive", "DPKG_COLORS=never"};
    const sys::CommandResult result = context.backend.run(command);
    if (!result.ok()) {
      throw Error(Failure::system, "purge " + package_spec(ref) + ": dpkg " + result.describe());
    }
    context.changed = true;
    if (undo.contains("protect")) note_after_scripts(undo["protect"], context);
    if (context.backend.writes()) {
      if (const auto admin = context.root.open_dir(sys::kDpkgAdminDir)) {
        undo["status_after"] = sha256_hex(admin->read_at("status"));
      }
    }
  }

  void undo(const Step& step, const json& undo, ExecContext& context) const override {
    const PackageRef ref = package_ref_of(step);
    restore_package_snapshot(ref, undo, context);
    if (undo.contains("protect")) restore_protected(undo.at("protect"), context);
    // Scripts moved aside are back through info/; drop the quarantined copies.
    const Dir& q = context.run.quarantine();
    for (const auto& qname : undo.value("scripts_moved_aside", json::array())) {
      if (q.is_open() && q.stat_at(qname.get<std::string>()))
        context.backend.remove_file(q, qname.get<std::string>());
    }
  }
};

}  // namespace

const Action& package_purge_action() {
  static const PackagePurge action;
  return action;
}

}  // namespace excise
