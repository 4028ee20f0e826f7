#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "excise/error.hpp"
#include "system/dpkg_package.hpp"
#include "system/dpkg_relations.hpp"

using namespace excise;
using namespace excise::sys;

namespace {

// One alternative as "name[:arch] op version", for compact tables.
std::string describe(const DpkgRelation& r) {
  std::string out = r.name;
  if (!r.arch.empty()) out += ":" + r.arch;
  if (r.op != VersionOp::none) {
    out += " ";
    out += version_op_text(r.op);
    out += " " + r.version.str();
  }
  return out;
}

}  // namespace

TEST_CASE("dpkg: relation fields parse into groups of alternatives") {
  struct Case {
    const char* text;
    std::vector<std::vector<std::string>> groups;
  };
  const Case cases[] = {
      {"", {}},
      {"libc6 (>= 2.34)", {{"libc6 >= 2.34"}}},
      {"libacl1 (= 2.3.1-3), libc6 (>= 2.34)", {{"libacl1 = 2.3.1-3"}, {"libc6 >= 2.34"}}},
      {"default-mta | mail-transport-agent", {{"default-mta", "mail-transport-agent"}}},
      {"python3:any (>= 3.9~), perl:any", {{"python3:any >= 3.9~"}, {"perl:any"}}},
      {"libfoo:amd64 (<< 2)", {{"libfoo:amd64 << 2"}}},
      {"a (<= 1), b (< 1), c (> 1), d(>>1)", {{"a <= 1"}, {"b <= 1"}, {"c >= 1"}, {"d >> 1"}}},
      {"a,\n b |\n c", {{"a"}, {"b", "c"}}},  // folded over continuation lines
      {"a [amd64 i386] <!nocheck>, b", {{"a"}, {"b"}}},
      {"a, , b,", {{"a"}, {"b"}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto groups = parse_relations(c.text, "Depends");
    REQUIRE(groups.size() == c.groups.size());
    for (std::size_t g = 0; g < groups.size(); ++g) {
      REQUIRE(groups[g].alternatives.size() == c.groups[g].size());
      for (std::size_t a = 0; a < c.groups[g].size(); ++a) {
        CHECK(describe(groups[g].alternatives[a]) == c.groups[g][a]);
      }
    }
  }
  const auto groups = parse_relations("  x (>= 1) |  y ", "Depends");
  CHECK(groups[0].text == "x (>= 1) |  y");
  CHECK(groups[0].alternatives[0].text == "x (>= 1)");
}

TEST_CASE("dpkg: malformed relations are refused with the field name") {
  const char* bad[] = {"(>= 1)", "a (>= 1", "a (1.0)", "a (== 1)", "a | | b", "a:", "a junk"};
  for (const char* text : bad) {
    CAPTURE(text);
    try {
      parse_relations(text, "Pre-Depends");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("Pre-Depends") == 0);
    }
  }
}

TEST_CASE("dpkg: status field") {
  struct Case {
    const char* text;
    DpkgWant want;
    DpkgEflag eflag;
    DpkgState state;
  };
  const Case cases[] = {
      {"install ok installed", DpkgWant::install, DpkgEflag::ok, DpkgState::installed},
      {"deinstall ok config-files", DpkgWant::deinstall, DpkgEflag::ok, DpkgState::config_files},
      {"purge ok not-installed", DpkgWant::purge, DpkgEflag::ok, DpkgState::not_installed},
      {"install reinstreq half-installed", DpkgWant::install, DpkgEflag::reinstreq,
       DpkgState::half_installed},
      {"install ok unpacked", DpkgWant::install, DpkgEflag::ok, DpkgState::unpacked},
      {"install ok half-configured", DpkgWant::install, DpkgEflag::ok, DpkgState::half_configured},
      {"install ok triggers-awaited", DpkgWant::install, DpkgEflag::ok,
       DpkgState::triggers_awaited},
      {"hold ok triggers-pending", DpkgWant::hold, DpkgEflag::ok, DpkgState::triggers_pending},
      {"unknown ok not-installed", DpkgWant::unknown, DpkgEflag::ok, DpkgState::not_installed},
      {"install hold installed", DpkgWant::install, DpkgEflag::ok, DpkgState::installed},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const DpkgStatus s = parse_status_field(c.text);
    CHECK(s.want == c.want);
    CHECK(s.eflag == c.eflag);
    CHECK(s.state == c.state);
  }
  for (const char* bad : {"", "install ok", "install ok installed extra", "install ok gone",
                          "wanted ok installed", "install bad installed"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_status_field(bad), Error);
  }
  CHECK(state_name(DpkgState::half_configured) == "half-configured");
}

TEST_CASE("dpkg: conffiles field") {
  const auto c = parse_conffiles_field(
      "\n /etc/a.conf 0123"
      "\n /etc/b.conf 4567 obsolete"
      "\n /etc/c.conf newconffile remove-on-upgrade"
      "\n /etc/d.conf 89ab obsolete remove-on-upgrade");
  REQUIRE(c.size() == 4);
  CHECK(c[0].path == "/etc/a.conf");
  CHECK(c[0].md5 == "0123");
  CHECK_FALSE(c[0].obsolete);
  CHECK(c[1].obsolete);
  CHECK(c[2].md5 == "newconffile");
  CHECK(c[2].remove_on_upgrade);
  CHECK((c[3].obsolete && c[3].remove_on_upgrade));
  CHECK_THROWS_AS(parse_conffiles_field("\n /etc/a.conf"), Error);
  CHECK_THROWS_AS(parse_conffiles_field("\n /etc/a.conf 0123 bogus"), Error);
}

TEST_CASE("dpkg: typed package from a stanza") {
  const auto stanzas = parse_stanzas(
      "Package: libacme1\n"
      "Status: install ok installed\n"
      "Priority: optional\n"
      "Architecture: amd64\n"
      "Multi-Arch: same\n"
      "Essential: yes\n"
      "Version: 1:2.0-3\n"
      "Depends: libc6 (>= 2.34)\n"
      "Pre-Depends: dpkg (>= 1.15)\n"
      "Provides: libacme (= 2.0), acme-api\n"
      "Conffiles:\n /etc/acme.conf abcd\n",
      "status");
  const DpkgPackage p = package_from_stanza(stanzas.at(0), "status");
  CHECK(p.name == "libacme1");
  CHECK(p.arch == "amd64");
  CHECK(p.multi_arch == MultiArch::same);
  CHECK(p.display_name() == "libacme1:amd64");
  CHECK(p.version_text == "1:2.0-3");
  CHECK(p.version->epoch == 1);
  CHECK(p.essential);
  CHECK(p.priority == "optional");
  CHECK(p.present());
  CHECK(p.unpacked());
  CHECK(p.depends.size() == 1);
  CHECK(p.pre_depends.at(0).alternatives.at(0).name == "dpkg");
  CHECK(p.provides.size() == 2);
  CHECK(p.conffiles.at(0).path == "/etc/acme.conf");

  const auto rc = parse_stanzas("Package: gone\nStatus: deinstall ok config-files\n", "status");
  const DpkgPackage q = package_from_stanza(rc.at(0), "status");
  CHECK(q.present());
  CHECK_FALSE(q.unpacked());
  CHECK_FALSE(q.version.has_value());
  CHECK(q.display_name() == "gone");

  const auto bad = parse_stanzas("Package: x\nStatus: install ok installed\nVersion: 1.0-\n",
                                 "/var/lib/dpkg/status");
  try {
    package_from_stanza(bad.at(0), "/var/lib/dpkg/status");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "/var/lib/dpkg/status line 1: package x: version \"1.0-\": empty revision");
  }
  const auto nameless = parse_stanzas("Version: 1\n", "status");
  CHECK_THROWS_AS(package_from_stanza(nameless.at(0), "status"), Error);
}
