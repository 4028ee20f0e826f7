#include <doctest/doctest.h>

#include <functional>

#include "excise/error.hpp"
#include "system/systemd_units.hpp"
#include "system/unit_tree_memory.hpp"
#include "systemd_test_util.hpp"

using namespace excise;
using namespace excise::sys;
using namespace excise::sys::testing;

namespace {

const std::string L = "/lib/systemd/system/";
const std::string E = "/etc/systemd/system/";
const std::string D = "/var/lib/systemd/deb-systemd-helper-enabled/";

const char* kAcme =
    "[Service]\nExecStart=/opt/acme/bin/acmed\n[Install]\nWantedBy=multi-user.target\n"
    "Alias=dbus-org.acme.service\n";

// Another product's units, enabled the same ways: no case may report any of it.
void noise(MemoryUnitTree& t, const std::string& vendor = L, const std::string& sysv = "/etc/") {
  t.file(vendor + "ssh.service", "[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n")
      .link(E + "multi-user.target.wants/ssh.service", "/lib/systemd/system/ssh.service")
      .link(E + "sshd.service", "/lib/systemd/system/ssh.service")
      .file(E + "service.d/all.conf", "[Service]\nTimeoutSec=5\n")
      .file(D + "ssh.service.dsh-also", "/etc/systemd/system/multi-user.target.wants/ssh.service\n")
      .file(D + "multi-user.target.wants/ssh.service", "")
      .file(sysv + "init.d/ssh", "#!/bin/sh\n")
      .link(sysv + "rc2.d/S01ssh", "../init.d/ssh")
      .link(vendor + "getty@tty1.service", "getty@.service")
      .file(vendor + "getty@.service", "[Install]\nWantedBy=getty.target\n");
}

void worker_template(MemoryUnitTree& t) {
  t.file(L + "acme-worker@.service", "[Install]\nWantedBy=multi-user.target\n")
      .link(E + "multi-user.target.wants/acme-worker@one.service",
            "/lib/systemd/system/acme-worker@.service")
      .link(E + "multi-user.target.wants/acme-worker@two.service",
            "/lib/systemd/system/acme-worker@.service")
      .file(E + "acme-worker@three.service.d/x.conf", "[Service]\n");
}

const std::vector<std::string> kWorkerArtifacts = {
    "drop-in-dir /etc/systemd/system/acme-worker@three.service.d acme-worker@three.service",
    "drop-in /etc/systemd/system/acme-worker@three.service.d/x.conf acme-worker@three.service",
    "enablement-link /etc/systemd/system/multi-user.target.wants/acme-worker@one.service "
    "acme-worker@one.service",
    "enablement-link /etc/systemd/system/multi-user.target.wants/acme-worker@two.service "
    "acme-worker@two.service",
    "unit-file /lib/systemd/system/acme-worker@.service acme-worker@.service",
};

enum class Layout {
  debian,
  merged_usr,  // /lib -> usr/lib
  redhat,      // /etc/init.d -> rc.d/init.d, /etc/rc?.d -> rc.d/rc?.d
};

struct ScanCase {
  const char* name;
  Layout layout;
  std::function<void(MemoryUnitTree&)> build;
  UnitQuery query;
  std::vector<std::string> expected;
};

const std::vector<ScanCase>& scan_cases() {
  static const std::vector<ScanCase> cases = {
      {"a unit file in a vendor directory",
       Layout::debian,
       [](MemoryUnitTree& t) { t.file(L + "acme.service", kAcme); },
       {{"acme.service"}, {}},
       {"unit-file /lib/systemd/system/acme.service acme.service"}},
      {"enablement links in *.wants, *.requires and *.upholds, absolute and relative",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", kAcme)
             .link(E + "multi-user.target.wants/acme.service", "/lib/systemd/system/acme.service")
             .link(E + "network-online.target.requires/acme.service",
                   "../../../../lib/systemd/system/acme.service")
             .link(E + "graphical.target.upholds/acme.service", "/lib/systemd/system/acme.service")
             .link(E + "multi-user.target.wants/dbus-org.acme.service",
                   "/lib/systemd/system/acme.service");
       },
       {{"acme.service"}, {}},
       {"enablement-link /etc/systemd/system/graphical.target.upholds/acme.service acme.service",
        "enablement-link /etc/systemd/system/multi-user.target.wants/acme.service acme.service",
        "enablement-link /etc/systemd/system/multi-user.target.wants/dbus-org.acme.service "
        "acme.service",
        "enablement-link /etc/systemd/system/network-online.target.requires/acme.service "
        "acme.service",
        "unit-file /lib/systemd/system/acme.service acme.service"}},
      {"aliases: a link under another name, and a link named by Alias= pointing elsewhere",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", "[Install]\nAlias=acme-legacy.service dbus-org.acme.service\n")
             .link(E + "dbus-org.acme.service", "/lib/systemd/system/acme.service")
             .link(E + "acme-legacy.service", "/opt/old/agent.service");
       },
       {{"acme.service"}, {}},
       {"alias /etc/systemd/system/acme-legacy.service acme.service",
        "alias /etc/systemd/system/dbus-org.acme.service acme.service",
        "unit-file /lib/systemd/system/acme.service acme.service"}},
      {"a glob naming only the alias reports the link, not the unit it points to",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", kAcme)
             .link(E + "dbus-org.acme.service", "/lib/systemd/system/acme.service");
       },
       {{"dbus-org.acme.service"}, {}},
       {"alias /etc/systemd/system/dbus-org.acme.service dbus-org.acme.service"}},
      {"masks: a link to /dev/null and an empty file",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", kAcme)
             .link(E + "acme.service", "/dev/null")
             .file(L + "acme-old.service", "[Service]\n")
             .file("/run/systemd/system/acme-old.service", "");
       },
       {{"acme*.service"}, {}},
       {"mask /etc/systemd/system/acme.service acme.service",
        "unit-file /lib/systemd/system/acme-old.service acme-old.service",
        "unit-file /lib/systemd/system/acme.service acme.service",
        "mask /run/systemd/system/acme-old.service acme-old.service"}},
      {"drop-ins in every search directory, but not type-wide ones",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", kAcme)
             .file(E + "acme.service.d/override.conf", "[Service]\n")
             .file("/run/systemd/system/acme.service.d/runtime.conf", "[Service]\n")
             .link("/usr/lib/systemd/system/acme.service.d/10-vendor.conf", "../acme-common.conf")
             .file("/usr/lib/systemd/system/service.d/10-all.conf", "[Service]\n");
       },
       {{"acme.service"}, {}},
       {"drop-in-dir /etc/systemd/system/acme.service.d acme.service",
        "drop-in /etc/systemd/system/acme.service.d/override.conf acme.service",
        "unit-file /lib/systemd/system/acme.service acme.service",
        "drop-in-dir /run/systemd/system/acme.service.d acme.service",
        "drop-in /run/systemd/system/acme.service.d/runtime.conf acme.service",
        "drop-in-dir /usr/lib/systemd/system/acme.service.d acme.service",
        "drop-in /usr/lib/systemd/system/acme.service.d/10-vendor.conf acme.service"}},
      {"deb-systemd-helper state: .dsh-also, the links it lists, its mirror entries, masks",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", kAcme)
             .file(D + "acme.service.dsh-also",
                   "/etc/systemd/system/dbus-org.acme.service\n"
                   "/etc/systemd/system/timers.target.wants/acme-updater.timer\n"
                   "/etc/systemd/system/multi-user.target.wants/acme.service\n")
             .file(D + "dbus-org.acme.service", "")
             .file(D + "multi-user.target.wants/acme.service", "")
             .file(D + "timers.target.wants/acme-updater.timer", "")
             .file("/var/lib/systemd/deb-systemd-helper-masked/acme.service", "")
             .link(E + "timers.target.wants/acme-updater.timer",
                   "/lib/systemd/system/acme-updater.timer");
       },
       {{"acme.service"}, {}},
       {"enablement-link /etc/systemd/system/timers.target.wants/acme-updater.timer acme.service",
        "unit-file /lib/systemd/system/acme.service acme.service",
        "dsh-also /var/lib/systemd/deb-systemd-helper-enabled/acme.service.dsh-also acme.service",
        "dsh-enabled /var/lib/systemd/deb-systemd-helper-enabled/dbus-org.acme.service "
        "acme.service",
        "dsh-enabled /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/"
        "acme.service acme.service",
        "dsh-enabled /var/lib/systemd/deb-systemd-helper-enabled/timers.target.wants/"
        "acme-updater.timer acme.service",
        "dsh-masked /var/lib/systemd/deb-systemd-helper-masked/acme.service acme.service"}},
      {"deb-systemd-helper leftovers of a purged package",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(D + "acme.service.dsh-also",
                "/etc/systemd/system/multi-user.target.wants/acme.service\n")
             .file(D + "multi-user.target.wants/acme.service", "");
       },
       {{"acme.service"}, {}},
       {"dsh-also /var/lib/systemd/deb-systemd-helper-enabled/acme.service.dsh-also acme.service",
        "dsh-enabled /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/"
        "acme.service acme.service"}},
      {"SysV: the init script and its rc links, whatever they point to",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file("/etc/init.d/acme-agent", "#!/bin/sh\n")
             .link("/etc/rc0.d/K01acme-agent", "../init.d/acme-agent")
             .link("/etc/rc2.d/S01acme-agent", "../init.d/acme-agent")
             .link("/etc/rcS.d/S20acme-agent", "/nonexistent")
             .link("/etc/rc5.d/S01acme-agent-extra", "../init.d/acme-agent-extra")
             .file("/etc/rc3.d/README")
             .link("/etc/rc3.d/X01acme-agent", "../init.d/acme-agent");
       },
       {{}, {"acme-agent"}},
       {"init-script /etc/init.d/acme-agent acme-agent",
        "rc-link /etc/rc0.d/K01acme-agent acme-agent",
        "rc-link /etc/rc2.d/S01acme-agent acme-agent",
        "rc-link /etc/rcS.d/S20acme-agent acme-agent"}},
      {"SysV on a Red Hat layout: symlinked directories are reported by their real path",
       Layout::redhat,
       [](MemoryUnitTree& t) {
         t.file("/etc/rc.d/init.d/acme", "#!/bin/sh\n")
             .link("/etc/rc.d/rc3.d/S90acme", "../init.d/acme");
       },
       {{}, {"acme"}},
       {"init-script /etc/rc.d/init.d/acme acme", "rc-link /etc/rc.d/rc3.d/S90acme acme"}},
      {"globs: * and ? within the name",
       Layout::debian,
       [](MemoryUnitTree& t) {
         for (const char* n : {"acme-agent.service", "acme-updater.timer", "acme-updater.service",
                               "acme1.service", "acmeX.service", "acme12.service", "other.timer"})
           t.file(L + n, "[Unit]\n");
       },
       {{"acme-*.timer", "acme?.service"}, {}},
       {"unit-file /lib/systemd/system/acme-updater.timer acme-updater.timer",
        "unit-file /lib/systemd/system/acme1.service acme1.service",
        "unit-file /lib/systemd/system/acmeX.service acmeX.service"}},
      {"globs: [...] within the name",
       Layout::debian,
       [](MemoryUnitTree& t) {
         for (const char* n : {"acme1.service", "acmeX.service", "acme1.socket"})
           t.file(L + n, "[Unit]\n");
       },
       {{"acme[0-9].s*"}, {}},
       {"unit-file /lib/systemd/system/acme1.service acme1.service",
        "unit-file /lib/systemd/system/acme1.socket acme1.socket"}},
      {"templates: a glob on the template reaches its instances",
       Layout::debian,
       worker_template,
       {{"acme-worker@.service"}, {}},
       kWorkerArtifacts},
      {"templates: a glob on one instance reaches the template and the other instances",
       Layout::debian,
       worker_template,
       {{"acme-worker@one.service"}, {}},
       kWorkerArtifacts},
      {"precedence: every copy is reported, the /etc one first",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", kAcme)
             .file(E + "acme.service", "[Install]\nWantedBy=default.target\n")
             .file("/usr/local/lib/systemd/system/acme.service", kAcme);
       },
       {{"acme.service"}, {}},
       {"unit-file /etc/systemd/system/acme.service acme.service",
        "unit-file /lib/systemd/system/acme.service acme.service",
        "unit-file /usr/local/lib/systemd/system/acme.service acme.service"}},
      {"a unit file linked in from outside the search path",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file("/opt/acme/lib/acme.service", kAcme)
             .link(E + "acme.service", "/opt/acme/lib/acme.service");
       },
       {{"acme.service"}, {}},
       {"linked-unit /etc/systemd/system/acme.service acme.service"}},
      {"a same-name link to the vendor file",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", kAcme)
             .link(E + "acme.service", "../../../lib/systemd/system/acme.service");
       },
       {{"acme.service"}, {}},
       {"linked-unit /etc/systemd/system/acme.service acme.service",
        "unit-file /lib/systemd/system/acme.service acme.service"}},
      {"merged /usr: /lib/systemd/system is visited once, by its real path",
       Layout::merged_usr,
       [](MemoryUnitTree& t) {
         t.file("/usr/lib/systemd/system/acme.service", kAcme)
             .link(E + "multi-user.target.wants/acme.service", "/lib/systemd/system/acme.service");
       },
       {{"acme.service"}, {}},
       {"enablement-link /etc/systemd/system/multi-user.target.wants/acme.service acme.service",
        "unit-file /usr/lib/systemd/system/acme.service acme.service"}},
      {"dangling links left after the unit file went",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.link(E + "multi-user.target.wants/acme.service", "/lib/systemd/system/acme.service")
             .link(E + "dbus-org.acme.service", "/lib/systemd/system/acme.service");
       },
       {{"acme.service"}, {}},
       {"alias /etc/systemd/system/dbus-org.acme.service acme.service",
        "enablement-link /etc/systemd/system/multi-user.target.wants/acme.service acme.service"}},
      {"the unit's own .wants directory",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file(L + "acme.service", kAcme)
             .link(E + "acme.service.wants/chrony.service", "/lib/systemd/system/chrony.service");
       },
       {{"acme.service"}, {}},
       {"dependency-dir /etc/systemd/system/acme.service.wants acme.service",
        "unit-file /lib/systemd/system/acme.service acme.service"}},
      {"global user units and their Debian state",
       Layout::debian,
       [](MemoryUnitTree& t) {
         t.file("/usr/lib/systemd/user/acme-tray.service", "[Install]\nWantedBy=default.target\n")
             .link("/etc/systemd/user/default.target.wants/acme-tray.service",
                   "/usr/lib/systemd/user/acme-tray.service")
             .file(
                 "/var/lib/systemd/deb-systemd-user-helper-enabled/default.target.wants/"
                 "acme-tray.service",
                 "");
       },
       {{"acme-tray.service"}, {}},
       {"enablement-link /etc/systemd/user/default.target.wants/acme-tray.service "
        "acme-tray.service global",
        "unit-file /usr/lib/systemd/user/acme-tray.service acme-tray.service global",
        "dsh-enabled /var/lib/systemd/deb-systemd-user-helper-enabled/default.target.wants/"
        "acme-tray.service acme-tray.service global"}},
      {"a symlink loop is reported, not followed forever",
       Layout::debian,
       [](MemoryUnitTree& t) { t.link(E + "acme.service", "/etc/systemd/system/acme.service"); },
       {{"acme.service"}, {}},
       {"linked-unit /etc/systemd/system/acme.service acme.service"}},
      {"nothing matches",
       Layout::debian,
       [](MemoryUnitTree&) {},
       {{"nothing*.service"}, {"nothing"}},
       {}},
  };
  return cases;
}

}  // namespace

