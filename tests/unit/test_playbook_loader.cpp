#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "excise/bytes.hpp"
#include "excise/playbook.hpp"
#include "playbook_test_util.hpp"

using namespace excise;
using namespace excise::test;

TEST_CASE("playbook: every good fixture loads without a message") {
  for (const char* name : {"acme-agent", "minimal", "ordering", "inline"}) {
    CAPTURE(name);
    std::string path = playbook_fixtures() + "/good/" + name + ".toml";
    Diagnostics diags;
    auto playbooks = load_playbooks({{path, Origin::given}}, diags);
    CHECK(diags.str() == "");
    REQUIRE(playbooks.size() == 1);
    CHECK(playbooks[0].path == path);
    CHECK(playbooks[0].sha256 == sha256_hex(read_bytes(path)));
  }
}

TEST_CASE("playbook: the PLAYBOOKS.md example is the good fixture, verbatim") {
  // The contract's example must stay valid: compare the fixture with the document.
  std::string doc = read_bytes("/work/shared/PLAYBOOKS.md");
  if (doc.empty()) return;  // not on this machine: the fixture alone is tested
  auto start = doc.find("```toml\n");
  REQUIRE(start != std::string::npos);
  start += 8;
  auto end = doc.find("```", start);
  CHECK(doc.substr(start, end - start) ==
        read_bytes(playbook_fixtures() + "/good/acme-agent.toml"));
}

