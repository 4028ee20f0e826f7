// `systemctl is-enabled` cases: a small tree, a unit name and the word systemctl prints.
// The unit tests check lookup_unit against them on the in-memory tree; the integration
// test builds each tree on disk and asks the real systemctl, so the table stays honest.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "system/unit_tree_memory.hpp"

namespace excise::sys::testing {

struct StateCase {
  const char* name;
  std::function<void(MemoryUnitTree&)> build;
  const char* unit;
  const char* state;  // "not-found" and "bad" stand for systemctl's errors
};

inline constexpr const char* kVendor = "/lib/systemd/system";
inline constexpr const char* kEtc = "/etc/systemd/system";
inline constexpr const char* kRun = "/run/systemd/system";

inline std::string at(const char* dir, const std::string& rest) {
  return std::string(dir) + "/" + rest;
}

inline const char* kWanted =
    "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n";
inline const char* kStatic = "[Service]\nExecStart=/bin/true\n";

inline const std::vector<StateCase>& state_cases() {
  static const std::vector<StateCase> cases = {
      {"a link in /etc/*.wants enables",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted)
             .link(at(kEtc, "multi-user.target.wants/a.service"), "/lib/systemd/system/a.service");
       },
       "a.service", "enabled"},
      {"a relative link in /etc/*.requires enables",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"),
                "[Service]\nExecStart=/bin/true\n[Install]\nRequiredBy=multi-user.target\n")
             .link(at(kEtc, "multi-user.target.requires/a.service"),
                   "../../../../lib/systemd/system/a.service");
       },
       "a.service", "enabled"},
      {"[Install] rules but no link: disabled",
       [](MemoryUnitTree& t) { t.file(at(kVendor, "a.service"), kWanted); }, "a.service",
       "disabled"},
      {"no [Install]: static", [](MemoryUnitTree& t) { t.file(at(kVendor, "a.service"), kStatic); },
       "a.service", "static"},
      {"only Also=: indirect",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"),
                "[Service]\nExecStart=/bin/true\n[Install]\nAlso=b.timer\n");
       },
       "a.service", "indirect"},
      {"the alias name of a unit: alias",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted)
             .link(at(kEtc, "dbus-org.a.service"), "/lib/systemd/system/a.service");
       },
       "dbus-org.a.service", "alias"},
      {"a link named by Alias= enables",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"),
                "[Service]\nExecStart=/bin/true\n[Install]\nAlias=b.service\n")
             .link(at(kEtc, "b.service"), "/lib/systemd/system/a.service");
       },
       "a.service", "enabled"},
      {"an alias link not named by Alias=: indirect",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted)
             .link(at(kEtc, "c.service"), "/lib/systemd/system/a.service");
       },
       "a.service", "indirect"},
      {"a link to /dev/null in /etc: masked",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted).link(at(kEtc, "a.service"), "/dev/null");
       },
       "a.service", "masked"},
      {"a link to /dev/null in /run: masked-runtime",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted).link(at(kRun, "a.service"), "/dev/null");
       },
       "a.service", "masked-runtime"},
      {"an empty unit file: masked",
       [](MemoryUnitTree& t) { t.file(at(kVendor, "a.service"), ""); }, "a.service", "masked"},
      {"a link in /run/*.wants: enabled-runtime",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted)
             .link(at(kRun, "multi-user.target.wants/a.service"), "/lib/systemd/system/a.service");
       },
       "a.service", "enabled-runtime"},
      {"a unit file linked in from /opt: linked",
       [](MemoryUnitTree& t) {
         t.file("/opt/acme/a.service", kWanted).link(at(kEtc, "a.service"), "/opt/acme/a.service");
       },
       "a.service", "linked"},
      {"a same-name link into the search path is a self-alias: bad",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted)
             .link(at(kEtc, "a.service"), "/lib/systemd/system/a.service");
       },
       "a.service", "bad"},
      {"an alias across unit types: bad",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted)
             .link(at(kEtc, "b.socket"), "/lib/systemd/system/a.service");
       },
       "b.socket", "bad"},
      {"linked from /opt under another name: alias",
       [](MemoryUnitTree& t) {
         t.file("/opt/acme/x.service", kWanted).link(at(kRun, "a.service"), "/opt/acme/x.service");
       },
       "a.service", "alias"},
      {"in a generator directory: generated",
       [](MemoryUnitTree& t) { t.file("/run/systemd/generator/a.service", kWanted); }, "a.service",
       "generated"},
      {"in the transient directory: transient",
       [](MemoryUnitTree& t) { t.file("/run/systemd/transient/a.service", kWanted); }, "a.service",
       "transient"},
      {"a template with an instance link: indirect",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "w@.service"), kWanted)
             .link(at(kEtc, "multi-user.target.wants/w@one.service"),
                   "/lib/systemd/system/w@.service");
       },
       "w@.service", "indirect"},
      {"the linked instance: enabled",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "w@.service"), kWanted)
             .link(at(kEtc, "multi-user.target.wants/w@one.service"),
                   "/lib/systemd/system/w@.service");
       },
       "w@one.service", "enabled"},
      {"another instance: disabled",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "w@.service"), kWanted)
             .link(at(kEtc, "multi-user.target.wants/w@one.service"),
                   "/lib/systemd/system/w@.service");
       },
       "w@two.service", "disabled"},
      {"a template whose DefaultInstance is linked: enabled",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "w@.service"),
                "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"
                "DefaultInstance=one\n")
             .link(at(kEtc, "multi-user.target.wants/w@one.service"),
                   "/lib/systemd/system/w@.service");
       },
       "w@.service", "enabled"},
      {"a drop-in adds [Install]: disabled",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kStatic)
             .file(at(kEtc, "a.service.d/install.conf"), "[Install]\nWantedBy=multi-user.target\n");
       },
       "a.service", "disabled"},
      {"a drop-in resets WantedBy=: static",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted)
             .file(at(kEtc, "a.service.d/reset.conf"), "[Install]\nWantedBy=\n");
       },
       "a.service", "static"},
      {"a drop-in masked in /etc does not count",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kStatic)
             .file(at(kVendor, "a.service.d/install.conf"),
                   "[Install]\nWantedBy=multi-user.target\n")
             .link(at(kEtc, "a.service.d/install.conf"), "/dev/null");
       },
       "a.service", "static"},
      {"a link in a vendor *.wants directory only: disabled",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted)
             .link(at(kVendor, "multi-user.target.wants/a.service"), "../a.service");
       },
       "a.service", "disabled"},
      {"an /etc copy shadows the vendor file",
       [](MemoryUnitTree& t) {
         t.file(at(kVendor, "a.service"), kWanted).file(at(kEtc, "a.service"), kStatic);
       },
       "a.service", "static"},
      {"nothing there: not-found", [](MemoryUnitTree& t) { t.dir(kEtc); }, "a.service",
       "not-found"},
      {"a link to a missing file outside: not-found",
       [](MemoryUnitTree& t) { t.link(at(kEtc, "a.service"), "/opt/missing.service"); },
       "a.service", "not-found"},
      {"an alias to a missing unit: bad",
       [](MemoryUnitTree& t) { t.link(at(kEtc, "a.service"), "/lib/systemd/system/b.service"); },
       "a.service", "bad"},
      {"a symlink loop: bad",
       [](MemoryUnitTree& t) { t.link(at(kEtc, "a.service"), "/etc/systemd/system/a.service"); },
       "a.service", "bad"},
      {"a directory named like a unit: bad",
       [](MemoryUnitTree& t) { t.dir(at(kEtc, "a.service")); }, "a.service", "bad"},
  };
  return cases;
}

}  // namespace excise::sys::testing
