#include <doctest/doctest.h>

#include <cstddef>

#include "excise/error.hpp"
#include "excise/kind.hpp"
#include "kinds/certificate.hpp"
#include "kinds/command.hpp"
#include "kinds/cron.hpp"
#include "kinds/group.hpp"
#include "kinds/kernel_module.hpp"
#include "kinds/line.hpp"
#include "kinds/package.hpp"
#include "kinds/path.hpp"
#include "kinds/process.hpp"
#include "kinds/service.hpp"
#include "kinds/user.hpp"
#include "playbook_test_util.hpp"

using namespace excise;
using namespace excise::test;
using namespace std::chrono_literals;

namespace {

template <class Spec>
const Spec& spec_of(const Playbook& playbook, std::size_t index, std::string_view kind) {
  REQUIRE(index < playbook.artifacts.size());
  REQUIRE(playbook.artifacts[index].kind == kind);
  REQUIRE(playbook.artifacts[index].spec);
  return static_cast<const Spec&>(*playbook.artifacts[index].spec);
}

std::vector<std::string> values(const std::vector<Located<std::string>>& items) {
  std::vector<std::string> out;
  for (const auto& item : items)
    out.push_back(item.value);
  return out;
}

Playbook load_one(const std::string& text) {
  auto loaded = load_text(text);
  CAPTURE(text);
  REQUIRE(loaded.errors == "");
  REQUIRE(loaded.playbooks.size() == 1);
  return loaded.playbooks[0];
}

}  // namespace

TEST_CASE("playbook: registry lists the kinds once, in the contract's order") {
  std::vector<std::string> names;
  std::vector<std::string> built;
  for (const Kind* kind : all_kinds()) {
    names.emplace_back(kind->name());
    CHECK(find_kind(kind->name()) == kind);
    if (kind->detection_built()) built.emplace_back(kind->name());
  }
  CHECK(built == std::vector<std::string>{"service", "process", "package", "kernel_module", "path",
                                          "line", "cron", "certificate", "user", "group",
                                          "command"});
  CHECK(names == std::vector<std::string>{"service", "process", "package", "kernel_module", "path",
                                          "line", "cron", "certificate", "user", "group",
                                          "command"});
  CHECK(find_kind("paths") == nullptr);
  CHECK(find_kind("") == nullptr);
}

TEST_CASE("playbook: detection that is not built refuses explicitly") {
  // Every kind of schema 1 is built; a kind added before its detection must still refuse
  // rather than be ignored: the default detect says so.
  struct Unbuilt final : Kind {
    std::string_view name() const override { return "future"; }
    std::shared_ptr<const ArtifactSpec> parse(FieldReader&) const override { return nullptr; }
    bool detection_built() const override { return false; }
  } unbuilt;
  Playbook playbook;
  Artifact artifact;
  // The default detect never touches its context.
  alignas(std::max_align_t) unsigned char storage[64] = {};
  auto& context = *reinterpret_cast<DetectContext*>(storage);
  try {
    unbuilt.detect(playbook, artifact, context);
    FAIL("detect returned");
  } catch (const Error& e) {
    CHECK(e.failure() == Failure::input);
    CHECK(std::string(e.what()) == "future: detection is not built in this excise");
  }
}