// Each bad fixture, and every line the loader prints for it, exactly.
TEST_CASE("playbook: exact messages for each kind of mistake") {
  struct Case {
    const char* name;
    const char* errors;
  };
  const Case cases[] = {
      {"after-cycle",
       "bad/after-cycle.toml:10:10: [[service]] #1: key 'after' item 1: ordering cycle: units -> "
       "files -> uninstaller -> units\n"},
      {"after-self",
       "bad/after-self.toml:10:10: [[path]] #1: key 'after' item 1: \"files\": an artifact cannot "
       "come after itself\n"},
      {"after-unknown",
       "bad/after-unknown.toml:9:10: [[path]] #1: key 'after' item 1: \"uninstaller\": no artifact "
       "has this id\n"},
      {"bad-account",
       "bad/bad-account.toml:8:10: [[user]] #1: key 'names' item 1: \"Acme\": expected an account "
       "name: a-z, 0-9, '_' and '-', starting with a letter or '_', at most 32 bytes\n"
       "bad/bad-account.toml:8:18: [[user]] #1: key 'names' item 2: "
       "\"acme-user-with-a-name-longer-than-32\": expected an account name: a-z, 0-9, '_' and '-', "
       "starting with a letter or '_', at most 32 bytes\n"
       "bad/bad-account.toml:11:18: [[group]] #1: key 'names' item 2: \"acme\": duplicate of item "
       "1\n"},
      {"bad-artifact-id",
       "bad/bad-artifact-id.toml:8:6: [[path]] #1: key 'id': \"Files#1\": expected an artifact id: "
       "a-z, 0-9, '-', '_' and '.', starting with a letter or digit\n"},
      {"bad-duration",
       "bad/bad-duration.toml:10:11: [[command]] #1: key 'timeout': \"5 min\": expected a duration "
       "such as \"300s\", \"5m\" or \"1h\"\n"
       "bad/bad-duration.toml:14:11: [[process]] #1: key 'timeout': 0: a duration must be between "
       "1s and 24h\n"},
      {"bad-manager",
       "bad/bad-manager.toml:9:11: [[package]] #1: key 'manager': \"apt\": expected one of auto, "
       "dpkg, rpm\n"
       "bad/bad-manager.toml:10:11: [[package]] #1: key 'scripts': expected a string, got "
       "boolean\n"},
      {"bad-package-name",
       "bad/bad-package-name.toml:8:10: [[package]] #1: key 'names' item 1: \"Acme Agent\": "
       "expected a package name: letters, digits, '+', '-', '.' and '_', starting with a letter or "
       "digit, optionally followed by ':arch'\n"
       "bad/bad-package-name.toml:8:24: [[package]] #1: key 'names' item 2: \"acme-agent:\": "
       "expected a package name: letters, digits, '+', '-', '.' and '_', starting with a letter or "
       "digit, optionally followed by ':arch'\n"
       "bad/bad-package-name.toml:8:39: [[package]] #1: key 'names' item 3: \"-acme\": expected a "
       "package name: letters, digits, '+', '-', '.' and '_', starting with a letter or digit, "
       "optionally followed by ':arch'\n"},
      {"bad-phase",
       "bad/bad-phase.toml:10:9: [[command]] #1: key 'phase': \"before_packages\": expected one of "
       "quiesce, unload, before-packages, packages, cleanup, accounts, refresh\n"},
      {"bad-regex",
       "bad/bad-regex.toml:9:9: [[line]] #1: key 'match': \"libacme[^/*\\\\.so\": invalid regex: "
       "Unexpected character within '[...]' in regular expression\n"
       "bad/bad-regex.toml:12:9: [[cron]] #1: key 'match': \"acme|\": matches the empty string, so "
       "it would match every line\n"},
      {"bad-unit",
       "bad/bad-unit.toml:8:10: [[service]] #1: key 'units' item 1: \"acme-agent\": expected a "
       "systemd unit name with its type, such as \"acme-agent.service\"\n"
       "bad/bad-unit.toml:8:24: [[service]] #1: key 'units' item 2: \"*.service\": would match "
       "every .service unit\n"
       "bad/bad-unit.toml:8:37: [[service]] #1: key 'units' item 3: \"acme agent.service\": ' ' is "
       "not allowed in a unit name\n"
       "bad/bad-unit.toml:9:17: [[service]] #1: key 'init_scripts' item 1: \"init.d/acme\": "
       "expected the name of a script in /etc/init.d: letters, digits, '_', '.', '+', '@' and '-', "
       "not starting with '.' or '-'\n"},
      {"command-without-id",
       "bad/command-without-id.toml:7:1: [[command]] #1: missing required key 'id'\n"
       "bad/command-without-id.toml:8:8: [[command]] #1: key 'run' item 1: \"bin/uninstall\": must "
       "be an absolute path\n"},
      {"command-without-run",
       "bad/command-without-run.toml:7:1: [[command]] #1: missing required key 'run'\n"},
      {"deep-keys",
       "bad/deep-keys.toml:2:2002: keys nested too deeply: more than 1000 '.' outside strings and "
       "comments\n"},
      {"dot-components",
       "bad/dot-components.toml:8:10: [[path]] #1: key 'globs' item 1: \"/etc/..\": '.' and '..' "
       "components are not allowed\n"
       "bad/dot-components.toml:8:21: [[path]] #1: key 'globs' item 2: \"~/..\": '.' and '..' "
       "components are not allowed\n"
       "bad/dot-components.toml:8:29: [[path]] #1: key 'globs' item 3: \"/home/*/..\": '.' and "
       "'..' components are not allowed\n"
       "bad/dot-components.toml:8:43: [[path]] #1: key 'globs' item 4: \"/./\": '.' and '..' "
       "components are not allowed\n"
       "bad/dot-components.toml:8:50: [[path]] #1: key 'globs' item 5: \"//\": empty path "
       "component ('//' or a trailing '/')\n"
       "bad/dot-components.toml:8:56: [[path]] #1: key 'globs' item 6: \"/opt/acme/\": empty path "
       "component ('//' or a trailing '/')\n"},
      {"double-star",
       "bad/double-star.toml:8:10: [[path]] #1: key 'globs' item 1: \"/opt/acme**\": '**' must be "
       "a whole path component\n"
       "bad/double-star.toml:8:25: [[path]] #1: key 'globs' item 2: \"/var/log/**.log\": '**' must "
       "be a whole path component\n"},
      {"duplicate-id",
       "bad/duplicate-id.toml:12:6: [[path]] #2: key 'id': \"files\": already the id of [[path]] "
       "#1 at line 8\n"},
      {"empty-list", "bad/empty-list.toml:8:9: [[path]] #1: key 'globs': must not be empty\n"},
      {"empty-string",
       "bad/empty-string.toml:8:18: [[user]] #1: key 'names' item 2: must not be empty\n"
       "bad/empty-string.toml:11:11: [[certificate]] #1: key 'subject': must not be empty\n"},
      {"empty",
       "bad/empty.toml:1:1: missing required key 'schema'\n"
       "bad/empty.toml:1:1: missing required key 'product'\n"},
      {"kind-not-array",
       "bad/kind-not-array.toml:7:1: key 'path': expected an array of tables ([[path]]), got "
       "table\n"},
      {"line-file",
       "bad/line-file.toml:8:8: [[line]] #1: key 'file': \"/etc/*.conf\": wildcards are not "
       "allowed here (this names one file)\n"},
      {"nul-byte",
       "bad/nul-byte.toml:8:10: [[path]] #1: key 'globs' item 1: \"/opt/acme\\x00x\": contains a "
       "NUL byte\n"},
      {"process-exe",
       "bad/process-exe.toml:8:8: [[process]] #1: key 'exe' item 1: \"acmed\": must be absolute "
       "(start with '/' or '~/')\n"
       "bad/process-exe.toml:8:17: [[process]] #1: key 'exe' item 2: \"/usr/bin/*\": could match "
       "everything in the protected directory /usr/bin\n"
       "bad/process-exe.toml:9:10: [[process]] #1: key 'names' item 1: \"acme[d\": unclosed '['\n"},
      {"product-id-chars",
       "bad/product-id-chars.toml:4:6: [product]: key 'id': \"Acme_Agent\": expected a product id: "
       "a-z, 0-9 and '-', starting with a letter or digit\n"
       "bad/product-id-chars.toml:6:23: [product]: key 'platforms' item 2: \"beos\": expected one "
       "of linux, windows, macos\n"},
      {"product-id-missing",
       "bad/product-id-missing.toml:3:1: [product]: missing required key 'id'\n"
       "bad/product-id-missing.toml:5:10: [product]: key 'vendor': must not be empty\n"},
      {"protected-path",
       "bad/protected-path.toml:9:3: [[path]] #1: key 'globs' item 1: \"/\": could match the "
       "protected path / (the root directory)\n"
       "bad/protected-path.toml:10:3: [[path]] #1: key 'globs' item 2: \"/etc\": could match the "
       "protected path /etc (a top-level directory)\n"
       "bad/protected-path.toml:11:3: [[path]] #1: key 'globs' item 3: \"/usr/*\": could match the "
       "protected path /usr/bin\n"
       "bad/protected-path.toml:12:3: [[path]] #1: key 'globs' item 4: \"/usr/bin/*\": could match "
       "everything in the protected directory /usr/bin\n"
       "bad/protected-path.toml:13:3: [[path]] #1: key 'globs' item 5: \"~\": could match the "
       "protected path ~ (a home directory)\n"
       "bad/protected-path.toml:14:3: [[path]] #1: key 'globs' item 6: \"~/*\": could match "
       "everything in the protected directory ~ (a home directory)\n"
       "bad/protected-path.toml:15:3: [[path]] #1: key 'globs' item 7: \"/home/*\": could match "
       "the protected path /home/* (a home directory)\n"
       "bad/protected-path.toml:16:3: [[path]] #1: key 'globs' item 8: \"/root/**\": could match "
       "the protected path /root (a home directory)\n"
       "bad/protected-path.toml:17:3: [[path]] #1: key 'globs' item 9: \"/etc/passwd\": could "
       "match the protected path /etc/passwd\n"
       "bad/protected-path.toml:18:3: [[path]] #1: key 'globs' item 10: \"/etc/pass[w]d\": could "
       "match the protected path /etc/passwd\n"
       "bad/protected-path.toml:19:3: [[path]] #1: key 'globs' item 11: \"/opt/*\": could match "
       "everything in the protected directory /opt (a top-level directory)\n"},
      {"relative-path",
       "bad/relative-path.toml:8:10: [[path]] #1: key 'globs' item 1: \"opt/acme\": must be "
       "absolute (start with '/' or '~/')\n"
       "bad/relative-path.toml:8:22: [[path]] #1: key 'globs' item 2: \"*\": must be absolute "
       "(start with '/' or '~/')\n"},
      {"schema-2",
       "bad/schema-2.toml:1:10: key 'schema': unsupported schema 2: this excise reads schema 1\n"},
      {"schema-missing", "bad/schema-missing.toml:1:1: missing required key 'schema'\n"},
      {"schema-string",
       "bad/schema-string.toml:1:10: key 'schema': expected an integer, got string\n"},
      {"service-empty",
       "bad/service-empty.toml:7:1: [[service]] #1: at least one of 'units' and 'init_scripts' is "
       "required\n"},
      {"syntax-error",
       "bad/syntax-error.toml:7:8: TOML syntax error: Error while parsing table header: expected "
       "']', saw '\\n'\n"},
      {"tilde",
       "bad/tilde.toml:8:10: [[path]] #1: key 'globs' item 1: \"~acme/.config\": '~' must be the "
       "whole first component ('~/...')\n"
       "bad/tilde.toml:8:27: [[path]] #1: key 'globs' item 2: \"/opt/~/acme\": '~' is only allowed "
       "as the whole first component ('~/...')\n"},
      {"unclosed-bracket",
       "bad/unclosed-bracket.toml:8:10: [[path]] #1: key 'globs' item 1: \"/opt/acme[ab\": "
       "unclosed '['\n"
       "bad/unclosed-bracket.toml:8:26: [[path]] #1: key 'globs' item 2: \"/opt/[[:alpha:]]\": "
       "character classes such as [:alpha:] are not supported\n"},
      {"unknown-key-far",
       "bad/unknown-key-far.toml:9:1: [[path]] #1: unknown key 'color' (known keys: id, after, "
       "globs, prune_empty)\n"},
      {"unknown-key",
       "bad/unknown-key.toml:7:1: [[path]] #1: missing required key 'globs'\n"
       "bad/unknown-key.toml:8:1: [[path]] #1: unknown key 'glob': did you mean 'globs'?\n"},
      {"unknown-kind",
       "bad/unknown-kind.toml:7:3: unknown key 'paths': did you mean 'path'?\n"
       "bad/unknown-kind.toml:10:3: unknown key 'registry' (known keys: schema, product, service, "
       "process, package, kernel_module, path, line, cron, certificate, user, group, command)\n"},
      {"wrong-type",
       "bad/wrong-type.toml:8:9: [[path]] #1: key 'globs': expected an array of strings, got "
       "string\n"
       "bad/wrong-type.toml:11:18: [[user]] #1: key 'names' item 2: expected a string, got "
       "integer\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::string text = read_bytes(playbook_fixtures() + "/bad/" + c.name + ".toml");
    const bool present = !text.empty() || std::string(c.name) == "empty";
    REQUIRE(present);
    auto loaded = load_text(text, std::string("bad/") + c.name + ".toml");
    CHECK(loaded.errors == c.errors);
    CHECK(loaded.playbooks.empty());
  }
}

TEST_CASE("playbook: every bad fixture is in the table above") {
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(playbook_fixtures() + "/bad")) {
    if (entry.path().extension() == ".toml") ++files;
  }
  CHECK(files == 39);
}

