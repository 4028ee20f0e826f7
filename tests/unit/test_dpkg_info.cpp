#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "excise/error.hpp"
#include "system/dpkg_info.hpp"

using namespace excise;
using namespace excise::sys;

TEST_CASE("dpkg: info file names follow Multi-Arch and the database format") {
  struct Case {
    const char* name;
    const char* arch;
    MultiArch multi_arch;
    InfoFormat format;
    const char* expected;
  };
  const Case cases[] = {
      {"acl", "amd64", MultiArch::foreign, InfoFormat::multiarch, "acl.list"},
      {"adduser", "all", MultiArch::foreign, InfoFormat::multiarch, "adduser.list"},
      {"libc6", "amd64", MultiArch::same, InfoFormat::multiarch, "libc6:amd64.list"},
      {"libc6", "i386", MultiArch::same, InfoFormat::multiarch, "libc6:i386.list"},
      {"libc6", "amd64", MultiArch::same, InfoFormat::legacy, "libc6.list"},
      {"tool", "i386", MultiArch::no, InfoFormat::multiarch, "tool.list"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.expected);
    DpkgPackage p;
    p.name = c.name;
    p.arch = c.arch;
    p.multi_arch = c.multi_arch;
    CHECK(info_file_name(p, "list", c.format) == c.expected);
  }
  CHECK(parse_info_format("1\n") == InfoFormat::multiarch);
  CHECK(parse_info_format("") == InfoFormat::legacy);
  CHECK(parse_info_format("0\n") == InfoFormat::legacy);
  CHECK_THROWS_AS(parse_info_format("2\n"), Error);
}

TEST_CASE("dpkg: path normalization like dpkg's") {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"/.", "/"},       {"/", "/"},         {"//", "/"},         {"/usr", "/usr"},
      {"/usr/", "/usr"}, {"/usr/.", "/usr"}, {"/usr/./", "/usr"}, {"/a b/c\xff", "/a b/c\xff"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.in);
    CHECK(normalize_dpkg_path(c.in) == c.out);
  }
}

TEST_CASE("dpkg: .list files") {
  CHECK(parse_list_file("") == std::vector<std::string>{});
  CHECK(parse_list_file("/.\n/etc\n/etc/acme.conf\n") ==
        std::vector<std::string>{"/", "/etc", "/etc/acme.conf"});
  CHECK(parse_list_file("/opt/acme\n\n/opt/acme/with space") ==
        std::vector<std::string>{"/opt/acme", "/opt/acme/with space"});
}

TEST_CASE("dpkg: .md5sums files") {
  const auto sums = parse_md5sums_file(
      "2ba08fece3b3434a669f3c529bbea383  usr/sbin/adduser\n"
      "808647b72aa26222070ae241158f22bf *usr/sbin/binary mode\n"
      "\n",
      "info/adduser.md5sums");
  REQUIRE(sums.size() == 2);
  CHECK(sums[0].path == "/usr/sbin/adduser");
  CHECK(sums[0].md5 == "2ba08fece3b3434a669f3c529bbea383");
  CHECK(sums[1].path == "/usr/sbin/binary mode");
  try {
    parse_md5sums_file("ok  usr/a\nnopath\n", "info/x.md5sums");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("info/x.md5sums line 2:") == 0);
  }
}

TEST_CASE("dpkg: .conffiles files") {
  const auto c = parse_conffiles_file("/etc/a.conf\nremove-on-upgrade /etc/b.conf\n", "x");
  REQUIRE(c.size() == 2);
  CHECK(c[0].path == "/etc/a.conf");
  CHECK_FALSE(c[0].remove_on_upgrade);
  CHECK(c[1].path == "/etc/b.conf");
  CHECK(c[1].remove_on_upgrade);
  CHECK_THROWS_AS(parse_conffiles_file("etc/relative\n", "x"), Error);
}

TEST_CASE("dpkg: diversions file") {
  const auto d = parse_diversions(
      "/usr/bin/pg_config\n/usr/bin/pg_config.libpq-dev\npostgresql-common\n"
      "/etc/issue\n/etc/issue.orig\n:\n",
      "diversions");
  REQUIRE(d.size() == 2);
  CHECK(d[0].from == "/usr/bin/pg_config");
  CHECK(d[0].to == "/usr/bin/pg_config.libpq-dev");
  CHECK(d[0].package == "postgresql-common");
  CHECK(d[1].package.empty());  // local diversion
  CHECK(parse_diversions("", "diversions").empty());
  CHECK_THROWS_AS(parse_diversions("/a\n/b\n", "diversions"), Error);
}
