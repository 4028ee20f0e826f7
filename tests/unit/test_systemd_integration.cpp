// The scanner against the real tools: systemctl --root and deb-systemd-helper make links
// in a temporary root, and the scanner must find exactly those, and agree with
// `systemctl --root is-enabled` on every unit.
#include <doctest/doctest.h>

#include <set>

#include "posix_unit_tree.hpp"
#include "system/systemd_units.hpp"
#include "system/unit_index.hpp"
#include "systemd_state_cases.hpp"
#include "systemd_test_util.hpp"

using namespace excise::sys;
using namespace excise::sys::testing;

namespace {

bool have(const char* tool) {
  return run_command({"sh", "-c", std::string("command -v ") + tool}).status == 0;
}

// systemctl's word, or what its error means: 252 prints no state for a missing unit.
std::string systemctl_state(const TempRoot& root, const std::string& unit) {
  auto r = run_command({"systemctl", "--root=" + root.path(), "is-enabled", unit});
  std::string word = r.out.substr(0, r.out.find('\n'));
  if (!word.empty()) return word;
  return r.err.find("No such file or directory") != std::string::npos ? "not-found" : "bad";
}

void systemctl(const TempRoot& root, std::vector<std::string> args) {
  args.insert(args.begin(), {"systemctl", "--root=" + root.path()});
  auto r = run_command(args);
  INFO(r.err);
  REQUIRE(r.status == 0);
}

std::string unit_text(const std::string& install) {
  return "[Unit]\nDescription=test\n[Service]\nExecStart=/bin/true\n" +
         (install.empty() ? std::string() : "[Install]\n" + install);
}

// The kind the scanner must give a link systemctl made at `path`.
std::string link_kind(const std::string& path, const std::string& target) {
  std::string dir = path_basename(path_dirname(path));
  for (const char* suffix : {".wants", ".requires", ".upholds"})
    if (dir.size() > std::string_view(suffix).size() &&
        dir.substr(dir.size() - std::string_view(suffix).size()) == suffix)
      return "enablement-link";
  if (target == "/dev/null") return "mask";
  return path_basename(target) == path_basename(path) ? "linked-unit" : "alias";
}

bool is_link_kind(UnitArtifactKind k) {
  return k == UnitArtifactKind::enablement_link || k == UnitArtifactKind::alias ||
         k == UnitArtifactKind::mask || k == UnitArtifactKind::linked_unit;
}

// Links that appeared since `before`, except the other product's (ssh), as "kind path".
std::set<std::string> created_links(const std::map<std::string, std::string>& before,
                                    const std::map<std::string, std::string>& after) {
  std::set<std::string> out;
  for (const auto& [path, what] : after) {
    if (before.count(path) && before.at(path) == what) continue;
    if (what.rfind("link -> ", 0) != 0) continue;
    std::string target = what.substr(8);
    if (path_basename(target).rfind("ssh", 0) == 0) continue;
    out.insert(link_kind(path, target) + " " + path);
  }
  return out;
}

std::set<std::string> scanned_links(const UnitScan& scan) {
  std::set<std::string> out;
  for (const auto& a : scan.artifacts)
    if (is_link_kind(a.kind) && a.path.rfind("/etc/", 0) == 0)
      out.insert(std::string(unit_artifact_kind_name(a.kind)) + " " + a.path);
  return out;
}

// Every unit the scan reports, plus a few more names, must get systemctl's verdict.
void check_verdicts(const TempRoot& root, const UnitScan& scan,
                    const std::vector<std::string>& extra) {
  PosixUnitTree tree(root.path());
  auto index = index_scope(tree, UnitScope::system);
  std::vector<std::string> names = extra;
  for (const auto& u : scan.units)
    if (u.scope == UnitScope::system) names.push_back(u.name);
  for (const auto& name : names) {
    CAPTURE(name);
    CHECK(std::string(unit_file_state_name(lookup_unit(tree, index, name).state)) ==
          systemctl_state(root, name));
  }
}

}  // namespace