TEST_CASE("playbook: two bad files report every error of both") {
  std::string bad = playbook_fixtures() + "/bad/";
  Diagnostics diags;
  auto playbooks = load_playbooks({{bad + "protected-path.toml", Origin::given},
                                   {bad + "wrong-type.toml", Origin::given},
                                   {playbook_fixtures() + "/good/minimal.toml", Origin::given}},
                                  diags);
  CHECK(diags.size() == 11 + 2);
  REQUIRE(playbooks.size() == 1);
  CHECK(playbooks[0].product.id == "minimal");
  std::string all = diags.str();
  CHECK(all.find(bad + "protected-path.toml:9:3: ") != std::string::npos);
  CHECK(all.find(bad + "protected-path.toml:19:3: ") != std::string::npos);
  CHECK(all.find(bad + "wrong-type.toml:8:9: ") != std::string::npos);
  CHECK(all.find(bad + "wrong-type.toml:11:18: ") != std::string::npos);
}

TEST_CASE("playbook: an unreadable file names the file and the OS error") {
  Diagnostics diags;
  auto playbooks = load_playbooks(
      {{"/nonexistent/acme.toml", Origin::given}, {playbook_fixtures() + "/good", Origin::given}},
      diags);
  CHECK(playbooks.empty());
  // Messages are sorted by file name, so their order depends on where the
  // checkout lives; compare them as a set.
  const std::string all = diags.str();
  CHECK(diags.size() == 2);
  CHECK(all.find("/nonexistent/acme.toml: cannot read: No such file or directory\n") !=
        std::string::npos);
  CHECK(all.find(playbook_fixtures() + "/good: cannot read: not a regular file\n") !=
        std::string::npos);
}

