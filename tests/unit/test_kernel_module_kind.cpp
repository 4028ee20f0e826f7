// [[kernel_module]] detection on generated roots, live and offline, and module.unload
// through a fake backend. This machine's kernel has no loadable modules (no /proc/modules,
// delete_module gives ENOSYS), so "live" here is a root directory with a hand-written
// proc/modules and sys/module, passed to detection with a live Target: the kind reads
// the kernel's files only through the target root, exactly as on a real "/".
#include <doctest/doctest.h>

#include <sstream>

#include "excise/error.hpp"
#include "exec/action.hpp"
#include "exec/run_store.hpp"
#include "fs_test_util.hpp"
#include "kinds/kernel_module.hpp"
#include "plan/detect_context.hpp"
#include "playbook_test_util.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"

using namespace excise;
using fs_test::make_dir;
using fs_test::write_file;

namespace {

// Every change refused except the two the module steps make: commands and unloads,
// recorded.
class FakeBackend final : public sys::Backend {
 public:
  bool writes() const override { return true; }
  void rename(const sys::Dir&, std::string_view, const sys::Dir&, std::string_view,
              sys::RenameMode) override {
    unexpected("rename");
  }
  void make_dir(const sys::Dir&, std::string_view, const sys::FileMeta&) override {
    unexpected("make_dir");
  }
  void hard_link(const sys::Dir&, std::string_view, const sys::Dir&, std::string_view) override {
    unexpected("hard_link");
  }
  void make_symlink(const sys::Dir&, std::string_view, std::string_view) override {
    unexpected("make_symlink");
  }
  void remove_file(const sys::Dir&, std::string_view) override { unexpected("remove_file"); }
  void drop_link(const sys::Dir&, std::string_view) override { unexpected("drop_link"); }
  void remove_empty_dir(const sys::Dir&, std::string_view) override {
    unexpected("remove_empty_dir");
  }
  void remove_tree(const sys::Dir&, std::string_view) override { unexpected("remove_tree"); }
  void copy_tree(const sys::Dir&, std::string_view, const sys::Dir&, std::string_view) override {
    unexpected("copy_tree");
  }
  void write_file(const sys::Dir&, std::string_view, std::string_view,
                  const sys::FileMeta&) override {
    unexpected("write_file");
  }
  void set_meta(const sys::Dir&, std::string_view, const sys::FileMeta&) override {
    unexpected("set_meta");
  }
  void set_mode(const sys::Dir&, std::string_view, std::uint32_t) override {
    unexpected("set_mode");
  }
  void set_times(const sys::Dir&, std::string_view, sys::Timespec, sys::Timespec) override {
    unexpected("set_times");
  }
  void sync(const sys::Dir&) override { unexpected("sync"); }
  sys::CommandResult run(const sys::Command& command) override {
    commands.push_back(command.argv);
    sys::CommandResult result;
    result.exit_code = exit_code;
    result.err = exit_code == 0 ? "" : "modprobe: FATAL: Module acme_fsfilter not found.";
    return result;
  }
  bool signal_process(const sys::Pidfd&, int) override { unexpected("signal_process"); }
  void kill_cgroup(const sys::CgroupDir&) override { unexpected("kill_cgroup"); }
  bool unload_module(std::string_view name) override {
    unloaded.emplace_back(name);
    return loaded;
  }

  std::vector<std::vector<std::string>> commands;
  std::vector<std::string> unloaded;
  int exit_code = 0;
  bool loaded = true;  // what unload_module answers

