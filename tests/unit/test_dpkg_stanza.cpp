#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "excise/error.hpp"
#include "system/dpkg_stanza.hpp"

using namespace excise;
using namespace excise::sys;

TEST_CASE("dpkg: stanzas keep their exact bytes and separators") {
  struct Case {
    const char* name;
    std::string text;
    std::vector<std::string> texts;     // each stanza's text
    std::vector<std::string> trailers;  // and the blank lines after it
  };
  const Case cases[] = {
      {"empty", "", {}, {}},
      {"only blank lines", "\n\n", {}, {}},
      {"one, no newline", "Package: a", {"Package: a"}, {""}},
      {"one, newline", "Package: a\n", {"Package: a\n"}, {""}},
      {"two as dpkg writes them",
       "Package: a\nVersion: 1\n\nPackage: b\n\n",
       {"Package: a\nVersion: 1\n", "Package: b\n"},
       {"\n", "\n"}},
      {"several blank lines and blanks-only lines",
       "\nPackage: a\n\n \n\t\nPackage: b\n",
       {"Package: a\n", "Package: b\n"},
       {"\n \n\t\n", ""}},
      {"comment lines stay in the bytes",
       "# written by hand\nPackage: a\n",
       {"# written by hand\nPackage: a\n"},
       {""}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto stanzas = parse_stanzas(c.text, "test");
    REQUIRE(stanzas.size() == c.texts.size());
    std::string rebuilt = stanzas.empty() ? c.text : c.text.substr(0, stanzas.front().offset);
    for (std::size_t i = 0; i < stanzas.size(); ++i) {
      CHECK(stanzas[i].text == c.texts[i]);
      CHECK(stanzas[i].trailer == c.trailers[i]);
      CHECK(c.text.substr(stanzas[i].offset, stanzas[i].bytes().size()) == stanzas[i].bytes());
      rebuilt += stanzas[i].bytes();
    }
    CHECK(rebuilt == c.text);
  }
}

TEST_CASE("dpkg: stanza fields, continuation lines and case-insensitive names") {
  const std::string text =
      "Package: acme-agent\n"
      "status:   install ok installed  \n"
      "Conffiles:\n"
      " /etc/acme/agent.conf 0123456789abcdef0123456789abcdef\n"
      " /etc/acme/old.conf 0123456789abcdef0123456789abcdef obsolete\n"
      "Description: the agent\n"
      " Long text.\n"
      " .\n"
      " More.\n"
      "Empty:\n";
  const auto stanzas = parse_stanzas(text, "test");
  REQUIRE(stanzas.size() == 1);
  const auto& s = stanzas.front();
  CHECK(s.line == 1);
  CHECK(s.get("PACKAGE") == "acme-agent");
  CHECK(s.get("Status") == "install ok installed");
  CHECK(s.get("conffiles") ==
        "\n /etc/acme/agent.conf 0123456789abcdef0123456789abcdef"
        "\n /etc/acme/old.conf 0123456789abcdef0123456789abcdef obsolete");
  CHECK(s.get("Description") == "the agent\n Long text.\n .\n More.");
  CHECK(s.get("Empty") == "");
  CHECK_FALSE(s.get("Version").has_value());
  CHECK(s.get_or("Version", "none") == "none");
}

TEST_CASE("dpkg: stanza errors name the source and the line") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"Package: a\nnot a field\n", "status line 2: not a field: \"not a field\""},
      {" continued\n", "status line 1: continuation line outside a field"},
      {"Package: a\n\n: empty name\n", "status line 3: not a field"},
      {"Bad name: x\n", "status line 1: not a field"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    try {
      parse_stanzas(c.text, "status");
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.failure() == Failure::system);
      CHECK(std::string(e.what()).find(c.message) == 0);
    }
  }
}

TEST_CASE("dpkg: parse_one_stanza wants exactly one") {
  CHECK(parse_one_stanza("Package: a\n\n", "saved").trailer == "\n");
  CHECK_THROWS_AS(parse_one_stanza("", "saved"), Error);
  CHECK_THROWS_AS(parse_one_stanza("Package: a\n\nPackage: b\n", "saved"), Error);
  CHECK_THROWS_AS(parse_one_stanza("\nPackage: a\n", "saved"), Error);
}