TEST_CASE("playbook: product ids are unique across one load") {
  std::string dir = std::filesystem::temp_directory_path() / "excise-playbook-unique-XXXXXX";
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  std::string minimal = read_bytes(playbook_fixtures() + "/good/minimal.toml");
  for (const char* name : {"/a.toml", "/b.toml"}) {
    std::ofstream(dir + name) << minimal;
  }
  Diagnostics diags;
  auto playbooks = load_playbooks({{dir + "/a.toml", Origin::given},
                                   {dir + "/b.toml", Origin::given},
                                   {dir + "/a.toml", Origin::given}},  // named twice: once
                                  diags);
  CHECK(playbooks.empty());
  CHECK(diags.str() == dir + "/b.toml:4:1: [product]: product id 'minimal' is already used by " +
                           dir + "/a.toml:4:1\n");
  std::filesystem::remove_all(dir);
}

TEST_CASE("playbook: a file writable by others is refused (SAFETY.md S23)") {
  std::string dir = std::filesystem::temp_directory_path() / "excise-playbook-trust-XXXXXX";
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  std::string file = dir + "/p.toml";
  std::ofstream(file) << read_bytes(playbook_fixtures() + "/good/minimal.toml");
  struct Case {
    mode_t file_mode, dir_mode;
    std::string errors;
  };
  const Case cases[] = {
      {0644, 0700, ""},
      {0600, 0755, ""},
      {0664, 0700,
       file +
           ": refused: the file is writable by group or others (mode 0664); a playbook must "
           "be writable only by root; to fix: chmod go-w " +
           file + "\n"},
      {0646, 0700,
       file +
           ": refused: the file is writable by group or others (mode 0646); a playbook must "
           "be writable only by root; to fix: chmod go-w " +
           file + "\n"},
      {0644, 0777,
       file + ": refused: directory " + dir +
           " is writable by group or others (mode 0777); a playbook must be writable only by "
           "root; to fix: chmod go-w " +
           dir + ", or keep playbooks in a directory only root can write\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.file_mode);
    CAPTURE(c.dir_mode);
    REQUIRE(chmod(file.c_str(), c.file_mode) == 0);
    REQUIRE(chmod(dir.c_str(), c.dir_mode) == 0);
    Diagnostics diags;
    auto playbooks = load_playbooks({{file, Origin::given}}, diags);
    CHECK(diags.str() == c.errors);
    CHECK(playbooks.size() == (c.errors.empty() ? 1u : 0u));
  }
  if (geteuid() == 0) {
    REQUIRE(chmod(dir.c_str(), 0700) == 0);
    REQUIRE(chown(file.c_str(), 1234, 0) == 0);
    Diagnostics diags;
    CHECK(load_playbooks({{file, Origin::given}}, diags).empty());
    CHECK(diags.str() == file +
                             ": refused: the file is owned by uid 1234, not root; a playbook "
                             "must be writable only by root; to fix: chown root " +
                             file + "\n");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("playbook: the result keeps file order, default ids and locations") {
  auto loaded = load_text(read_bytes(playbook_fixtures() + "/good/ordering.toml"), "o.toml");
  REQUIRE(loaded.errors == "");
  REQUIRE(loaded.playbooks.size() == 1);
  const Playbook& p = loaded.playbooks[0];
  CHECK(p.product.id == "ordering-demo");
  CHECK(p.product.name == "Ordering Demo");
  CHECK(p.product.platforms == std::vector<std::string>{"linux", "windows"});
  CHECK(p.product.loc == SourceLoc{"o.toml", 4, 1});
  struct Row {
    std::string kind, id;
    bool id_given;
    std::uint32_t line;
  };
  const Row rows[] = {
      {"command", "stop-agent", true, 10}, {"path", "files", true, 17},
      {"command", "uninstall", true, 22},  {"path", "path#2", false, 29},
      {"package", "package#1", false, 33}, {"process", "process#1", false, 38},
  };
  REQUIRE(p.artifacts.size() == std::size(rows));
  for (std::size_t i = 0; i < std::size(rows); ++i) {
    CAPTURE(i);
    CHECK(p.artifacts[i].kind == rows[i].kind);
    CHECK(p.artifacts[i].id == rows[i].id);
    CHECK(p.artifacts[i].id_given == rows[i].id_given);
    CHECK(p.artifacts[i].loc == SourceLoc{"o.toml", rows[i].line, 1});
    CHECK(p.artifacts[i].spec != nullptr);
  }
  REQUIRE(p.artifacts[1].after.size() == 2);
  CHECK(p.artifacts[1].after[1].value == "uninstall");
  CHECK(p.artifacts[1].after[1].loc == SourceLoc{"o.toml", 20, 24});
}

TEST_CASE("playbook: origin names") {
  CHECK(origin_name(Origin::shipped) == "shipped");
  CHECK(origin_name(Origin::local) == "local");
  CHECK(origin_name(Origin::given) == "given");
}
