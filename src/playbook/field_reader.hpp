// Typed access to one table of a playbook, for the loader and the kinds. Every problem
// goes to the Diagnostics as one message; the reader remembers which keys were asked
// for, so that the loader can report the others as unknown after the kind's parse.
//
// Message style (every loader message follows it):
//   FILE:LINE:COL: SECTION: key 'KEY': PROBLEM
//   FILE:LINE:COL: SECTION: key 'KEY' item N: PROBLEM     (N counts from 1)
//   FILE:LINE:COL: SECTION: PROBLEM                        (about the table itself)
// SECTION is "[product]" or "[[KIND]] #N" (the Nth table of that kind, from 1) and is
// left out for top-level keys. PROBLEM is lower case with no final period. A value that
// is wrong is quoted first, in double quotes with shown() escapes; keys, ids and names in
// single quotes. The location is the value's for a value, the key's for an unknown key,
// the table header's for a missing key. Examples:
//   acme.toml:9:9: [[path]] #2: key 'globs': expected an array of strings, got integer
//   acme.toml:12:3: [[path]] #1: key 'globs' item 3: "/etc/..": '.' and '..' components are not
//   allowed acme.toml:3:1: [product]: missing required key 'id' acme.toml:14:1: [[path]] #1:
//   unknown key 'glob': did you mean 'globs'?
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "excise/playbook.hpp"

namespace excise {

enum class Need { optional, required };

// What is wrong with a value, or "" when it is fine. The reader adds the quoted value.
using ValueCheck = std::function<std::string(std::string_view)>;

struct ListRules {
  bool allow_empty = false;        // "key = []" is fine (e.g. after, undo)
  bool allow_empty_items = false;  // "" is fine as an item (arguments of a command)
  bool unique = true;              // a repeated item is an error
};

class FieldReader {
 public:
  struct Impl;  // field_reader_impl.hpp: the TOML table behind it (the loader's business)
  explicit FieldReader(std::unique_ptr<Impl> impl);
  ~FieldReader();
  FieldReader(const FieldReader&) = delete;
  FieldReader& operator=(const FieldReader&) = delete;

  const std::string& section() const;  // "[[path]] #2", "[product]" or "" (top level)
  SourceLoc table_loc() const;
  bool has(std::string_view key) const;           // does not count as asking for it
  SourceLoc key_loc(std::string_view key) const;  // the value, or the table when absent
  SourceLoc item_loc(std::string_view key, std::size_t index) const;  // index from 0

  // A string, never empty (an empty one is an error), never holding a NUL byte.
  std::optional<Located<std::string>> string(std::string_view key, Need need,
                                             const ValueCheck& check = {});
  // An array of strings; items that fail come back left out.
  std::vector<Located<std::string>> strings(std::string_view key, Need need,
                                            const ValueCheck& check = {}, ListRules rules = {});
  // One of `allowed`; `fallback` (located at the table) when absent.
  Located<std::string> choice(std::string_view key, std::span<const std::string_view> allowed,
                              std::string_view fallback);
  std::optional<Located<std::string>> choice(std::string_view key,
                                             std::span<const std::string_view> allowed, Need need);
  std::optional<Located<bool>> boolean(std::string_view key, Need need);
  Located<bool> boolean(std::string_view key, bool fallback);
  std::optional<Located<std::int64_t>> integer(std::string_view key, Need need);
  // "300s", "5m", "1h", or an integer of seconds; between 1 second and 24 hours.
  std::optional<Located<std::chrono::seconds>> duration(std::string_view key, Need need);
  Located<std::chrono::seconds> duration(std::string_view key, std::chrono::seconds fallback);

  // Reports a key that must be present but that someone else reads (the loader reads
  // `id`; [[command]] requires it). Returns whether it is there.
  bool require(std::string_view key);

  void error(const SourceLoc& loc, std::string_view problem);  // "SECTION: problem"
  void key_error(std::string_view key, std::string_view problem);
  void item_error(std::string_view key, std::size_t index, std::string_view problem);
  bool failed() const;  // has any problem been reported through this reader?

  // For the loader, after the kind's parse: every key nobody asked for is an error, with
  // a suggestion when one asked-for key is close ("did you mean 'globs'?").
  void report_unknown_keys();
  const std::vector<std::string>& asked_keys() const;
  Impl& impl() { return *impl_; }  // for the loader, which also reads the TOML itself

 private:
  std::unique_ptr<Impl> impl_;
};

// A value as messages show it: in double quotes, with shown() escapes.
std::string quoted(std::string_view value);

// The closest of `candidates` to `word` (at most 2 edits, and at most half its length),
// or "" when none is close. For "did you mean" suggestions.
std::string closest_word(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace excise