 private:
  [[noreturn]] static void unexpected(const char* what) {
    throw std::logic_error(std::string("unexpected backend call: ") + what);
  }
};

const char* kProcModules =
    "acme_fsfilter 16384 0 - Live 0xffffffffc0a00000 (OE)\n"
    "ext4 1003520 1 - Live 0xffffffffc0800000\n";

struct World {
  World() {
    const std::string r = tmp.path();
    for (const char* d :
         {"/lib", "/lib/modules", "/lib/modules/6.1.0-test", "/lib/modules/6.1.0-test/kernel",
          "/lib/modules/6.1.0-test/kernel/drivers", "/lib/modules/6.1.0-test/kernel/drivers/misc",
          "/lib/modules/5.10.0-old", "/lib/modules/5.10.0-old/extra", "/etc", "/etc/modprobe.d",
          "/etc/modules-load.d", "/proc", "/proc/sys", "/proc/sys/kernel", "/sys", "/sys/module",
          "/sys/module/acme_fsfilter", "/sys/module/acme_fsfilter/holders"}) {
      make_dir(r + d);
    }
    const std::string misc = r + "/lib/modules/6.1.0-test/kernel/drivers/misc/";
    write_file(misc + "acme_fsfilter.ko",
               "\x7f"
               "ELF not really");
    write_file(misc + "acme_fsfilter2.ko", "decoy");
    write_file(r + "/lib/modules/6.1.0-test/modules.dep",
               "kernel/drivers/misc/acme_fsfilter.ko:\nkernel/drivers/misc/acme_fsfilter2.ko:\n");
    write_file(r + "/lib/modules/5.10.0-old/extra/acme-fsfilter.ko.xz", "xz");
    write_file(r + "/etc/modprobe.d/acme.conf",
               "# Acme\noptions acme_fsfilter debug=1\nblacklist acme_fsfilter\n"
               "options acme-fsfilterx a=1\n");
    write_file(r + "/etc/modules-load.d/acme.conf", "acme-fsfilter\nacme_fsfilter2\n");
    write_file(r + "/proc/sys/kernel/osrelease", "6.1.0-test\n");
  }

  std::string path(const std::string& p) const { return tmp.path() + p; }

  // Detection of the playbook's first artifact, then finish (the depmod step).
  void detect(const std::string& names, bool live) {
    auto loaded = test::load_text(test::with_product("[[kernel_module]]\nnames = " + names + "\n"));
    REQUIRE(loaded.errors == "");
    playbooks = std::move(loaded.playbooks);
    root.emplace(tmp.path());
    Target target;
    target.root_path = tmp.path();
    target.live = live;
    context = std::make_unique<DetectContext>(*root, target, playbooks);
    context->begin_artifact(0, 0);
    const Kind* kind = find_kind("kernel_module");
    REQUIRE(kind->detection_built());
    kind->detect(playbooks[0], playbooks[0].artifacts[0], *context);
    kind->finish(*context);
  }

  std::vector<std::pair<std::string, std::string>> steps() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& p : context->proposed())
      out.emplace_back(p.step.action, p.step.target);
    return out;
  }
  const ProposedStep* step(const std::string& action) const {
    for (const auto& p : context->proposed()) {
      if (p.step.action == action) return &p;
    }
    return nullptr;
  }
  std::string notes() const {
    std::string out;
    for (const auto& n : context->findings().notes)
      out += n.text + "\n";
    return out;
  }
  std::string blocked() const {
    std::string out;
    for (const auto& b : context->findings().blocked)
      out += b.target + ": " + b.reason + "\n";
    return out;
  }

  fs_test::TempDir tmp;
  std::vector<Playbook> playbooks;
  std::optional<sys::SafeRoot> root;
  std::unique_ptr<DetectContext> context;
};

using Steps = std::vector<std::pair<std::string, std::string>>;