TEST_CASE("playbook: the whole example reads into every kind's spec") {
  Playbook p = load_one(read_bytes(playbook_fixtures() + "/good/acme-agent.toml"));
  const std::string f = "t.toml";
  CHECK(p.schema == 1);
  CHECK(p.product.vendor == "Acme Ltd");
  CHECK(p.product.banned_by == std::vector<std::string>{"Example directive 17-01"});
  CHECK(p.product.references.size() == 1);

  const auto& service = spec_of<ServiceSpec>(p, 0, "service");
  CHECK(values(service.units) ==
        std::vector<std::string>{"acme-agent.service", "acme-updater.timer"});
  CHECK(service.units[1].loc == SourceLoc{f, 12, 32});
  CHECK(values(service.init_scripts) == std::vector<std::string>{"acme-agent"});

  const auto& process = spec_of<ProcessSpec>(p, 1, "process");
  REQUIRE(process.exe.size() == 1);
  CHECK(process.exe[0].value.text == "/opt/acme/bin/*");
  CHECK(process.exe[0].loc == SourceLoc{f, 16, 8});
  CHECK(values(process.names) == std::vector<std::string>{"acmed"});
  CHECK(process.timeout.value == 10s);

  const auto& package = spec_of<PackageSpec>(p, 2, "package");
  REQUIRE(package.names.size() == 2);
  CHECK(package.names[0].value.name == "acme-agent-gui");
  CHECK(package.names[0].value.arch == "");
  CHECK(package.manager.value == PackageSpec::Manager::automatic);
  CHECK(package.scripts.value == PackageSpec::Scripts::run);

  const auto& module = spec_of<KernelModuleSpec>(p, 3, "kernel_module");
  CHECK(values(module.names) == std::vector<std::string>{"acme_fsfilter"});

  const auto& path = spec_of<PathSpec>(p, 4, "path");
  REQUIRE(path.globs.size() == 5);
  CHECK(path.globs[3].value.text == "/var/log/acme/**/*.log");
  CHECK(path.globs[3].loc == SourceLoc{f, 32, 3});
  CHECK(path.globs[4].value.from_home());
  CHECK(values(path.prune_empty) == std::vector<std::string>{"/opt/vendor-common"});

  const auto& line = spec_of<LineSpec>(p, 5, "line");
  CHECK(line.file.value == "/etc/ld.so.preload");
  CHECK(line.match.value == "libacme[^/]*\\.so");

  CHECK(spec_of<CronSpec>(p, 6, "cron").match.value == "acme");
  CHECK(spec_of<CertificateSpec>(p, 7, "certificate").subject.value == "Acme Root CA*");
  CHECK(values(spec_of<UserSpec>(p, 8, "user").names) == std::vector<std::string>{"acme"});
  CHECK(values(spec_of<GroupSpec>(p, 9, "group").names) ==
        std::vector<std::string>{"acme", "acmeadmin"});

  const auto& command = spec_of<CommandSpec>(p, 10, "command");
  CHECK(p.artifacts[10].id == "acme-uninstaller");
  CHECK(values(command.run) ==
        std::vector<std::string>{"/opt/acme/bin/acme-setup", "--uninstall", "--silent"});
  CHECK(command.phase.value == Phase::before_packages);
  REQUIRE(command.if_exists);
  CHECK(command.if_exists->value == "/opt/acme/bin/acme-setup");
  CHECK(command.timeout.value == 300s);
  CHECK_FALSE(command.undoable());
}

TEST_CASE("playbook: defaults and the other values of choices and durations") {
  Playbook p = load_one(read_bytes(playbook_fixtures() + "/good/ordering.toml"));
  const auto& stop = spec_of<CommandSpec>(p, 0, "command");
  CHECK(stop.phase.value == Phase::quiesce);
  CHECK(stop.timeout.value == 45s);
  CHECK(stop.if_exists == std::nullopt);
  CHECK(values(stop.run) == std::vector<std::string>{"/opt/demo/bin/demo-ctl", "stop", ""});
  CHECK(stop.undoable());
  const auto& uninstall = spec_of<CommandSpec>(p, 2, "command");
  CHECK(uninstall.timeout.value == 120s);
  CHECK(uninstall.phase.value == Phase::packages);
  const auto& files = spec_of<PathSpec>(p, 1, "path");
  CHECK(files.globs[2].value.components.back().text == "demo*literal");
  const auto& package = spec_of<PackageSpec>(p, 4, "package");
  CHECK(package.manager.value == PackageSpec::Manager::rpm);
  CHECK(package.scripts.value == PackageSpec::Scripts::skip);
  CHECK(package.names[0].value.name == "demo-agent");
  CHECK(package.names[0].value.arch == "amd64");
  CHECK(package.names[1].value.name == "Demo_Agent.x86_64");
  CHECK(spec_of<ProcessSpec>(p, 5, "process").timeout.value == 1h);
}

