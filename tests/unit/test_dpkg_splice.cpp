#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "dpkg_test_files.hpp"
#include "excise/error.hpp"
#include "system/dpkg_splice.hpp"
#include "system/dpkg_stanza.hpp"

using namespace excise;
using namespace excise::sys;

namespace {

std::string stanza(const std::string& name, const std::string& arch = "amd64",
                   const std::string& multi_arch = "") {
  std::string s =
      "Package: " + name + "\nStatus: install ok installed\nArchitecture: " + arch + "\n";
  if (!multi_arch.empty()) s += "Multi-Arch: " + multi_arch + "\n";
  return s + "Version: 1.0\n";
}

const std::string kDpkg = stanza("dpkg");

}  // namespace

TEST_CASE("dpkg: remove_stanza then insert_stanza gives back the same bytes") {
  struct Case {
    const char* name;
    std::string status;
    std::string package, arch;
  };
  const std::string a = stanza("a"), b = stanza("b"), c = stanza("c");
  const Case cases[] = {
      {"first", a + "\n" + b + "\n" + c + "\n", "a", ""},
      {"middle", a + "\n" + b + "\n" + c + "\n", "b", ""},
      {"last", a + "\n" + b + "\n" + c + "\n", "c", ""},
      {"last without blank line", a + "\n" + b + "\n" + c, "c", ""},
      {"last without newline", a + "\n" + b + "\n" + c.substr(0, c.size() - 1), "c", ""},
      {"only one", a + "\n", "a", ""},
      {"leading blank lines", "\n\n" + a + "\n" + b + "\n", "a", ""},
      {"two blank lines after", a + "\n\n" + b + "\n", "a", ""},
      {"by arch", stanza("l", "amd64", "same") + "\n" + stanza("l", "i386", "same") + "\n", "l",
       "i386"},
      {"by arch, first", stanza("l", "amd64", "same") + "\n" + stanza("l", "i386", "same") + "\n",
       "l", "amd64"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    const StanzaRemoval r = remove_stanza(k.status, k.package, k.arch);
    CHECK(k.status.substr(r.offset, r.removed.size()) == r.removed);
    CHECK(r.text.size() + r.removed.size() == k.status.size());
    if (k.arch.empty()) CHECK(r.text.find("Package: " + k.package + "\n") == std::string::npos);
    CHECK(insert_stanza(r.text, r.removed, "amd64") == k.status);
  }
}

TEST_CASE("dpkg: insert_stanza puts a stanza where dpkg's writer would") {
  struct Case {
    const char* name;
    std::string status, inserted, expected;
  };
  const std::string a = stanza("a"), b = stanza("b"), c = stanza("c");
  const std::string l64 = stanza("libx", "amd64", "same"), l32 = stanza("libx", "i386", "same");
  const std::string t64 = stanza("tool", "amd64"), t32 = stanza("tool", "i386");
  const Case cases[] = {
      {"into the middle", a + "\n" + c + "\n", b, a + "\n" + b + "\n" + c + "\n"},
      {"at the front", b + "\n", a, a + "\n" + b + "\n"},
      {"at the end", a + "\n", c + "\n", a + "\n" + c + "\n"},
      {"at the end of a file without a final blank line", a, c, a + "\n" + c},
      {"at the end, bytes appended as given", a + "\n", c, a + "\n" + c},
      {"into an empty file", "", a + "\n", a + "\n"},
      {"strcmp, not locale order", stanza("Z") + "\n" + stanza("a-b") + "\n", stanza("a+b"),
       stanza("Z") + "\n" + stanza("a+b") + "\n" + stanza("a-b") + "\n"},
      {"Multi-Arch: same sorts by arch", l64 + "\n", l32 + "\n", l64 + "\n" + l32 + "\n"},
      {"Multi-Arch: same sorts by arch (front)", l32 + "\n", l64, l64 + "\n" + l32 + "\n"},
      {"foreign arch after the native one", kDpkg + "\n" + t64 + "\n", t32 + "\n",
       kDpkg + "\n" + t64 + "\n" + t32 + "\n"},
      {"native before the foreign one", kDpkg + "\n" + t32 + "\n", t64,
       kDpkg + "\n" + t64 + "\n" + t32 + "\n"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    CHECK(insert_stanza(k.status, k.inserted) == k.expected);
  }
}

TEST_CASE("dpkg: splicing refuses what it cannot do exactly") {
  const std::string status =
      stanza("a") + "\n" + stanza("l", "amd64", "same") + "\n" + stanza("l", "i386", "same") + "\n";
  CHECK_THROWS_AS(remove_stanza(status, "missing"), Error);
  CHECK_THROWS_AS(remove_stanza(status, "a", "i386"), Error);
  try {
    remove_stanza(status, "l");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "dpkg status: package l has 2 stanzas; name its architecture");
  }
  try {
    insert_stanza(status, stanza("a"));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.failure() == Failure::refused);
  }
  CHECK_THROWS_AS(insert_stanza(status, ""), Error);
  CHECK_THROWS_AS(insert_stanza(status, stanza("x") + "\n" + stanza("y")), Error);
  CHECK_THROWS_AS(insert_stanza(status, "Version: 1\n"), Error);
}

// Read-only: the real status file is read, never written.
TEST_CASE("dpkg: splice round trip on this machine's status, for every package") {
  const auto status = excise::test::read_host_file("/var/lib/dpkg/status");
  if (!status) return;
  const auto stanzas = parse_stanzas(*status, "/var/lib/dpkg/status");
  const auto start = std::chrono::steady_clock::now();
  std::size_t checked = 0;
  for (const auto& s : stanzas) {
    const std::string name(s.get_or("Package", ""));
    const std::string arch(s.get_or("Architecture", ""));
    const StanzaRemoval r = remove_stanza(*status, name, arch);
    CHECK(r.removed == s.bytes());
    if (insert_stanza(r.text, r.removed) != *status) {
      FAIL_CHECK("round trip differs for " << name << ":" << arch);
    }
    ++checked;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  MESSAGE("splice round trip: " << checked << " packages, " << ms << " ms");
  CHECK(checked == stanzas.size());
}