TEST_CASE("systemd: scan finds every artifact kind, and only the selected units'") {
  for (const auto& c : scan_cases()) {
    std::string case_name = c.name;
    CAPTURE(case_name);
    MemoryUnitTree tree;
    if (c.layout == Layout::merged_usr) tree.link("/lib", "usr/lib");
    if (c.layout == Layout::redhat)
      for (const char* d : {"init.d", "rc2.d", "rc3.d"})
        tree.link(std::string("/etc/") + d, std::string("rc.d/") + d);
    noise(tree, c.layout == Layout::merged_usr ? "/usr/lib/systemd/system/" : L,
          c.layout == Layout::redhat ? "/etc/rc.d/" : "/etc/");
    c.build(tree);
    CHECK(lines_of(scan_units(tree, c.query)) == c.expected);
  }
}

TEST_CASE("systemd: scan reports targets, precedence and the unit's state") {
  MemoryUnitTree tree;
  tree.link("/lib", "usr/lib");
  noise(tree, "/usr/lib/systemd/system/");
  tree.file("/usr/lib/systemd/system/acme.service", kAcme)
      .file(E + "acme.service", "[Install]\nWantedBy=default.target\nAlias=dbus-org.acme.service\n")
      .link(E + "default.target.wants/acme.service", "../acme.service")
      .link(E + "dbus-org.acme.service", "/lib/systemd/system/acme.service")
      .file(D + "acme.service.dsh-also", "/etc/systemd/system/dbus-org.acme.service\n");
  auto scan = scan_units(tree, {{"acme.service"}, {}});

  const auto* wants = find_artifact(scan, E + "default.target.wants/acme.service");
  REQUIRE(wants);
  CHECK(wants->target == "../acme.service");
  CHECK(wants->points_to == E + "acme.service");
  CHECK(wants->via == "default.target.wants");
  CHECK(wants->file_kind == FileKind::symlink);
  CHECK(wants->search_dir == "/etc/systemd/system");

  const auto* alias = find_artifact(scan, E + "dbus-org.acme.service");
  REQUIRE(alias);
  CHECK(alias->kind == UnitArtifactKind::alias);
  CHECK(alias->points_to == "/usr/lib/systemd/system/acme.service");

  const auto* etc = find_artifact(scan, E + "acme.service");
  const auto* vendor = find_artifact(scan, "/usr/lib/systemd/system/acme.service");
  REQUIRE(etc);
  REQUIRE(vendor);
  CHECK(etc->precedence < vendor->precedence);
  CHECK(etc->target.empty());

  const auto* info = find_unit(scan, "acme.service");
  REQUIRE(info);
  CHECK(info->fragment == E + "acme.service");
  CHECK(info->unit_files ==
        std::vector<std::string>{E + "acme.service", "/usr/lib/systemd/system/acme.service"});
  CHECK(info->install.wanted_by == std::vector<std::string>{"default.target"});
  CHECK(info->install.alias == std::vector<std::string>{"dbus-org.acme.service"});
  CHECK(info->state == UnitFileState::enabled);
  CHECK(info->enabled());
  CHECK(info->dsh_links == std::vector<std::string>{"/etc/systemd/system/dbus-org.acme.service"});
  CHECK(scan.units.size() == 1);
}

TEST_CASE("systemd: scan gives every unit of a template family its own verdict") {
  MemoryUnitTree tree;
  noise(tree);
  worker_template(tree);
  auto scan = scan_units(tree, {{"acme-worker@*"}, {}});
  std::vector<std::string> got;
  for (const auto& u : scan.units)
    got.push_back(u.name + " " + std::string(unit_file_state_name(u.state)));
  CHECK(got == std::vector<std::string>{
                   "acme-worker@.service indirect", "acme-worker@one.service enabled",
                   "acme-worker@three.service disabled", "acme-worker@two.service enabled"});
  CHECK(find_unit(scan, "acme-worker@one.service")->fragment == L + "acme-worker@.service");
}

TEST_CASE("systemd: scan refuses globs that cannot name a unit") {
  MemoryUnitTree tree;
  CHECK_THROWS_AS(scan_units(tree, {{"/etc/systemd/system/acme.service"}, {}}), Error);
  CHECK_THROWS_AS(scan_units(tree, {{""}, {}}), Error);
  CHECK_THROWS_AS(scan_units(tree, {{}, {"init.d/acme"}}), Error);
}