TEST_CASE("playbook: values each kind accepts") {
  struct Case {
    std::string artifact;
  };
  const Case cases[] = {
      {"[[service]]\nunits = [\"acme@.service\", \"acme@x.socket\", \"acme-*.timer\", "
       "\"acme[12].path\", \"opt-acme.mount\", \"acme.slice\"]\n"},
      {"[[service]]\ninit_scripts = [\"acme\", \"acme.sh\", \"acme_2+x@y\"]\n"},
      {"[[process]]\nexe = [\"/opt/acme/bin/acmed\", \"~/.acme/bin/*\", \"/usr/bin/acme*\"]\n"
       "names = [\"acme*\", \"kworker/acme\"]\ntimeout = \"24h\"\n"},
      {"[[package]]\nnames = [\"acme\", \"a\", \"libacme2:i386\", \"acme+plus\", \"ACME.el8\"]\n"
       "manager = \"dpkg\"\n"},
      {"[[kernel_module]]\nnames = [\"acme-fs\", \"ACME_2\"]\n"},
      {"[[path]]\nglobs = [\"/opt/acme\"]\nprune_empty = [\"/opt/vendor\", \"/var/opt/vendor\"]\n"},
      {"[[line]]\nfile = \"/etc/environment.d/acme.conf\"\nmatch = '^LD_PRELOAD=.*acme'\n"},
      {"[[cron]]\nmatch = '/opt/acme/bin/\\S+'\n"},
      {"[[certificate]]\nsubject = \"CN=Acme*\"\n"},
      {"[[user]]\nnames = [\"acme\", \"_acme\", \"acme-svc\", \"acme$\", \"" +
       std::string(32, 'a') + "\"]\n"},
      {"[[group]]\nnames = [\"acme_admins\"]\n"},
      {"[[command]]\nid = \"c\"\nrun = [\"/x\"]\nphase = \"refresh\"\nundo = [\"/y\", \"\"]\n"},
      {"[[command]]\nid = \"c\"\nrun = [\"/x\", \"a\", \"a\"]\ntimeout = 1\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.artifact);
    load_one(with_product(c.artifact));
  }
}

TEST_CASE("playbook: more values each kind refuses") {
  struct Case {
    std::string artifact, errors;
  };
  const Case cases[] = {
      {"[[group]]\nnames = [1, \"a\", \"a\"]\n",
       "t.toml:6:10: [[group]] #1: key 'names' item 1: expected a string, got integer\n"
       "t.toml:6:18: [[group]] #1: key 'names' item 3: \"a\": duplicate of item 2\n"},
      {"[[service]]\nunits = [\"acme.service\"]\ninit_scripts = []\n",
       "t.toml:7:16: [[service]] #1: key 'init_scripts': must not be empty\n"},
      {"[[service]]\nunits = [\"acme[.service\"]\n",
       "t.toml:6:10: [[service]] #1: key 'units' item 1: \"acme[.service\": unclosed '['\n"},
      {"[[service]]\nunits = [\".service\"]\n",
       "t.toml:6:10: [[service]] #1: key 'units' item 1: \".service\": expected a systemd unit "
       "name with its type, such as \"acme-agent.service\"\n"},
      {"[[process]]\nnames = [\"acmed\"]\n",
       "t.toml:5:1: [[process]] #1: missing required key 'exe'\n"},
      {"[[process]]\nexe = [\"/opt/acme/bin/acmed\"]\ntimeout = \"25h\"\n",
       "t.toml:7:11: [[process]] #1: key 'timeout': \"25h\": a duration must be between 1s and "
       "24h\n"},
      {"[[process]]\nexe = [\"/opt/acme/bin/acmed\"]\ntimeout = \"1d\"\n",
       "t.toml:7:11: [[process]] #1: key 'timeout': \"1d\": expected a duration such as \"300s\", "
       "\"5m\" or \"1h\"\n"},
      {"[[process]]\nexe = [\"/opt/acme/bin/acmed\"]\ntimeout = 1.5\n",
       "t.toml:7:11: [[process]] #1: key 'timeout': expected a duration such as \"300s\" or an "
       "integer of seconds, got float\n"},
      {"[[package]]\nnames = [\"acme:AMD64\"]\n",
       "t.toml:6:10: [[package]] #1: key 'names' item 1: \"acme:AMD64\": expected an architecture "
       "after ':' such as amd64, i386 or x86_64\n"},
      {"[[kernel_module]]\nnames = [\"acme.ko\", \"" + std::string(56, 'm') + "\"]\n",
       "t.toml:6:10: [[kernel_module]] #1: key 'names' item 1: \"acme.ko\": expected a kernel "
       "module name: letters, digits, '_' and '-'\n"
       "t.toml:6:21: [[kernel_module]] #1: key 'names' item 2: \"" +
           std::string(56, 'm') + "\": a kernel module name is at most 55 bytes\n"},
      {"[[path]]\nglobs = [\"/opt/acme\"]\nprune_empty = [\"/opt/*\", \"/opt\", \"~/x\"]\n",
       "t.toml:7:16: [[path]] #1: key 'prune_empty' item 1: \"/opt/*\": wildcards are not allowed "
       "here (this names one file)\n"
       "t.toml:7:26: [[path]] #1: key 'prune_empty' item 2: \"/opt\": could match the protected "
       "path /opt (a top-level directory)\n"
       "t.toml:7:34: [[path]] #1: key 'prune_empty' item 3: \"~/x\": must be an absolute path\n"},
      {"[[line]]\nfile = \"/etc/x\"\n", "t.toml:5:1: [[line]] #1: missing required key 'match'\n"},
      {"[[line]]\nfile = \"etc/x\"\nmatch = \"x\"\n",
       "t.toml:6:8: [[line]] #1: key 'file': \"etc/x\": must be an absolute path\n"},
      {"[[certificate]]\nsubject = \"*\"\n",
       "t.toml:6:11: [[certificate]] #1: key 'subject': \"*\": would match every certificate\n"},
      {"[[command]]\nid = \"c\"\nrun = []\n",
       "t.toml:7:7: [[command]] #1: key 'run': must not be empty\n"},
      {"[[command]]\nid = \"c\"\nrun = [\"\", \"x\"]\n",
       "t.toml:7:8: [[command]] #1: key 'run' item 1: \"\": must not be empty\n"},
      {"[[command]]\nid = \"c\"\nrun = [\"/x\"]\nundo = [\"y\"]\nif_exists = \"/a/*\"\n",
       "t.toml:8:9: [[command]] #1: key 'undo' item 1: \"y\": must be an absolute path\n"
       "t.toml:9:13: [[command]] #1: key 'if_exists': \"/a/*\": wildcards are not allowed here "
       "(this names one file)\n"},
      {"[[command]]\nid = \"c\"\nrun = \"/x --y\"\n",
       "t.toml:7:7: [[command]] #1: key 'run': expected an array of strings, got string\n"},
      {"[[user]]\nnames = [\"a\" , \"" + std::string(33, 'a') + "\", \"a$b\", \"9a\"]\n",
       "t.toml:6:16: [[user]] #1: key 'names' item 2: \"" + std::string(33, 'a') +
           "\": expected an account name: a-z, 0-9, '_' and '-', starting with a letter or '_', at "
           "most 32 bytes\n"
           "t.toml:6:53: [[user]] #1: key 'names' item 3: \"a$b\": expected an account name: a-z, "
           "0-9, '_' and '-', starting with a letter or '_', at most 32 bytes\n"
           "t.toml:6:60: [[user]] #1: key 'names' item 4: \"9a\": expected an account name: a-z, "
           "0-9, '_' and '-', starting with a letter or '_', at most 32 bytes\n"},
      {"[[path]]\nglobs = [\"/opt/a\"]\nid = \"x\"\n[[user]]\nnames = [\"u\"]\nafter = \"x\"\n",
       "t.toml:10:9: [[user]] #1: key 'after': expected an array of strings, got string\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.artifact);
    auto loaded = load_text(with_product(c.artifact));
    CHECK(loaded.errors == c.errors);
    CHECK(loaded.playbooks.empty());
  }
  auto loaded = load_text("schema = 1\npath = [1]\nproduct = { id = \"p\", name = \"P\" }\n");
  CHECK(loaded.errors ==
        "t.toml:2:9: key 'path' item 1: expected a table ([[path]]), got integer\n");
}
