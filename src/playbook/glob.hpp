// Globs of playbooks: path globs ("/var/log/acme/**/*.log", "~/.config/acme"), text globs
// (unit names, certificate subjects) and plain absolute paths (a file to edit, a program).
//
// Pattern syntax, inside ONE path component (or over a whole text for text globs):
//   *      any run of bytes, including none
//   ?      exactly one byte (one byte, not one UTF-8 character)
//   [...]  one byte of a set: "[abc]", ranges "[a-z]", negation "[!a-z]" or "[^a-z]";
//          a ']' right after the '[' (or after the '!' / '^') is a member
//   \x     the byte x itself ("\*" is a literal star)
// Path globs add two whole components: "**" (any number of directories, including none)
// and "~" (first component only: every home directory of the target root's passwd).
//
// Matching works on bytes: no locale, no case folding, no UTF-8 decoding. Unlike a shell,
// '*' and '?' DO match a leading dot: a removal glob must catch hidden files, so
// "/opt/acme/*" takes /opt/acme/.cache too. No pattern ever matches "." or "..".
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace excise {

struct GlobComponent {
  enum class Type { literal, pattern, any_depth, home };
  Type type = Type::literal;
  std::string text;  // literal: the exact name (escapes removed); pattern: as written
  friend bool operator==(const GlobComponent&, const GlobComponent&) = default;
};

struct PathGlob {
  std::string text;                       // as written in the playbook
  std::vector<GlobComponent> components;  // after the leading '/'; "~/x" gives {home, x}
  bool from_home() const;
  bool has_wildcards() const;  // any pattern or "**" component
  friend bool operator==(const PathGlob&, const PathGlob&) = default;
};

// What is wrong with a path glob, or "" when it is well-formed. Protected paths are a
// separate check (protected_paths.hpp). Consecutive "**" components collapse into one.
std::string path_glob_problem(std::string_view text);
// Throws Error(Failure::input) with the problem.
PathGlob parse_path_glob(std::string_view text);

// A concrete path in canonical form ("/a/b") split into names; "/" gives none. Nullopt when
// it is not canonical: relative, "//", a "." or ".." component, or a trailing '/'.
std::optional<std::vector<std::string>> split_path(std::string_view path);

// The glob with its leading "~" replaced by the names of `home` (a canonical absolute
// path). Nullopt when home is not canonical. A glob without "~" comes back unchanged.
std::optional<PathGlob> expand_home(const PathGlob& glob, std::string_view home);

// One component pattern against one name. Never matches "." or "..".
bool match_component(std::string_view pattern, std::string_view name);
// A concrete path against a glob. A "~" glob matches only through `homes` (each a
// canonical absolute home directory, filtered with is_usable_home from
// protected_paths.hpp); without homes it matches nothing.
bool match_path(const PathGlob& glob, std::string_view path,
                std::span<const std::string> homes = {});

// Text globs: the same pattern syntax over a whole string, where '/' is an ordinary byte.
std::string text_glob_problem(std::string_view pattern);
bool match_text_glob(std::string_view pattern, std::string_view text);
// True when the pattern has an unescaped '*', '?' or '['.
bool has_wildcards(std::string_view pattern);
// True when the pattern has no literal byte outside brackets ("*", "?*", "[a-z]*"): it
// matches nearly every name, so next to a protected directory it means "all of it".
bool is_broad_pattern(std::string_view pattern);

// What is wrong with a plain absolute path (no wildcards, no "~", canonical), or "".
std::string plain_path_problem(std::string_view text);

// Matches a sequence of glob components, where "**" takes any number of items (including
// none), against `count` items; `same(i, j)` says whether component i fits item j.
// Dynamic programming: O(components x items), whatever the number of "**".
template <class Same>
bool match_sequence(const std::vector<GlobComponent>& glob, std::size_t count, Same same) {
  const std::size_t n = glob.size();
  // row[j]: does glob[i..] match items[j..]? Computed for i from n down to 0.
  std::vector<char> row(count + 1, 0), next(count + 1, 0);
  next[count] = 1;
  for (std::size_t i = n; i-- > 0;) {
    const bool any = glob[i].type == GlobComponent::Type::any_depth;
    for (std::size_t j = count + 1; j-- > 0;) {
      if (any) {
        row[j] = next[j] || (j < count && row[j + 1]);
      } else {
        row[j] = j < count && next[j + 1] && same(i, j);
      }
    }
    std::swap(row, next);
  }
  return next[0] != 0;
}

}  // namespace excise