// The message of the Error `body` throws; "" when it throws none.
template <class F>
std::string error_of(F body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("kernel_module: an offline root") {
  World w;
  w.detect("[\"acme_fsfilter\"]", false);
  CHECK(w.steps() ==
        Steps{
            {"path.quarantine", "/lib/modules/5.10.0-old/extra/acme-fsfilter.ko.xz"},
            {"path.quarantine", "/lib/modules/6.1.0-test/kernel/drivers/misc/acme_fsfilter.ko"},
            {"line.remove", "/etc/modules-load.d/acme.conf"},
            {"line.remove", "/etc/modprobe.d/acme.conf"},
            {"module.depmod", "depmod"},
        });
  const auto& lines = w.step("line.remove")->step;
  CHECK(lines.params.at("match") == "^[ \\t\\r]*(?:acme[-_]fsfilter)(?:[ \\t\\r].*)?$");
  CHECK(lines.reason == "1 line(s) load at boot acme_fsfilter, the first at line 1: acme-fsfilter");
  // Only the kernel version with an index gets depmod.
  CHECK(w.step("module.depmod")->step.params.at("kernels") == json::array({"6.1.0-test"}));
  CHECK(w.step("module.depmod")->step.phase == Phase::refresh);
  const std::string notes = w.notes();
  CHECK(notes.find("not unloaded on an offline root") != std::string::npos);
  CHECK(notes.find("/etc/modprobe.d/acme.conf:3: \"blacklist acme_fsfilter\" is kept") !=
        std::string::npos);
  CHECK(notes.find("depmod is not run for kernel 5.10.0-old") != std::string::npos);
  CHECK(w.blocked() == "");
  CHECK(w.context->findings().facts.count(
            "path /lib/modules/6.1.0-test/kernel/drivers/misc/acme_fsfilter.ko") == 1);
}

TEST_CASE("kernel_module: nothing of it on the root, nothing to say") {
  World w;
  for (bool live : {false, true}) {
    CAPTURE(live);
    w.detect("[\"acme_other\"]", live);
    CHECK(w.steps().empty());
    CHECK(w.notes() == "");
    CHECK(w.blocked() == "");
  }
}

TEST_CASE("kernel_module: a directive continued over lines is not cut in half") {
  World w;
  write_file(w.path("/etc/modprobe.d/acme.conf"),
             "install acme_fsfilter /sbin/modprobe --ignore-install acme_fsfilter && \\\n"
             "  /opt/acme/bin/acme-loaded\n");
  w.detect("[\"acme_fsfilter\"]", false);
  CHECK(w.step("line.remove")->step.target == "/etc/modules-load.d/acme.conf");
  CHECK(w.blocked().find("/etc/modprobe.d/acme.conf: line 1 belongs to a directive that "
                         "continues over several lines") == 0);
}

TEST_CASE("kernel_module: config links") {
  World w;
  // Debian: /etc/modules-load.d/modules.conf -> ../modules, read once as /etc/modules.
  write_file(w.path("/etc/modules"), "loop\nacme_fsfilter\n");
  fs_test::make_link("../modules", w.path("/etc/modules-load.d/modules.conf"));
  fs_test::make_link("/dev/null", w.path("/etc/modprobe.d/masked.conf"));
  make_dir(w.path("/opt"));
  write_file(w.path("/opt/acme.conf"), "options acme_fsfilter x=1\n");
  fs_test::make_link("/opt/acme.conf", w.path("/etc/modprobe.d/vendor.conf"));
  w.detect("[\"acme_fsfilter\"]", false);
  Steps lines;
  for (const auto& s : w.steps()) {
    if (s.first == "line.remove") lines.push_back(s);
  }
  CHECK(lines == Steps{{"line.remove", "/etc/modules"},
                       {"line.remove", "/etc/modules-load.d/acme.conf"},
                       {"line.remove", "/etc/modprobe.d/acme.conf"}});
  CHECK(w.blocked() ==
        "/etc/modprobe.d/vendor.conf: a symlink to /opt/acme.conf whose lines load or configure "
        "acme_fsfilter: not edited (the edit would land where it points)\n");
}

TEST_CASE("kernel_module: live, on a kernel without loadable modules") {
  World w;
  w.detect("[\"acme_fsfilter\"]", true);
  CHECK(w.step("module.unload") == nullptr);
  CHECK(w.notes().find("/proc/modules does not exist: this kernel cannot load modules") !=
        std::string::npos);
}

TEST_CASE("kernel_module: live, loaded") {
  World w;
  write_file(w.path("/proc/modules"), kProcModules);

  SUBCASE("unloaded, and loaded again on rollback") {
    w.detect("[\"acme-fsfilter\"]", true);
    const ProposedStep* p = w.step("module.unload");
    REQUIRE(p != nullptr);
    CHECK(p->step.phase == Phase::unload);
    CHECK(p->step.target == "acme_fsfilter");
    CHECK(p->step.reversible);
    CHECK(p->step.params == json{{"module", "acme_fsfilter"}, {"reload", true}});
    CHECK(p->order_name == "module acme_fsfilter");
    CHECK(w.context->findings().facts.at("module acme_fsfilter") == "loaded");
  }
  SUBCASE("no file for the running kernel: irreversible") {
    write_file(w.path("/proc/sys/kernel/osrelease"), "6.2.0-other\n");
    w.detect("[\"acme_fsfilter\"]", true);
    const ProposedStep* p = w.step("module.unload");
    REQUIRE(p != nullptr);
    CHECK_FALSE(p->step.reversible);
    CHECK(p->step.irreversible_why.find("/lib/modules/6.2.0-other") != std::string::npos);
  }
  SUBCASE("in use by another module, from /proc/modules") {
    write_file(w.path("/proc/modules"),
               "acme_fsfilter 16384 2 other_mod,vfat, Live 0x0\nother_mod 8 0 - Live 0x0\n");
    w.detect("[\"acme_fsfilter\"]", true);
    CHECK(w.step("module.unload") == nullptr);
    CHECK(w.blocked() ==
          "acme_fsfilter: loaded and in use by: other_mod, vfat (modules no playbook unloads)\n");
  }
  SUBCASE("in use by another module, from /sys/module/NAME/holders") {
    fs_test::make_link("../../zz_holder", w.path("/sys/module/acme_fsfilter/holders/zz_holder"));
    w.detect("[\"acme_fsfilter\"]", true);
    CHECK(w.blocked() ==
          "acme_fsfilter: loaded and in use by: zz_holder (modules no playbook unloads)\n");
  }
  SUBCASE("held by a module the playbook also unloads: that one first") {
    write_file(w.path("/proc/modules"),
               "acme_fsfilter 16384 0 - Live 0x0\nacme_core 8 1 acme_fsfilter, Live 0x0\n");
    w.detect("[\"acme_core\", \"acme_fsfilter\"]", true);
    CHECK(w.blocked() == "");
    const auto& proposed = w.context->proposed();
    std::vector<std::string> after_of_core;
    for (const auto& p : proposed) {
      if (p.step.target == "acme_core") after_of_core = p.after_steps;
    }
    CHECK(after_of_core == std::vector<std::string>{"module acme_fsfilter"});
    CHECK(w.context->findings().facts.at("module acme_core") == "loaded, used by acme_fsfilter");
  }
  SUBCASE("cannot be unloaded") {
    write_file(w.path("/proc/modules"), "acme_fsfilter 16384 1 [permanent], Live 0x0\n");
    w.detect("[\"acme_fsfilter\"]", true);
    CHECK(w.blocked().find("acme_fsfilter: loaded, and cannot be unloaded") == 0);
  }
  SUBCASE("a table that does not parse is an error, not a guess") {
    write_file(w.path("/proc/modules"), "acme_fsfilter 16384\n");
    CHECK(contains(error_of([&] { w.detect("[\"acme_fsfilter\"]", true); }),
                   "/proc/modules line 1 does not have the format"));
  }
}

TEST_CASE("kernel_module: module.unload through a backend") {
  World w;
  write_file(w.path("/proc/modules"), kProcModules);
  w.detect("[\"acme_fsfilter\"]", true);
  const Step step = w.step("module.unload")->step;
  const Action* action = find_action("module.unload");
  REQUIRE(action != nullptr);
  FakeBackend backend;
  RunDir run = RunDir::placeholder("test", w.path("/var/lib/excise"));
  Target target;
  target.root_path = w.tmp.path();
  target.live = true;
  std::ostringstream log;
  ExecContext context(*w.root, backend, run, target, log);

  SUBCASE("unloaded, then loaded again") {
    json undo = action->prepare(step, context);
    CHECK(undo == json{{"was_loaded", true}});
    action->apply(step, undo, context);
    CHECK(backend.unloaded == std::vector<std::string>{"acme_fsfilter"});
    CHECK(context.changed);
    // Still listed (the fake unloaded nothing): undo sees it loaded and does nothing.
    action->undo(step, undo, context);
    CHECK(backend.commands.empty());
    write_file(w.path("/proc/modules"), "ext4 1003520 1 - Live 0x0\n");
    action->undo(step, undo, context);
    CHECK(backend.commands ==
          std::vector<std::vector<std::string>>{{"modprobe", "--", "acme_fsfilter"}});
  }
  SUBCASE("modprobe fails on undo: the rollback says so") {
    json undo = action->prepare(step, context);
    write_file(w.path("/proc/modules"), "");
    backend.exit_code = 1;
    CHECK(contains(error_of([&] { action->undo(step, undo, context); }),
                   "load kernel module acme_fsfilter again: modprobe exited 1"));
  }
  SUBCASE("not loaded again when the plan found no file to load") {
    json undo = action->prepare(step, context);
    Step irreversible = step;
    irreversible.params["reload"] = false;
    write_file(w.path("/proc/modules"), "");
    action->undo(irreversible, undo, context);
    CHECK(backend.commands.empty());
    REQUIRE(context.notes.size() == 1);
    CHECK(context.notes[0].find("is not loaded again") != std::string::npos);
  }
  SUBCASE("a holder that appeared since the plan: refused") {
    json undo = action->prepare(step, context);
    fs_test::make_link("../../acme_late", w.path("/sys/module/acme_fsfilter/holders/acme_late"));
    CHECK(error_of([&] { action->apply(step, undo, context); }) ==
          "unload kernel module acme_fsfilter: in use by: acme_late");
    CHECK(backend.unloaded.empty());
  }
  SUBCASE("unloaded since the plan") {
    write_file(w.path("/proc/modules"), "");
    json undo = action->prepare(step, context);
    CHECK(undo == json{{"absent", true}});
    action->apply(step, undo, context);
    CHECK(backend.unloaded.empty());
    CHECK(context.notes == std::vector<std::string>{"already unloaded: acme_fsfilter"});
    action->undo(step, undo, context);
    CHECK(backend.commands.empty());
  }
  SUBCASE("gone between the check and the call (ENOENT)") {
    backend.loaded = false;
    json undo = action->prepare(step, context);
    action->apply(step, undo, context);
    CHECK_FALSE(context.changed);
    CHECK(context.notes == std::vector<std::string>{"already unloaded: acme_fsfilter"});
  }
  SUBCASE("the dry-run backend says what it would do") {
    std::ostringstream said;
    auto dry = sys::make_dry_run_backend(said);
    ExecContext dry_context(*w.root, *dry, run, target, log);
    json undo = action->prepare(step, dry_context);
    action->apply(step, undo, dry_context);
    CHECK(said.str() == "would unload kernel module acme_fsfilter\n");
  }
}

TEST_CASE("kernel_module: the real backend's delete_module on a name no module has") {
  // A kernel with modules answers ENOENT (false); this machine's kernel has no module
  // support at all and answers ENOSYS, which is an error that says so.
  auto backend = sys::make_real_backend();
  bool unloaded = true;
  const std::string error =
      error_of([&] { unloaded = backend->unload_module("excise_no_such_mod"); });
  if (error.empty()) {
    CHECK_FALSE(unloaded);
  } else {
    CHECK(error ==
          "unload kernel module excise_no_such_mod: Function not implemented (this "
          "kernel cannot unload modules)");
  }
}
