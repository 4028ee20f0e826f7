#include <doctest/doctest.h>

#include "excise/error.hpp"
#include "system/unit_install.hpp"
#include "system/unit_name.hpp"
#include "system/unit_tree.hpp"
#include "system/unit_tree_memory.hpp"

using namespace excise;
using namespace excise::sys;

TEST_CASE("systemd: unit names, templates and instances") {
  struct Case {
    const char* name;
    UnitNameForm form;
    const char* templ;
    const char* instance;
  };
  const Case cases[] = {
      {"acme.service", UnitNameForm::plain, "acme.service", ""},
      {"acme-updater.timer", UnitNameForm::plain, "acme-updater.timer", ""},
      {"acme@.service", UnitNameForm::templ, "acme@.service", ""},
      {"acme@one.service", UnitNameForm::instance, "acme@.service", "one"},
      {"acme@a@b.service", UnitNameForm::instance, "acme@.service", "a@b"},
      {"dev-disk-by\\x2duuid.mount", UnitNameForm::plain, "dev-disk-by\\x2duuid.mount", ""},
      {"acme.conf", UnitNameForm::invalid, "acme.conf", ""},
      {"service", UnitNameForm::invalid, "service", ""},
      {".service", UnitNameForm::invalid, ".service", ""},
      {"@x.service", UnitNameForm::invalid, "@x.service", ""},
      {"ac me.service", UnitNameForm::invalid, "ac me.service", ""},
      {"acme.service.dsh-also", UnitNameForm::invalid, "acme.service.dsh-also", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(unit_name_form(c.name) == c.form);
    CHECK(unit_template_of(c.name) == c.templ);
    CHECK(unit_instance_of(c.name) == c.instance);
  }
  CHECK(unit_name_form(std::string(252, 'a') + ".service") == UnitNameForm::invalid);
  CHECK(unit_with_instance("acme@.service", "two") == "acme@two.service");
  CHECK(unit_with_instance("acme.service", "two") == "acme.service");
}

TEST_CASE("systemd: which alias links systemd accepts") {
  struct Case {
    const char* link;
    const char* target;
    bool valid;
  };
  const Case cases[] = {
      {"dbus-org.acme.service", "acme.service", true},
      {"acme.service", "acme.service", false},  // self-alias
      {"acme.socket", "acme.service", false},   // across types
      {"acme.mount", "other.mount", false},     // mounts cannot alias
      {"a@.service", "b@.service", true},
      {"a@.service", "b.service", false},
      {"a@x.service", "b@.service", true},  // an instance to a template
      {"a@x.service", "b@x.service", true},
      {"a@x.service", "b@y.service", false},
      {"a.service", "b@x.service", false},
      {"a.service", "not a unit", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.link);
    CAPTURE(c.target);
    CHECK(valid_alias_link(c.link, c.target) == c.valid);
  }
}

TEST_CASE("systemd: name globs") {
  struct Case {
    const char* glob;
    const char* name;
    bool match;
  };
  const Case cases[] = {
      {"acme-agent.service", "acme-agent.service", true},
      {"acme-*.timer", "acme-updater.timer", true},
      {"acme-*.timer", "acme-updater.service", false},
      {"acme?.service", "acme1.service", true},
      {"acme?.service", "acme12.service", false},
      {"acme[0-9].service", "acme7.service", true},
      {"acme[!0-9].service", "acme7.service", false},
      {"acme[!0-9].service", "acmeX.service", true},
      {"*", "anything.socket", true},
      {"dev-disk-by\\x2d*.mount", "dev-disk-by\\x2duuid.mount", true},  // "\" is literal
      {"acme.service", "acme.servicex", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.glob);
    CAPTURE(c.name);
    CHECK(name_glob_match(c.glob, c.name) == c.match);
  }
  for (std::string bad : {std::string(), std::string("etc/acme.service"), std::string("a\0b", 3)}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(check_name_glob(bad, "unit"), Error);
  }
  CHECK_NOTHROW(check_name_glob("acme-*.service", "unit"));
}

TEST_CASE("systemd: [Install] parsing") {
  struct Case {
    const char* name;
    const char* unit;
    const char* text;
    InstallSection expected;
  };
  const Case cases[] = {
      {"the common keys",
       "acme.service",
       "[Unit]\nDescription=x\nWantedBy=ignored.target\n[Install]\nWantedBy=multi-user.target "
       "graphical.target\nRequiredBy=a.target\nUpheldBy=b.target\nAlias=dbus-org.acme.service\n"
       "Also=acme-updater.timer\n",
       {{"multi-user.target", "graphical.target"},
        {"a.target"},
        {"b.target"},
        {"dbus-org.acme.service"},
        {"acme-updater.timer"},
        ""}},
      {"repeats append, an empty value resets",
       "acme.service",
       "[Install]\nWantedBy=a.target\nWantedBy=\nWantedBy=b.target\nWantedBy=c.target\n",
       {{"b.target", "c.target"}, {}, {}, {}, {}, ""}},
      {"comments, blanks, continuation and quotes",
       "acme.service",
       "# header\n[Install]\n; comment\n\n  WantedBy = a.target \\\n# inside\n  b.target\n"
       "Alias=\"x.service\"\n",
       {{"a.target", "b.target"}, {}, {}, {"x.service"}, {}, ""}},
      {"specifiers in Also= and DefaultInstance=",
       "acme-agent@.service",
       "[Install]\nAlso=%p-helper.service %i%%.socket\nDefaultInstance=%j\nAlias=%n\n",
       {{}, {}, {}, {"%n"}, {"acme-agent-helper.service", "%.socket"}, "agent"}},
      {"DefaultInstance= only for templates", "acme.service", "[Install]\nDefaultInstance=x\n", {}},
      {"another section ends [Install]",
       "acme.service",
       "[Install]\nWantedBy=a.target\n[X-Vendor]\nWantedBy=b.target\n",
       {{"a.target"}, {}, {}, {}, {}, ""}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    InstallSection got;
    parse_install_section(c.text, c.unit, got);
    CHECK(got == c.expected);
  }
  CHECK(expand_unit_specifiers("%n|%N|%p|%i|%j|%q", "acme-agent@one.service") ==
        "acme-agent@one.service|acme-agent@one|acme-agent|one|agent|%q");
}

TEST_CASE("systemd: in-root path helpers") {
  CHECK(normalize_path("/a/./b/../c//d/") == "/a/c/d");
  CHECK(normalize_path("/../../etc") == "/etc");
  CHECK(join_link_target("/etc/systemd/system/x.wants", "../../../../lib/a.service") ==
        "/lib/a.service");
  CHECK(join_link_target("/etc", "/lib/a") == "/lib/a");
  CHECK(path_dirname("/etc/a") == "/etc");
  CHECK(path_dirname("/etc") == "/");
  CHECK(path_basename("/etc/a.service") == "a.service");
  CHECK(path_starts_with("/etc/systemd/system/x", "/etc/systemd/system"));
  CHECK_FALSE(path_starts_with("/etc/systemd/system.control/x", "/etc/systemd/system"));

  MemoryUnitTree tree;
  tree.link("/lib", "usr/lib")
      .file("/usr/lib/systemd/system/a.service")
      .link("/etc/alt", "../lib/systemd")
      .link("/loop1", "/loop2")
      .link("/loop2", "loop1")
      .link("/escape", "../../../../usr");
  struct Case {
    const char* path;
    bool follow_last;
    std::optional<std::string> expected;
  };
  const Case cases[] = {
      {"/lib/systemd/system/a.service", true, "/usr/lib/systemd/system/a.service"},
      {"/lib", false, "/lib"},
      {"/lib", true, "/usr/lib"},
      {"/etc/alt/system/a.service", true, "/usr/lib/systemd/system/a.service"},
      {"/lib/systemd/missing/../system", true, "/usr/lib/systemd/system"},
      {"/escape/lib", true, "/usr/lib"},  // ".." stops at the root
      {"/loop1", true, std::nullopt},
      {"/loop1", false, "/loop1"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CHECK(resolve_in_root(tree, c.path, c.follow_last) == c.expected);
  }
}

TEST_CASE("systemd: the in-memory tree lists, reads and never follows") {
  MemoryUnitTree tree;
  tree.file("/etc/a", "text").link("/etc/l", "/etc/a").other("/dev/null");
  CHECK(tree.kind("/etc") == FileKind::directory);
  CHECK(tree.kind("/etc/l") == FileKind::symlink);
  CHECK(tree.kind("/dev/null") == FileKind::other);
  CHECK_FALSE(tree.kind("/nope"));
  CHECK(tree.read("/etc/a") == "text");
  CHECK_FALSE(tree.read("/etc/l"));
  CHECK(tree.read_link("/etc/l") == "/etc/a");
  auto entries = tree.list("/etc");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].name == "a");
  CHECK(entries[1].kind == FileKind::symlink);
  CHECK(tree.list("/etc/a").empty());
  CHECK(tree.list("/").size() == 2);
  CHECK_THROWS_AS(tree.file("/etc/a/b"), Error);
}
