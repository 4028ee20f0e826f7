// Inputs meant to break the parser: deep nesting, bytes that are not TOML, and the inputs
// on which toml++ 3.3.0 asserts or has undefined behaviour (test-environment.md, 4).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "playbook_test_util.hpp"

using namespace excise;
using namespace excise::test;

namespace {

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

// `count` quoted globs, each with `dots` '.' in it: "/opt/g0.a.a.a", ...
std::string globs_with_dots(int count, std::size_t dots) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += (i ? ", \"/opt/g" : "\"/opt/g") + std::to_string(i) + repeat(".a", dots) + "\"";
  }
  return out;
}

}  // namespace

TEST_CASE("playbook: 10,000 levels of nesting give a clean error") {
  struct Case {
    const char* name;
    std::string text;
    std::string errors;
  };
  const std::string exceeded =
      "TOML syntax error: Error while parsing value: exceeded maximum nested value depth of 256 "
      "(TOML_MAX_NESTED_VALUES)\n";
  const std::string too_deep =
      "keys nested too deeply: more than 1000 '.' outside strings and comments\n";
  const Case cases[] = {
      {"arrays", "a=" + repeat("[", 10000) + repeat("]", 10000), "t.toml:1:259: " + exceeded},
      {"inline tables", "a=" + repeat("{b=", 10000) + "1" + repeat("}", 10000),
       "t.toml:1:771: " + exceeded},
      {"arrays of inline tables", "a=" + repeat("[{b=", 10000) + "1" + repeat("}]", 10000),
       "t.toml:1:515: " + exceeded},
      {"dotted key", repeat("a.", 10000) + "a=1", "t.toml:1:2002: " + too_deep},
      {"table header", "[" + repeat("a.", 10000) + "a]", "t.toml:1:2003: " + too_deep},
      {"dotted key 100,000", repeat("a.", 100000) + "a=1", "t.toml:1:2002: " + too_deep},
      {"dots spread over lines", repeat("[" + repeat("a.", 100) + "a]\n", 11),
       "t.toml:11:3: " + too_deep},
      // Dots inside strings and comments do not count.
      {"dots in strings",
       with_product("# " + repeat(".", 5000) + "\n[[path]]\nglobs = [" + globs_with_dots(30, 100) +
                    "]\n"),
       ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto loaded = load_text(c.text);
    CHECK(loaded.errors == c.errors);
  }
}

TEST_CASE("playbook: a chain of 10,000 'after' is fine, and a 10,000-long cycle is one error") {
  std::string chain, cycle;
  for (int i = 0; i < 10000; ++i) {
    std::string next = std::to_string((i + 1) % 10000);
    std::string table =
        "[[user]]\nid = \"u" + std::to_string(i) + "\"\nnames = [\"u" + std::to_string(i) + "\"]\n";
    chain += table + (i + 1 < 10000 ? "after = [\"u" + next + "\"]\n" : "");
    cycle += table + "after = [\"u" + next + "\"]\n";
  }
  auto loaded = load_text(with_product(chain));
  CHECK(loaded.errors == "");
  CHECK(loaded.playbooks.size() == 1);
  loaded = load_text(with_product(cycle));
  CHECK(loaded.playbooks.empty());
  REQUIRE(loaded.errors.find("ordering cycle: u0 -> u1 -> u2 -> ") != std::string::npos);
  CHECK(loaded.errors.find("u9999 -> u0\n") != std::string::npos);
  CHECK(std::count(loaded.errors.begin(), loaded.errors.end(), '\n') == 1);
}

TEST_CASE("playbook: adversarial bytes give clean errors") {
  using namespace std::string_literals;
  struct Case {
    const char* name;
    std::string text;
    std::string errors;
  };
  const Case cases[] = {
      // Debug builds of toml++ 3.3.0 assert on these two; the Debian .so (NDEBUG) is clean.
      {"[> (parse_key assertion)", "[>",
       "t.toml:1:2: TOML syntax error: Error while parsing key: expected bare key starting "
       "character or string delimiter, saw '>'\n"},
      {"1=[} (parse_value assertion)", "1=[}",
       "t.toml:1:4: TOML syntax error: Error while parsing value: could not determine value "
       "type\n"},
      {"invalid UTF-8 in a string", "schema = 1\nx = \"\xff\xfe\"\n",
       "t.toml:2:5: TOML syntax error: Encountered invalid utf-8 sequence\n"},
      {"invalid UTF-8 at the top", "\xc3\x28 = 1\n",
       "t.toml:1:1: TOML syntax error: Encountered invalid utf-8 sequence\n"},
      {"NUL byte after a value", "schema = 1\0\n"s,
       "t.toml:1:11: TOML syntax error: Error while parsing decimal integer: expected digit, "
       "saw '\\u0000'\n"},
      {"NUL byte at the start", "\0"s,
       "t.toml:1:1: TOML syntax error: Error while parsing root table: expected keys, tables, "
       "whitespace or comments, saw '\\u0000'\n"},
      // U+0361 reaches TOML_UNREACHABLE in toml++ (upstream issue 295). The Debian .so,
      // built by GCC, returns an error or reads on; these pin that it does not crash.
      {"U+0361 at the top", "\xcd\xa1",
       "t.toml:1:1: TOML syntax error: Error while parsing root table: expected keys, tables, "
       "whitespace or comments, saw '\xcd\xa1'\n"},
      {"U+0361 in a quoted key", with_product("\"\xcd\xa1\" = 1\n"),
       "t.toml:5:1: [product]: unknown key '\xcd\xa1' (known keys: id, name, vendor, "
       "platforms, banned_by, references)\n"},
      {"U+00A0 as whitespace", "a =\xc2\xa0 1",
       "t.toml:1:4: TOML syntax error: Error while parsing key-value pair: expected space or tab, "
       "saw '\\u00A0'\n"},
      {"control characters in a key", "\"\\u0001\\n\" = 1\nschema = 1",
       "t.toml:1:1: missing required key 'product'\n"
       "t.toml:1:1: unknown key '\\x01\\n' (known keys: schema, product, service, process, "
       "package, kernel_module, path, line, cron, certificate, user, group, command)\n"},
      {"unterminated multi-line string", "a = \"\"\"" + std::string(1000, 'x'),
       "t.toml:1:1008: TOML syntax error: Error while parsing string: encountered end-of-file\n"},
      {"lone quote", "\"",
       "t.toml:1:2: TOML syntax error: Error while parsing string: encountered end-of-file\n"},
      {"huge integer", "schema = 99999999999999999999",
       "t.toml:1:30: TOML syntax error: Error while parsing decimal integer: "
       "'99999999999999999999' "
       "is not representable in 64 bits\n"},
      {"float schema", "schema = 1.0\n[product]\nid = \"p\"\nname = \"P\"\n",
       "t.toml:1:10: key 'schema': expected an integer, got float\n"},
      {"negative schema", "schema = -1\n[product]\nid = \"p\"\nname = \"P\"\n",
       "t.toml:1:10: key 'schema': unsupported schema -1: this excise reads schema 1\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto loaded = load_text(c.text);
    CHECK(loaded.errors == c.errors);
    CHECK(loaded.playbooks.empty());
  }
}

TEST_CASE("playbook: too large a file is refused before parsing") {
  std::string text = "schema = 1\n" + std::string((1u << 20), '#');
  CHECK(load_text(text).errors ==
        "t.toml:1:1: too large: 1048587 bytes (a playbook is at most 1048576)\n");
}

TEST_CASE("playbook: regexes that would crash or explode std::regex are refused") {
  struct Case {
    std::string match, errors;
  };
  const Case cases[] = {
      {std::string(30000, '(') + std::string(30000, ')'),
       "t.toml:6:9: [[cron]] #1: key 'match': \"" + std::string(30000, '(') +
           std::string(30000, ')') + "\": a regex is at most 1024 bytes\n"},
      {"a{99999}",
       "t.toml:6:9: [[cron]] #1: key 'match': \"a{99999}\": invalid regex: Number of NFA states "
       "exceeds limit. Please use shorter regex string, or use smaller brace expression, or make "
       "_GLIBCXX_REGEX_STATE_LIMIT larger.\n"},
      {"(a",
       "t.toml:6:9: [[cron]] #1: key 'match': \"(a\": invalid regex: Mismatched '(' and ')' "
       "in regular expression\n"},
      {".*",
       "t.toml:6:9: [[cron]] #1: key 'match': \".*\": matches the empty string, so it would "
       "match every line\n"},
      {"^acme", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.match.substr(0, 20));
    auto loaded = load_text(with_product("[[cron]]\nmatch = '" + c.match + "'\n"));
    CHECK(loaded.errors == c.errors);
  }
}
