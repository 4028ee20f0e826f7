#include <doctest/doctest.h>

#include "system/unit_index.hpp"
#include "system/unit_state.hpp"
#include "system/unit_tree_memory.hpp"
#include "systemd_state_cases.hpp"

using namespace excise::sys;
using namespace excise::sys::testing;

TEST_CASE("systemd: is-enabled verdicts follow systemctl's rules") {
  for (const auto& c : state_cases()) {
    std::string case_name = c.name;
    CAPTURE(case_name);
    MemoryUnitTree tree;
    c.build(tree);
    auto index = index_scope(tree, UnitScope::system);
    CHECK(unit_file_state_name(lookup_unit(tree, index, c.unit).state) == c.state);
  }
}

TEST_CASE("systemd: lookup names the fragment systemd loads and its [Install]") {
  MemoryUnitTree tree;
  tree.file("/lib/systemd/system/a.service",
            "[Install]\nWantedBy=multi-user.target\nAlias=dbus-org.a.service\n")
      .file("/etc/systemd/system/a.service.d/more.conf", "[Install]\nRequiredBy=x.target\n")
      .link("/etc/systemd/system/dbus-org.a.service", "/lib/systemd/system/a.service");
  auto index = index_scope(tree, UnitScope::system);

  auto a = lookup_unit(tree, index, "a.service");
  CHECK(a.fragment == "/lib/systemd/system/a.service");
  CHECK(a.install.wanted_by == std::vector<std::string>{"multi-user.target"});
  CHECK(a.install.required_by == std::vector<std::string>{"x.target"});
  CHECK(a.state == UnitFileState::enabled);  // through its Alias= link

  auto alias = lookup_unit(tree, index, "dbus-org.a.service");
  CHECK(alias.name == "a.service");
  CHECK(alias.fragment == "/lib/systemd/system/a.service");
  CHECK(alias.state == UnitFileState::alias);

  auto instance_of_plain = lookup_unit(tree, index, "not a unit");
  CHECK(instance_of_plain.state == UnitFileState::bad);
}
