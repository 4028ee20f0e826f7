#include <doctest/doctest.h>

#include "kinds/line_edit.hpp"

using namespace excise;

TEST_CASE("line edit: matching lines go, every other byte stays") {
  struct Case {
    std::string text, regex, left;
    std::vector<std::size_t> removed;
  };
  const Case cases[] = {
      {"/lib/libacme.so\n/usr/lib/other.so\n", "libacme[^/]*\\.so", "/usr/lib/other.so\n", {0}},
      {"a\nlibacme.so", "libacme", "a\n", {1}},  // last line without '\n'
      {"x\n\nlibacme1.so\nlibacme2.so\ny", "acme", "x\n\ny", {2, 3}},
      {"", "acme", "", {}},
      {"no match here\n", "acme", "no match here\n", {}},
      {"\xff\xfe acme\n", "acme", "", {0}},  // bytes that are not UTF-8
  };
  for (const auto& c : cases) {
    const auto removal = remove_matching_lines(c.text, std::regex(c.regex, std::regex::ECMAScript));
    CHECK(removal.text == c.left);
    CHECK(removal.removed == c.removed);
    CHECK(restore_lines(c.text, removal, removal.text).text == c.text);  // exact when untouched
  }
}

TEST_CASE("line edit: lines go back next to their old neighbours in a changed file") {
  const std::string before = "one\nacme-a\nacme-b\ntwo\nacme-c\nthree\n";
  const auto removal = remove_matching_lines(before, std::regex("acme"));
  CHECK(removal.text == "one\ntwo\nthree\n");
  // Someone added a line after apply; the removed ones return in order, the new one stays.
  const auto back = restore_lines(before, removal, "zero\none\ntwo\nthree\nfour\n");
  CHECK(back.text == "zero\none\nacme-a\nacme-b\ntwo\nacme-c\nthree\nfour\n");
  CHECK(back.notes.size() == 3);
  // A line already put back by someone else is not doubled.
  CHECK(restore_lines(before, removal, "one\nacme-a\ntwo\nthree\n").text ==
        "one\nacme-a\nacme-b\ntwo\nacme-c\nthree\n");
}

TEST_CASE("line edit: a file whose lines are all there is kept byte for byte") {
  // Apply killed before its rename left the file as it was: nothing to put back, and a
  // last line without its newline keeps it that way.
  const std::string before = "one\nacme-a\ntwo";
  const auto removal = remove_matching_lines(before, std::regex("acme"));
  const auto same = restore_lines(before, removal, before);
  CHECK(same.text == before);
  CHECK(same.notes.empty());
  // Every removed line back, and a line added since: still not a byte changes.
  const auto added = restore_lines(before, removal, "zero\none\nacme-a\ntwo");
  CHECK(added.text == "zero\none\nacme-a\ntwo");
  CHECK(added.notes.empty());
}

TEST_CASE("line edit: very long lines are not matched") {
  const std::string long_line = std::string(kMaxMatchedLine + 1, 'a') + "acme\n";
  const auto removal = remove_matching_lines(long_line, std::regex("acme"));
  CHECK(removal.removed.empty());
  CHECK(removal.too_long == 1);
}
