// FieldReader on its own: the getters no kind uses yet, and the "did you mean" rule.
#include <doctest/doctest.h>

#include "playbook/field_reader_impl.hpp"

using namespace excise;

namespace {

struct Reader {
  toml::table table;
  Diagnostics diags;
  std::unique_ptr<FieldReader> fields;

  explicit Reader(std::string_view text)
      : table(toml::parse(text, std::string_view{"f.toml"})),
        fields(std::make_unique<FieldReader>(std::unique_ptr<FieldReader::Impl>(
            new FieldReader::Impl{table, "f.toml", "[[x]] #1", diags, {}, 0}))) {}
};

}  // namespace

TEST_CASE("playbook: field reader booleans, integers and required choices") {
  Reader r("yes = true\nno = 1\nn = 7\nm = \"7\"\nc = \"b\"\n");
  static constexpr std::string_view kAllowed[] = {"a", "b"};
  CHECK(r.fields->boolean("yes", Need::required)->value);
  CHECK(r.fields->boolean("no", Need::optional) == std::nullopt);
  CHECK(r.fields->boolean("absent", true).value);
  CHECK(r.fields->boolean("absent", true).loc == SourceLoc{"f.toml", 1, 1});
  CHECK(r.fields->integer("n", Need::required)->value == 7);
  CHECK(r.fields->integer("m", Need::required) == std::nullopt);
  CHECK(r.fields->choice("c", kAllowed, Need::required)->value == "b");
  CHECK(r.fields->choice("d", kAllowed, Need::required) == std::nullopt);
  CHECK(r.fields->duration("missing", Need::required) == std::nullopt);
  CHECK(r.fields->failed());
  CHECK(r.diags.str() ==
        "f.toml:1:1: [[x]] #1: missing required key 'd'\n"
        "f.toml:1:1: [[x]] #1: missing required key 'missing'\n"
        "f.toml:2:6: [[x]] #1: key 'no': expected a boolean, got integer\n"
        "f.toml:4:5: [[x]] #1: key 'm': expected an integer, got string\n");
  r.fields->report_unknown_keys();  // every key was asked for
  CHECK(r.diags.size() == 4);
  CHECK(r.fields->asked_keys() ==
        std::vector<std::string>{"yes", "no", "absent", "n", "m", "c", "d", "missing"});
}

TEST_CASE("playbook: did-you-mean suggestions") {
  const std::vector<std::string> keys = {"id", "after", "globs", "prune_empty", "kernel_module"};
  struct Case {
    std::string word, suggestion;
  };
  const Case cases[] = {
      {"glob", "globs"},
      {"Globs", "globs"},
      {"prune-empty", "prune_empty"},
      {"kernel-modules", "kernel_module"},
      {"if", "id"},
      {"x", ""},
      {"color", ""},
      {"afterwards", ""},
      {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.word);
    CHECK(closest_word(c.word, keys) == c.suggestion);
  }
}
