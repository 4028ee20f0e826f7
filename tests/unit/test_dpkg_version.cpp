#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "excise/error.hpp"
#include "system/dpkg_version.hpp"

using namespace excise;
using namespace excise::sys;

namespace {

struct Ordered {
  const char* a;
  const char* b;
  int expected;
};

// Expected results were checked against `dpkg --compare-versions` (dpkg 1.21.22); the
// cases come from deb-version(7), Debian policy 5.6.12 and dpkg's own test suite.
const Ordered kOrder[] = {
    {"1.0", "1.0", 0},
    {"1.0", "2.0", -1},
    {"2.30", "2.4", 1},      // digit runs compare numerically
    {"1.0~rc1", "1.0", -1},  // '~' sorts before the end of the string
    {"1.0~rc1", "1.0~rc2", -1},
    {"1.0~~", "1.0~", -1},
    {"1.0~", "1.0", -1},
    {"1.0", "1.0a", -1},   // the end sorts before letters
    {"1.0a", "1.0+", -1},  // letters before non-letters
    {"1.0+", "1.0.", -1},  // then by ASCII
    {"1:1.0", "2.0", 1},   // epoch first
    {"1:1.0", "1:1.0", 0},
    {"0:1.0", "1.0", 0},  // epoch 0 is the default
    {"1.0-1", "1.0", 1},
    {"1.0-1", "1.0-2", -1},
    {"1.0-1", "1.0-1.1", -1},
    {"1.0-1ubuntu1", "1.0-1", 1},
    {"1.0-1+deb12u1", "1.0-1", 1},
    {"1.0-10", "1.0-9", 1},
    {"001", "1", 0},  // leading zeros do not count
    {"1.001", "1.1", 0},
    {"1.2.3", "1.2.10", -1},
    {"a", "b", -1},
    {"a", "A", 1},  // by ASCII: upper case first
    {"Z", "a", -1},
    {"1.0a", "1.0A", 1},
    {"2.0.0", "2.0", 1},
    {"2.0", "2.0.", -1},
    {"1~", "1~~a", 1},
    {"1~~a", "1~~", 1},
    {"1.0-0", "1.0", 0},  // revision "0" equals no revision
    {"0", "00", 0},
    {"10", "9", 1},
    {"1.2.3-4", "1.2.3-4~bpo1", 1},
    {"1:0", "0:9999", 1},
    {"2:1", "10:0", -1},  // epochs compare numerically
    {"9:0", "10:0", -1},
    {"1.18.0~rc1", "1.18.0~beta1", 1},
    {"7.2p2", "7.2", 1},
    {"7.2p2", "7.2.1", -1},
    {"1.0.0-alpha", "1.0.0-beta", -1},
    {"3.0", "3.0-0", 0},
    {"1.0+dfsg", "1.0", 1},
    {"1.0+dfsg-1", "1.0-1", 1},
    {"1.0a-1", "1.0-1", 1},
    {"0:0-0-0", "0:0-0-0", 0},  // upstream may contain '-': the last one splits
    {"1:2:3-4", "1:2:3-4", 0},  // and ':' after the epoch
};

}  // namespace

TEST_CASE("dpkg: version ordering table") {
  for (const auto& c : kOrder) {
    CAPTURE(c.a);
    CAPTURE(c.b);
    CHECK(compare_versions(c.a, c.b) == c.expected);
    CHECK(compare_versions(c.b, c.a) == -c.expected);
  }
}

TEST_CASE("dpkg: version parsing splits epoch, upstream and revision") {
  struct Case {
    const char* text;
    std::uint32_t epoch;
    const char* upstream;
    const char* revision;
    const char* canonical;
  };
  const Case cases[] = {
      {"1.0", 0, "1.0", "", "1.0"},
      {"0:1.0", 0, "1.0", "", "1.0"},
      {"2:1.0-3", 2, "1.0", "3", "2:1.0-3"},
      {"0:0-0-0", 0, "0-0", "0", "0-0-0"},
      {"0:0:0-0", 0, "0:0", "0", "0:0-0"},
      {"  \t0:0-1  ", 0, "0", "1", "0-1"},
      {"0:09azAZ.-+~:-0", 0, "09azAZ.-+~:", "0", "09azAZ.-+~:-0"},
      {"abc", 0, "abc", "", "abc"},  // dpkg only warns
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const DebVersion v = parse_version(c.text);
    CHECK(v.epoch == c.epoch);
    CHECK(v.upstream == c.upstream);
    CHECK(v.revision == c.revision);
    CHECK(v.str() == c.canonical);
  }
}