TEST_CASE("systemd: scan finds exactly the links systemctl --root made, with its verdicts") {
  if (!have("systemctl")) {
    MESSAGE("systemctl not installed: skipped");
    return;
  }
  TempRoot root;
  const std::string L = "/lib/systemd/system/";
  root.mkdir("/etc/systemd/system");
  root.write(L + "acme.service",
             unit_text("WantedBy=multi-user.target\nAlias=dbus-org.acme.service\n"
                       "Also=acme-updater.timer\n"));
  root.write(L + "acme-updater.timer",
             "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n");
  root.write(L + "acme-updater.service", unit_text(""));
  root.write(L + "acme-worker@.service", unit_text("WantedBy=multi-user.target\n"));
  root.write(L + "acme-helper.service", unit_text("RequiredBy=acme.service\n"));
  root.write(L + "acme-old.service", unit_text("WantedBy=multi-user.target\n"));
  root.write(L + "acme-idle.service", unit_text("WantedBy=multi-user.target\n"));
  root.write("/opt/acme/acme-linked.service", unit_text("WantedBy=multi-user.target\n"));
  root.write(L + "ssh.service", unit_text("WantedBy=multi-user.target\nAlias=sshd.service\n"));
  const std::set<std::string> unit_files = {
      "unit-file " + L + "acme-helper.service", "unit-file " + L + "acme-idle.service",
      "unit-file " + L + "acme-old.service",    "unit-file " + L + "acme-updater.service",
      "unit-file " + L + "acme-updater.timer",  "unit-file " + L + "acme-worker@.service",
      "unit-file " + L + "acme.service",
  };
  const std::vector<std::string> extra = {"dbus-org.acme.service", "acme-worker@two.service",
                                          "ssh.service", "sshd.service", "acme-none.service"};
  const UnitQuery query{{"acme*"}, {}};
  PosixUnitTree tree(root.path());
  auto before = root.snapshot();

  SUBCASE("enable, link and mask") {
    systemctl(root, {"enable", "acme.service", "acme-worker@one.service", "acme-helper.service",
                     "ssh.service"});
    systemctl(root, {"link", "/opt/acme/acme-linked.service"});
    systemctl(root, {"mask", "acme-old.service"});
    auto expected = created_links(before, root.snapshot());
    auto scan = scan_units(tree, query);
    CHECK(scanned_links(scan) == expected);
    CHECK(expected.size() == 7);  // 2 wants, requires, timer, alias, linked, mask

    std::set<std::string> files;
    for (const auto& a : scan.artifacts)
      if (a.kind == UnitArtifactKind::unit_file) files.insert("unit-file " + a.path);
    CHECK(files == unit_files);
    // acme-helper's RequiredBy=acme.service made acme.service.requires/: acme's own.
    auto* requires_dir = find_artifact(scan, "/etc/systemd/system/acme.service.requires");
    REQUIRE(requires_dir);
    CHECK(requires_dir->kind == UnitArtifactKind::dependency_dir);
    CHECK(scan.artifacts.size() == expected.size() + unit_files.size() + 1);
    check_verdicts(root, scan, extra);
  }

  SUBCASE("then disable again") {
    systemctl(root, {"enable", "acme.service", "acme-worker@one.service", "ssh.service"});
    systemctl(root, {"mask", "acme-old.service"});
    systemctl(root, {"disable", "acme.service"});
    systemctl(root, {"enable", "/opt/acme/acme-linked.service"});
    auto expected = created_links(before, root.snapshot());
    auto scan = scan_units(tree, query);
    CHECK(scanned_links(scan) == expected);
    CHECK(find_unit(scan, "acme.service")->state == UnitFileState::disabled);
    check_verdicts(root, scan, extra);
  }
}

TEST_CASE("systemd: scan finds what deb-systemd-helper made and recorded") {
  if (!have("deb-systemd-helper") || !have("systemctl")) {
    MESSAGE("deb-systemd-helper not installed: skipped");
    return;
  }
  TempRoot root;
  const std::string L = "/lib/systemd/system/";
  root.mkdir("/etc/systemd/system");
  root.write(L + "acme.service",
             unit_text("WantedBy=multi-user.target\nAlias=dbus-org.acme.service\n"
                       "Also=acme-updater.timer\n"));
  root.write(L + "acme-updater.timer",
             "[Timer]\nOnCalendar=daily\n[Install]\nWantedBy=timers.target\n");
  auto before = root.snapshot();
  // What a maintainer script does; the helper refuses to run outside dpkg otherwise.
  const std::vector<std::string> env = {"DPKG_ROOT=" + root.path(),
                                        "DPKG_MAINTSCRIPT_PACKAGE=acme-agent"};
  REQUIRE(run_command({"deb-systemd-helper", "enable", "acme.service"}, env).status == 0);
  REQUIRE(run_command({"deb-systemd-helper", "mask", "acme-old.service"}, env).status == 0);

  std::set<std::string> created;
  for (const auto& [path, what] : root.snapshot())
    if (!before.count(path) && what != "dir") created.insert(path);
  REQUIRE(created.size() == 9);  // 3 links + a mask, their 4 mirror entries, the .dsh-also

  PosixUnitTree tree(root.path());
  auto scan = scan_units(tree, {{"acme.service", "acme-old.service"}, {}});
  std::set<std::string> found;
  for (const auto& a : scan.artifacts)
    if (a.kind != UnitArtifactKind::unit_file) found.insert(a.path);
  CHECK(found == created);
  const auto* info = find_unit(scan, "acme.service");
  REQUIRE(info);
  CHECK(info->dsh_links.size() == 3);
  CHECK(std::string(unit_file_state_name(info->state)) == systemctl_state(root, "acme.service"));
}

TEST_CASE("systemd: the is-enabled table matches the real systemctl") {
  if (!have("systemctl")) {
    MESSAGE("systemctl not installed: skipped");
    return;
  }
  for (const auto& c : state_cases()) {
    std::string case_name = c.name;
    CAPTURE(case_name);
    MemoryUnitTree fake;
    c.build(fake);
    TempRoot root;
    // A booted system has /dev/null; systemctl --root only sees one inside the root (an
    // empty file is as good), else it fails on a drop-in masked by a link to it.
    root.write("/dev/null", "");
    fake.visit([&](const std::string& path, FileKind kind, const std::string& data) {
      if (kind == FileKind::directory) root.mkdir(path);
      if (kind == FileKind::regular) root.write(path, data);
      if (kind == FileKind::symlink) root.symlink(path, data);
    });
    CHECK(systemctl_state(root, c.unit) == c.state);
    PosixUnitTree tree(root.path());
    CHECK(unit_file_state_name(
              lookup_unit(tree, index_scope(tree, UnitScope::system), c.unit).state) == c.state);
  }
}
