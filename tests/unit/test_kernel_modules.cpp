// Kernel module parsers and the regexes built from module names, table-driven: the odd
// cases come from the kernel's /proc/modules printer (kernel/module/procfs.c), kmod's
// configuration reader (libkmod-config.c) and systemd-modules-load.
#include <doctest/doctest.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "kinds/kernel_module_detect.hpp"
#include "system/kernel_modules.hpp"

using namespace excise;
using namespace excise::sys;

TEST_CASE("kernel modules: names and file names") {
  struct Case {
    std::string in;
    std::string key;
  };
  const Case names[] = {
      {"acme_fsfilter", "acme_fsfilter"},
      {"acme-fsfilter", "acme_fsfilter"},
      {"a-b_c-", "a_b_c_"},
      {"ACME", "ACME"},  // case matters, as in the kernel
      {"", ""},
  };
  for (const auto& c : names) {
    CAPTURE(c.in);
    CHECK(module_key(c.in) == c.key);
  }

  struct FileCase {
    std::string file;
    std::optional<std::string> key;
  };
  const FileCase files[] = {
      {"acme_fsfilter.ko", "acme_fsfilter"},
      {"acme-fsfilter.ko.xz", "acme_fsfilter"},
      {"acme_fsfilter.ko.zst", "acme_fsfilter"},
      {"acme_fsfilter.ko.gz", "acme_fsfilter"},
      {"acme_fsfilter2.ko", "acme_fsfilter2"},
      {"acme_fsfilter.ko.bz2", std::nullopt},
      {"acme_fsfilter.o", std::nullopt},
      {"acme_fsfilter.ko.xz.bak", std::nullopt},
      {"acme_fsfilter", std::nullopt},
      {".ko", std::nullopt},
      {"ko", std::nullopt},
      {"modules.dep", std::nullopt},
  };
  for (const auto& c : files) {
    CAPTURE(c.file);
    CHECK(module_file_key(c.file) == c.key);
  }
}

