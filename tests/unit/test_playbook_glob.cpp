#include <doctest/doctest.h>

#include "excise/error.hpp"
#include "playbook/glob.hpp"

using namespace excise;
using Type = GlobComponent::Type;

TEST_CASE("playbook: glob syntax problems") {
  struct Case {
    std::string glob, problem;
  };
  const Case cases[] = {
      {"/opt/acme", ""},
      {"/var/log/acme/**/*.log", ""},
      {"~/.config/acme", ""},
      {"~", ""},
      {"/", ""},
      {"/opt/acme~", ""},
      {"/opt/\\*literal", ""},
      {"/opt/[]]x", ""},
      {"/opt/[!a-z]", ""},
      {"/opt/[^a-]", ""},
      {"", "must not be empty"},
      {"opt/acme", "must be absolute (start with '/' or '~/')"},
      {"*", "must be absolute (start with '/' or '~/')"},
      {"./acme", "must be absolute (start with '/' or '~/')"},
      {"//", "empty path component ('//' or a trailing '/')"},
      {"/opt//acme", "empty path component ('//' or a trailing '/')"},
      {"/opt/acme/", "empty path component ('//' or a trailing '/')"},
      {"~/", "empty path component ('//' or a trailing '/')"},
      {"/./", "'.' and '..' components are not allowed"},
      {"/etc/..", "'.' and '..' components are not allowed"},
      {"~/..", "'.' and '..' components are not allowed"},
      {"/home/*/..", "'.' and '..' components are not allowed"},
      {"/opt/\\.\\.", "'.' and '..' components are not allowed"},
      {"/opt/acme[ab", "unclosed '['"},
      {"/opt/[a/b]", "unclosed '['"},
      {"/opt/[]", "unclosed '['"},
      {"/opt/[[:alpha:]]", "character classes such as [:alpha:] are not supported"},
      {"/opt/[z-a]", "invalid range in '[...]'"},
      {"/opt/acme\\", "ends with a lone '\\'"},
      {"/opt/acme**", "'**' must be a whole path component"},
      {"/opt/**acme", "'**' must be a whole path component"},
      {"/opt/***", "'**' must be a whole path component"},
      {"~acme/x", "'~' must be the whole first component ('~/...')"},
      {"/opt/~/x", "'~' is only allowed as the whole first component ('~/...')"},
      {std::string("/opt/a\0b", 8), "contains a NUL byte"},
      {"/opt/" + std::string(256, 'a'), "a component is longer than 255 bytes"},
      {"/opt/" + std::string(255, 'a'), ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.glob);
    CHECK(path_glob_problem(c.glob) == c.problem);
  }
  CHECK_THROWS_AS(parse_path_glob("relative"), Error);
}

TEST_CASE("playbook: glob components") {
  auto glob = parse_path_glob("~/a/**/**/b\\*c/*.log");
  const std::vector<GlobComponent> expected = {
      {Type::home, "~"},      {Type::literal, "a"},     {Type::any_depth, "**"},
      {Type::literal, "b*c"}, {Type::pattern, "*.log"},
  };
  CHECK(glob.components == expected);  // "**/**" collapses into one
  CHECK(glob.from_home());
  CHECK(glob.has_wildcards());
  CHECK_FALSE(parse_path_glob("/opt/acme").has_wildcards());
  CHECK(parse_path_glob("/").components.empty());
}

TEST_CASE("playbook: component matching on bytes") {
  struct Case {
    std::string pattern, name;
    bool match;
  };
  const Case cases[] = {
      {"*", "acme", true},
      {"*", ".hidden", true},  // a removal glob catches hidden files
      {"?acme", ".acme", true},
      {"*", ".", false},
      {"*", "..", false},
      {".*", "..", false},
      {"acme*", "acme", true},
      {"acme*", "acme-agent", true},
      {"acme*", "xacme", false},
      {"*.log", "a.log", true},
      {"*.log", "a.log.1", false},
      {"*a*b*c", "xxaxxbxxc", true},
      {"*a*b*c", "xxaxxbxxcx", false},
      {"a?c", "abc", true},
      {"a?c", "ac", false},
      {"[abc]x", "bx", true},
      {"[abc]x", "dx", false},
      {"[!abc]x", "dx", true},
      {"[^abc]x", "ax", false},
      {"[a-c]", "b", true},
      {"[a-c]", "d", false},
      {"[]]", "]", true},
      {"[!]]", "]", false},
      {"[a-]", "-", true},
      {"\\*", "*", true},
      {"\\*", "a", false},
      {"[\\]]", "]", true},
      {"caf\xc3\xa9", "caf\xc3\xa9", true},
      {"caf?", "caf\xc3\xa9", false},  // '?' is one byte, not one character
      {"caf??", "caf\xc3\xa9", true},
      {"*", "bad\xff", true},
      {"[\x80-\xff]", "\xfe", true},
      {"ACME", "acme", false},    // no case folding
      {"acme[", "acme[", false},  // malformed patterns match nothing
  };
  for (const auto& c : cases) {
    CAPTURE(c.pattern);
    CAPTURE(c.name);
    CHECK(match_component(c.pattern, c.name) == c.match);
  }
  // A long run of '*' against a long name stays fast (no backtracking blow-up).
  CHECK_FALSE(match_component(std::string(100, '*') + "b", std::string(10000, 'a')));
}

