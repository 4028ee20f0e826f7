#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "excise/error.hpp"
#include "system/dpkg_database.hpp"

using namespace excise;
using namespace excise::sys;

namespace {

// A small root: acme-agent (the banned product), its library, a plugin that needs it,
// a tool with an alternative, a virtual package, a Multi-Arch: same library on two
// architectures, a removed package with only conffiles, and a diversion.
const char* const kStatus = R"(Package: acme-agent
Status: install ok installed
Architecture: amd64
Version: 2.1-1
Depends: libacme1 (>= 2.0), libc6
Provides: acme-api (= 2.1), remote-access

Package: acme-plugin
Status: install ok installed
Architecture: all
Version: 1.0
Depends: acme-agent (>= 2.0)

Package: dpkg
Status: install ok installed
Architecture: amd64
Version: 1.21.22

Package: gone
Status: deinstall ok config-files
Architecture: amd64
Version: 0.9
Conffiles:
 /etc/gone.conf 0123

Package: helpdesk
Status: install ok installed
Architecture: amd64
Version: 3.0
Depends: remote-access | vnc-server, acme-api (>= 2), libc6
Pre-Depends: acme-agent | other-agent

Package: libacme1
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.1-1

Package: libacme1
Status: install ok installed
Architecture: i386
Multi-Arch: same
Version: 2.1-1

Package: libc6
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Version: 2.36-9

Package: nolist
Status: install ok unpacked
Architecture: amd64
Version: 1

Package: old
Status: purge ok not-installed
Architecture: amd64

Package: vnc
Status: install ok installed
Architecture: amd64
Version: 1
Provides: vnc-server
)";

const std::map<std::string, std::string> kFiles = {
    {"info/format", "1\n"},
    {"diversions", "/usr/bin/acme\n/usr/bin/acme.real\nhelpdesk\n"},
    {"info/acme-agent.list",
     "/.\n/opt\n/opt/acme\n/opt/acme/bin\n/opt/acme/bin/agent\n/usr\n/usr/bin\n/usr/bin/acme\n"},
    {"info/acme-plugin.list", "/.\n/opt\n/opt/acme\n/opt/acme/plugins\n/opt/acme/plugins/p.so\n"},
    {"info/dpkg.list", "/.\n/usr\n/usr/bin\n/usr/bin/dpkg\n"},
    {"info/gone.list", "/etc/gone.conf\n"},
    {"info/helpdesk.list", "/.\n/usr\n/usr/bin\n/usr/bin/acme\n/opt\n/opt/acmeish\n"},
    {"info/libacme1:amd64.list", "/.\n/usr/lib/x86_64-linux-gnu/libacme.so.1\n"},
    {"info/libacme1:i386.list", "/.\n/usr/lib/i386-linux-gnu/libacme.so.1\n"},
    {"info/libc6:amd64.list", "/.\n/usr/lib/x86_64-linux-gnu/libc.so.6\n"},
    {"info/vnc.list", "/.\n/usr/bin/vnc\n"},
};

DpkgDatabase load() {
  return DpkgDatabase::load(kStatus, [](std::string_view name) -> std::optional<std::string> {
    const auto it = kFiles.find(std::string(name));
    if (it == kFiles.end()) return std::nullopt;
    return it->second;
  });
}

std::vector<std::string> names(const DpkgDatabase& db, const std::vector<std::uint32_t>& ids) {
  std::vector<std::string> out;
  for (auto i : ids)
    out.push_back(db.packages()[i].display_name());
  return out;
}

std::uint32_t id(const DpkgDatabase& db, std::string_view name, std::string_view arch = {}) {
  const auto found = db.find(name, arch);
  REQUIRE(found.has_value());
  return *found;
}

}  // namespace

TEST_CASE("dpkg: database finds packages by name and architecture") {
  const DpkgDatabase db = load();
  CHECK(db.packages().size() == 11);
  CHECK(db.native_arch() == "amd64");
  CHECK(db.packages()[id(db, "acme-agent")].version_text == "2.1-1");
  CHECK(db.find_all("libacme1").size() == 2);
  CHECK(db.packages()[id(db, "libacme1")].arch == "amd64");  // native wins
  CHECK(db.packages()[id(db, "libacme1", "i386")].arch == "i386");
  CHECK_FALSE(db.find("libacme1", "arm64").has_value());
  CHECK_FALSE(db.find("nothing").has_value());
  CHECK(db.stanza(id(db, "gone")).get("Conffiles").has_value());
  // The only problem: an unpacked package without its file list. "gone" (config-files)
  // and "old" (not-installed) are not problems.
  REQUIRE(db.problems().size() == 1);
  CHECK(db.problems()[0] ==
        "package nolist (unpacked): info/nolist.list is missing; it owns no files");
}