TEST_CASE("kernel modules: /proc/modules lines") {
  struct Case {
    std::string line;
    std::optional<LoadedModule> want;
  };
  const Case cases[] = {
      {"acme_fsfilter 16384 0 - Live 0xffffffffc0a00000",
       LoadedModule{"acme_fsfilter", 16384, 0, {}, false, "Live"}},
      // users end with a comma each; taint flags in parentheses
      {"snd 114688 3 snd_hda_intel,snd_pcm,snd_timer, Live 0x0000000000000000 (OE)",
       LoadedModule{"snd", 114688, 3, {"snd_hda_intel", "snd_pcm", "snd_timer"}, false, "Live"}},
      // no exit function
      {"acme_core 8192 1 [permanent], Live 0x0000000000000000",
       LoadedModule{"acme_core", 8192, 1, {}, true, "Live"}},
      {"acme_core 8192 2 acme_fsfilter,[permanent], Live 0x0000000000000000",
       LoadedModule{"acme_core", 8192, 2, {"acme_fsfilter"}, true, "Live"}},
      // CONFIG_MODULE_UNLOAD off: " - -"
      {"acme_fsfilter 16384 - - Live 0x0000000000000000",
       LoadedModule{"acme_fsfilter", 16384, std::nullopt, {}, false, "Live"}},
      {"acme_fsfilter 16384 1 - Loading 0x0000000000000000 (E)",
       LoadedModule{"acme_fsfilter", 16384, 1, {}, false, "Loading"}},
      {"acme_fsfilter 16384 0 - Unloading 0x0000000000000000",
       LoadedModule{"acme_fsfilter", 16384, 0, {}, false, "Unloading"}},
      {"x\t1\t0\t-\tLive\t0x0", LoadedModule{"x", 1, 0, {}, false, "Live"}},
      // malformed: never a guess
      {"", std::nullopt},
      {"acme_fsfilter 16384 0 - Live", std::nullopt},                 // no address
      {"acme_fsfilter big 0 - Live 0x0", std::nullopt},               // size
      {"acme_fsfilter 16384 x - Live 0x0", std::nullopt},             // refcount
      {"acme_fsfilter 16384 1 snd Live 0x0", std::nullopt},           // no trailing comma
      {"acme_fsfilter 16384 0 - Gone 0x0", std::nullopt},             // state
      {"acme_fsfilter 16384 0 - Live ffff", std::nullopt},            // address
      {"acme_fsfilter 16384 0 - Live 0x0 OE", std::nullopt},          // taints
      {"acme_fsfilter 16384 0 - Live 0x0 (OE) extra", std::nullopt},  // too many
      {"acme_fsfilter 16384 0 - Live 0x0 (OE)",
       LoadedModule{"acme_fsfilter", 16384, 0, {}, false, "Live"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    CHECK(parse_proc_modules_line(c.line) == c.want);
  }
}

TEST_CASE("kernel modules: the /proc/modules table") {
  const ModuleTable table = parse_proc_modules(
      "acme_fsfilter 16384 0 - Live 0x0\n"
      "\n"
      "garbage\n"
      "acme_core 8192 1 acme_fsfilter, Live 0x0\n");
  REQUIRE(table.modules.size() == 2);
  CHECK(table.bad_lines == std::vector<std::size_t>{3});
  REQUIRE(table.find("acme-fsfilter") != nullptr);
  CHECK(table.find("acme-fsfilter")->name == "acme_fsfilter");
  CHECK(table.find("acme_core")->users == std::vector<std::string>{"acme_fsfilter"});
  CHECK(table.find("acme_fsfilte") == nullptr);
  CHECK(table.find("acme_fsfilter2") == nullptr);
  CHECK(parse_proc_modules("").modules.empty());
}

TEST_CASE("kernel modules: modprobe.d directives") {
  using W = std::vector<std::string>;
  struct Case {
    std::string text;
    std::vector<ModprobeDirective> want;
  };
  const Case cases[] = {
      {"options acme_fsfilter debug=1\n", {{0, 1, W{"options", "acme_fsfilter", "debug=1"}}}},
      {"# options acme_fsfilter\n\n  \t\nblacklist acme_fsfilter",
       {{3, 1, W{"blacklist", "acme_fsfilter"}}}},
      // '#' starts a comment only as the first byte
      {"  # acme\n", {{0, 1, W{"#", "acme"}}}},
      {"\toptions\tacme_fsfilter  a=1 \n", {{0, 1, W{"options", "acme_fsfilter", "a=1"}}}},
      // a trailing backslash joins the next line, with nothing in between
      {"install acme_fsfilter /bin/true \\\n  --x\nalias a b\n",
       {{0, 2, W{"install", "acme_fsfilter", "/bin/true", "--x"}}, {2, 1, W{"alias", "a", "b"}}}},
      {"options acme\\\n_fsfilter x=1\n", {{0, 2, W{"options", "acme_fsfilter", "x=1"}}}},
      // a backslash before another byte stands for that byte
      {"options acme\\_fsfilter x=1\n", {{0, 1, W{"options", "acme_fsfilter", "x=1"}}}},
      // a continued comment swallows the next line
      {"# note \\\noptions acme_fsfilter\n", {}},
      // a backslash on the last line continues nothing
      {"options a \\", {{0, 1, W{"options", "a", "\\"}}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(parse_modprobe_conf(c.text) == c.want);
  }
}

TEST_CASE("kernel modules: modules-load.d entries") {
  struct Case {
    std::string line;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"acme_fsfilter", "acme_fsfilter"},
      {"  acme-fsfilter \r", "acme-fsfilter"},
      {"acme_fsfilter debug=1", "acme_fsfilter"},  // Debian's /etc/modules
      {"# acme_fsfilter", std::nullopt},
      {"; acme_fsfilter", std::nullopt},
      {"   #x", std::nullopt},
      {"", std::nullopt},
      {" \t ", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    CHECK(modules_load_entry(c.line) == c.want);
  }
}

TEST_CASE("kernel modules: the regexes line.remove gets") {
  CHECK(module_name_pattern("acme_fs-filter2") == "acme[-_]fs[-_]filter2");
  // Not a name a playbook can give; escaped anyway.
  CHECK(module_name_pattern("a.b*") == "a\\.b\\*");

  struct Case {
    std::string line;
    bool modprobe;      // matched in a modprobe.d file
    bool modules_load;  // matched in a modules-load.d file
  };
  const Case cases[] = {
      {"options acme_fsfilter debug=1", true, false},
      {"options acme-fsfilter", true, false},
      {"  options\tacme_fsfilter\t", true, false},
      {"install acme_fsfilter /sbin/modprobe --ignore-install acme_fsfilter", true, false},
      {"remove acme_fsfilter /bin/true", true, false},
      {"softdep acme_fsfilter pre: acme_core", true, false},
      {"alias fs-acmefs acme_fsfilter", true, false},
      {"alias char-major-10-* acme-fsfilter", true, false},
      {"acme_fsfilter", false, true},
      {"acme-fsfilter", false, true},
      {"  acme_fsfilter  ", false, true},
      {"acme_fsfilter debug=1", false, true},
      {"acme_core", false, true},
      // kept
      {"blacklist acme_fsfilter", false, false},
      {"# options acme_fsfilter", false, false},
      {"#acme_fsfilter", false, false},
      // decoys: other modules whose names start or end alike
      {"options acme_fsfilter2 x=1", false, false},
      {"options acme-fsfilterx", false, false},
      {"options xacme_fsfilter", false, false},
      {"alias acme_fsfilter other", false, false},  // an alias NAMED like it, for another
      {"softdep other pre: acme_fsfilter", false, false},
      {"install other /sbin/modprobe acme_fsfilter", false, false},
      {"acme_fsfilter2", false, false},
      {"acme-fsfilterx", false, false},
      {"acme.fsfilter", false, false},
      {"ACME_FSFILTER", false, false},
  };
  const std::vector<std::string> names = {"acme_fsfilter", "acme-core"};
  const std::regex modprobe(module_config_regex(names, ConfigFlavor::modprobe),
                            std::regex::ECMAScript);
  const std::regex modules_load(module_config_regex(names, ConfigFlavor::modules_load),
                                std::regex::ECMAScript);
  for (const auto& c : cases) {
    CAPTURE(c.line);
    CHECK(std::regex_search(c.line, modprobe) == c.modprobe);
    CHECK(std::regex_search(c.line, modules_load) == c.modules_load);
  }
}