TEST_CASE("playbook: whole-path matching") {
  struct Case {
    std::string glob, path;
    bool match;
  };
  const Case cases[] = {
      {"/opt/acme", "/opt/acme", true},
      {"/opt/acme", "/opt/acme/bin", false},
      {"/opt/acme", "/opt", false},
      {"/etc/acme*", "/etc/acme.conf", true},
      {"/etc/acme*", "/etc/acme/x", false},
      {"/var/log/acme/**/*.log", "/var/log/acme/a.log", true},  // ** = zero directories
      {"/var/log/acme/**/*.log", "/var/log/acme/x/y/z/a.log", true},
      {"/var/log/acme/**/*.log", "/var/log/acme/.x/a.log", true},
      {"/var/log/acme/**/*.log", "/var/log/other/a.log", false},
      {"/opt/acme/**", "/opt/acme", true},
      {"/opt/acme/**", "/opt/acme/a/b", true},
      {"/opt/*/bin", "/opt/acme/bin", true},
      {"/opt/*/bin", "/opt/bin", false},
      {"/opt/acme", "/opt/acme/", false},  // not canonical: never matches
      {"/opt/acme", "/opt//acme", false},
      {"/opt/*", "/opt/..", false},
      {"/opt/*/x", "/opt/../x", false},
      {"~/.config/acme", "/home/alice/.config/acme", false},  // no homes given
  };
  for (const auto& c : cases) {
    CAPTURE(c.glob);
    CAPTURE(c.path);
    CHECK(match_path(parse_path_glob(c.glob), c.path) == c.match);
  }
  // Many "**" against a deep path: the dynamic programme stays polynomial.
  std::string many = "";
  for (int i = 0; i < 200; ++i)
    many += "/**/x" + std::to_string(i % 3);
  std::string deep;
  for (int i = 0; i < 500; ++i)
    deep += "/x" + std::to_string(i % 3);
  CHECK_FALSE(match_path(parse_path_glob(many + "/nomatch"), deep));
}

TEST_CASE("playbook: home globs match through the homes given") {
  const std::vector<std::string> homes = {"/home/alice", "/root", "/var/lib/svc"};
  auto glob = parse_path_glob("~/.config/acme");
  CHECK(match_path(glob, "/home/alice/.config/acme", homes));
  CHECK(match_path(glob, "/root/.config/acme", homes));
  CHECK(match_path(glob, "/var/lib/svc/.config/acme", homes));
  CHECK_FALSE(match_path(glob, "/home/bob/.config/acme", homes));
  auto expanded = expand_home(glob, "/home/alice");
  REQUIRE(expanded);
  CHECK(expanded->components.size() == 4);
  CHECK_FALSE(expand_home(glob, "home/alice"));
  CHECK_FALSE(expand_home(glob, "/home/alice/"));
}

TEST_CASE("playbook: text globs, wildcards and broad patterns") {
  CHECK(match_text_glob("Acme Root CA*", "Acme Root CA 2024"));
  CHECK(match_text_glob("*CN=Acme*", "/C=GB/O=Acme/CN=Acme Root"));  // '/' is ordinary here
  CHECK_FALSE(match_text_glob("Acme Root CA*", "acme root ca"));
  CHECK(text_glob_problem("acme-*.service") == "");
  CHECK(text_glob_problem("") == "must not be empty");
  CHECK(text_glob_problem("acme[") == "unclosed '['");
  struct Case {
    std::string pattern;
    bool wild, broad;
  };
  const Case cases[] = {
      {"acme", false, false}, {"acme\\*", false, false}, {"acme*", true, false},
      {"*", true, true},      {"?*", true, true},        {"[a-z]*", true, true},
      {"*.log", true, false}, {".*", true, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pattern);
    CHECK(has_wildcards(c.pattern) == c.wild);
    CHECK(is_broad_pattern(c.pattern) == c.broad);
  }
}

TEST_CASE("playbook: plain paths and split_path") {
  struct Case {
    std::string path, problem;
  };
  const Case cases[] = {
      {"/etc/ld.so.preload", ""},
      {"/opt/acme/bin/acme setup", ""},
      {"/opt/a\\b", ""},  // a backslash is an ordinary byte in a plain path
      {"", "must not be empty"},
      {"etc/x", "must be an absolute path"},
      {"~/x", "must be an absolute path"},
      {"/", "must name a file, not /"},
      {"/etc/*.conf", "wildcards are not allowed here (this names one file)"},
      {"/etc/x?", "wildcards are not allowed here (this names one file)"},
      {"/etc/[x]", "wildcards are not allowed here (this names one file)"},
      {"/etc//x", "empty path component ('//' or a trailing '/')"},
      {"/etc/x/", "empty path component ('//' or a trailing '/')"},
      {"/etc/../x", "'.' and '..' components are not allowed"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CHECK(plain_path_problem(c.path) == c.problem);
  }
  CHECK(split_path("/") == std::vector<std::string>{});
  CHECK(split_path("/a/b") == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(split_path("a/b"));
  CHECK_FALSE(split_path("/a/./b"));
  CHECK_FALSE(split_path("/a/"));
}