TEST_CASE("dpkg: database answers who owns a path") {
  const DpkgDatabase db = load();
  struct Case {
    const char* path;
    std::vector<std::string> owners;
  };
  const Case cases[] = {
      {"/opt/acme/bin/agent", {"acme-agent"}},
      {"/opt/acme", {"acme-agent", "acme-plugin"}},
      {"/opt/acme/", {"acme-agent", "acme-plugin"}},
      {"/usr/lib/i386-linux-gnu/libacme.so.1", {"libacme1:i386"}},
      {"/etc/gone.conf", {"gone"}},
      {"/nowhere", {}},
      // helpdesk diverts /usr/bin/acme: acme-agent's copy lives at /usr/bin/acme.real.
      {"/usr/bin/acme", {"helpdesk"}},
      {"/usr/bin/acme.real", {"acme-agent"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CHECK(names(db, db.owners(c.path)) == c.owners);
  }
  REQUIRE(db.diversion_of("/usr/bin/acme") != nullptr);
  CHECK(db.diversion_of("/usr/bin/acme")->package == "helpdesk");
  CHECK(db.diversion_to("/usr/bin/acme.real")->from == "/usr/bin/acme");
  CHECK(db.diversion_of("/usr/bin/dpkg") == nullptr);
}

TEST_CASE("dpkg: database lists what is owned below a directory") {
  const DpkgDatabase db = load();
  const auto below = db.owned_below("/opt/acme");
  std::vector<std::string> got;
  for (const auto& o : below)
    got.push_back(o.path + " " + db.packages()[o.package].name);
  // Sorted by path; /opt/acmeish is not below /opt/acme and /opt/acme itself is not listed.
  CHECK(got == std::vector<std::string>{
                   "/opt/acme/bin acme-agent", "/opt/acme/bin/agent acme-agent",
                   "/opt/acme/plugins acme-plugin", "/opt/acme/plugins/p.so acme-plugin"});
  // "Is anything below /opt/acme owned by a package other than acme-agent?"
  const auto agent = id(db, "acme-agent");
  bool others = false;
  for (const auto& o : below)
    others = others || o.package != agent;
  CHECK(others);
  CHECK(db.owned_below("/opt/acme/bin/agent").empty());
  CHECK(db.owned_below("/").size() > 10);
}

TEST_CASE("dpkg: reverse dependencies that removing packages would break") {
  const DpkgDatabase db = load();
  auto describe = [&](const std::vector<BrokenDependency>& broken) {
    std::vector<std::string> out;
    for (const auto& b : broken) {
      std::string line =
          db.packages()[b.dependent].display_name() + " " + b.field + ": " + b.relation + " <-";
      for (auto r : b.removed)
        line += " " + db.packages()[r].display_name();
      out.push_back(line);
    }
    return out;
  };
  struct Case {
    const char* name;
    std::vector<std::uint32_t> removed;
    std::vector<std::string> broken;
  };
  const Case cases[] = {
      {"the agent alone",
       {id(db, "acme-agent")},
       {"acme-plugin Depends: acme-agent (>= 2.0) <- acme-agent",
        "helpdesk Pre-Depends: acme-agent | other-agent <- acme-agent",
        // remote-access has another provider's alternative (vnc-server), so only the
        // versioned virtual dependency breaks.
        "helpdesk Depends: acme-api (>= 2) <- acme-agent"}},
      {"the agent and its plugin",
       {id(db, "acme-agent"), id(db, "acme-plugin")},
       {"helpdesk Pre-Depends: acme-agent | other-agent <- acme-agent",
        "helpdesk Depends: acme-api (>= 2) <- acme-agent"}},
      {"the i386 library: the amd64 agent does not use it", {id(db, "libacme1", "i386")}, {}},
      {"the amd64 library",
       {id(db, "libacme1", "amd64")},
       {"acme-agent Depends: libacme1 (>= 2.0) <- libacme1:amd64"}},
      {"vnc: remote-access is still provided", {id(db, "vnc")}, {}},
      {"a package nobody needs", {id(db, "helpdesk")}, {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(describe(db.broken_by_removing(c.removed)) == c.broken);
  }
  CHECK(describe(db.reverse_dependencies(id(db, "acme-plugin"))).empty());
}

TEST_CASE("dpkg: database load errors name the file") {
  auto none = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
  try {
    DpkgDatabase::load("Package: x\nStatus: install ok broken\n", none);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "dpkg status line 1: package x: bad Status \"install ok broken\"");
  }
  auto bad_diversions = [](std::string_view name) -> std::optional<std::string> {
    if (name == "diversions") return std::string("/a\n");
    return std::nullopt;
  };
  CHECK_THROWS_AS(DpkgDatabase::load("", bad_diversions), Error);
}

TEST_CASE("dpkg: database notices dpkg's unapplied journal records") {
  auto with_updates = [](std::string_view name) -> std::optional<std::string> {
    if (name == "updates/0000" || name == "updates/0001") return std::string("Package: x\n");
    return std::nullopt;
  };
  const DpkgDatabase db = DpkgDatabase::load("", with_updates);
  CHECK(db.pending_updates() == 2);
  REQUIRE(db.problems().size() == 1);
  CHECK(db.problems()[0].find("dpkg has 2 unapplied record(s) in updates/") == 0);
  CHECK(load().pending_updates() == 0);
}