TEST_CASE("dpkg: version parsing refuses what dpkg refuses") {
  const char* bad[] = {"",
                       "  ",
                       "0:",
                       ":1",
                       "a:1",
                       "-1:0-1",
                       "-0",
                       "0:-0",
                       "1.0-",
                       "0:0 0-1",
                       "999999999999999999999999:0-1",
                       "99999999999:1"};
  for (const char* text : bad) {
    CAPTURE(text);
    CHECK_THROWS_AS(parse_version(text), Error);
  }
}

TEST_CASE("dpkg: version relations") {
  struct Case {
    const char* version;
    const char* op;
    const char* reference;
    bool expected;
  };
  const Case cases[] = {
      {"1.0", "<<", "2.0", true},  {"2.0", "<<", "2.0", false}, {"2.0", "<=", "2.0", true},
      {"2.0", "=", "2.0", true},   {"2.0", "=", "2.0-0", true}, {"2.0", ">=", "2.0", true},
      {"2.0", ">>", "2.0", false}, {"2.1", ">>", "2.0", true},  {"2.0", "<", "2.0", true},
      {"2.0", ">", "2.0", true},  // obsolete forms mean <= and >=
      {"1.9", ">", "2.0", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.version);
    CAPTURE(c.op);
    CAPTURE(c.reference);
    CHECK(version_satisfies(parse_version(c.version), parse_version_op(c.op),
                            parse_version(c.reference)) == c.expected);
  }
  CHECK(version_satisfies(parse_version("1"), VersionOp::none, parse_version("9")));
  CHECK_THROWS_AS(parse_version_op("=="), Error);
  CHECK(version_op_text(parse_version_op("<")) == "<=");
}

// Cross-checks a few hundred pairs of this machine's installed versions (and edge cases)
// against dpkg itself, in one shell process so it stays cheap.
TEST_CASE("dpkg: version ordering agrees with dpkg --compare-versions") {
  if (std::system("command -v dpkg >/dev/null 2>&1") != 0) return;
  std::set<std::string> versions = {"1.0~rc1",         "1.0",        "1.0a", "1.0+",
                                    "1:0.1",           "1.0-1~bpo1", "2.30", "2.4",
                                    "0.0~git20200101", "7.2p2"};
  if (FILE* p = popen("dpkg-query -W -f '${Version}\\n' 2>/dev/null | sort -u | head -150", "r")) {
    char buf[512];
    while (fgets(buf, sizeof buf, p)) {
      std::string v(buf);
      while (!v.empty() && v.back() == '\n')
        v.pop_back();
      if (!v.empty()) versions.insert(v);
    }
    pclose(p);
  }
  const std::vector<std::string> all(versions.begin(), versions.end());
  std::vector<std::pair<std::string, std::string>> pairs;
  for (std::size_t i = 0; i < all.size() && pairs.size() < 300; ++i) {
    pairs.emplace_back(all[i], all[(i * 7 + 3) % all.size()]);
    pairs.emplace_back(all[i], all[(i + 1) % all.size()]);
  }
  const std::string input = "/tmp/excise-dpkg-versions-" + std::to_string(getpid());
  {
    std::ofstream out(input);
    for (const auto& [a, b] : pairs)
      out << a << ' ' << b << '\n';
  }
  const std::string script =
      "while read a b; do if dpkg --compare-versions \"$a\" lt \"$b\"; then echo -1; "
      "elif dpkg --compare-versions \"$a\" eq \"$b\"; then echo 0; else echo 1; fi; done < " +
      input;
  std::vector<int> results;
  if (FILE* p = popen(script.c_str(), "r")) {
    int r;
    while (fscanf(p, "%d", &r) == 1)
      results.push_back(r);
    pclose(p);
  }
  std::remove(input.c_str());
  REQUIRE(results.size() == pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    CAPTURE(pairs[i].first);
    CAPTURE(pairs[i].second);
    CHECK(compare_versions(pairs[i].first, pairs[i].second) == results[i]);
  }
  MESSAGE("compared " << pairs.size() << " version pairs with dpkg");
}
