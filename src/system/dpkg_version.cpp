#include "system/dpkg_version.hpp"

#include <fmt/format.h>

#include <limits>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The weight of one character in a non-digit run. The end of the string weighs 0, so
// '~' (-1) sorts before it and every other character after it; letters sort before
// non-letters. Digits end the run, so they weigh like the end of the string.
int weight(char c) {
  if (c == '\0' || is_digit(c)) return 0;
  if (is_alpha(c)) return static_cast<unsigned char>(c);
  if (c == '~') return -1;
  return static_cast<unsigned char>(c) + 256;
}

[[noreturn]] void bad_version(std::string_view text, std::string_view why) {
  throw Error(Failure::input, fmt::format("version \"{}\": {}", shown(text), why));
}

}  // namespace

std::string DebVersion::str() const {
  std::string out;
  if (epoch != 0) out = std::to_string(epoch) + ":";
  out += upstream;
  if (!revision.empty()) out += "-" + revision;
  return out;
}

DebVersion parse_version(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  if (s.empty()) bad_version(text, "empty");
  for (char c : s) {
    if (is_blank(c)) bad_version(text, "contains a blank");
  }

  DebVersion v;
  const std::size_t colon = s.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view epoch = s.substr(0, colon);
    if (epoch.empty()) bad_version(text, "empty epoch");
    std::uint64_t value = 0;
    for (char c : epoch) {
      if (!is_digit(c)) bad_version(text, "epoch is not a number");
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
      if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int32_t>::max())) {
        bad_version(text, "epoch is too big");
      }
    }
    v.epoch = static_cast<std::uint32_t>(value);
    s.remove_prefix(colon + 1);
  }
  const std::size_t hyphen = s.rfind('-');
  if (hyphen != std::string_view::npos) {
    v.revision = std::string(s.substr(hyphen + 1));
    if (v.revision.empty()) bad_version(text, "empty revision");
    s = s.substr(0, hyphen);
  }
  if (s.empty()) bad_version(text, "empty upstream version");
  v.upstream = std::string(s);
  return v;
}

int compare_version_part(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  auto at = [](std::string_view s, std::size_t k) { return k < s.size() ? s[k] : '\0'; };
  while (i < a.size() || j < b.size()) {
    // A run of non-digits, character by character.
    while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
      const int wa = weight(at(a, i)), wb = weight(at(b, j));
      if (wa != wb) return wa < wb ? -1 : 1;
      ++i;
      ++j;
    }
    // A run of digits, numerically: skip leading zeros, then the longer run is bigger,
    // and between equal lengths the first differing digit decides.
    while (i < a.size() && a[i] == '0')
      ++i;
    while (j < b.size() && b[j] == '0')
      ++j;
    int first_difference = 0;
    while (i < a.size() && is_digit(a[i]) && j < b.size() && is_digit(b[j])) {
      if (first_difference == 0 && a[i] != b[j]) first_difference = a[i] < b[j] ? -1 : 1;
      ++i;
      ++j;
    }
    if (i < a.size() && is_digit(a[i])) return 1;
    if (j < b.size() && is_digit(b[j])) return -1;
    if (first_difference != 0) return first_difference;
  }
  return 0;
}

int compare_versions(const DebVersion& a, const DebVersion& b) {
  if (a.epoch != b.epoch) return a.epoch < b.epoch ? -1 : 1;
  if (int c = compare_version_part(a.upstream, b.upstream)) return c;
  return compare_version_part(a.revision, b.revision);
}

int compare_versions(std::string_view a, std::string_view b) {
  return compare_versions(parse_version(a), parse_version(b));
}

VersionOp parse_version_op(std::string_view text) {
  if (text == "<<") return VersionOp::lt;
  if (text == "<=" || text == "<") return VersionOp::le;
  if (text == "=") return VersionOp::eq;
  if (text == ">=" || text == ">") return VersionOp::ge;
  if (text == ">>") return VersionOp::gt;
  throw Error(Failure::input, fmt::format("unknown version relation \"{}\"", shown(text)));
}

std::string_view version_op_text(VersionOp op) {
  switch (op) {
    case VersionOp::none:
      return "";
    case VersionOp::lt:
      return "<<";
    case VersionOp::le:
      return "<=";
    case VersionOp::eq:
      return "=";
    case VersionOp::ge:
      return ">=";
    case VersionOp::gt:
      return ">>";
  }
  return "";
}

bool version_satisfies(const DebVersion& version, VersionOp op, const DebVersion& reference) {
  if (op == VersionOp::none) return true;
  const int c = compare_versions(version, reference);
  switch (op) {
    case VersionOp::none:
      return true;
    case VersionOp::lt:
      return c < 0;
    case VersionOp::le:
      return c <= 0;
    case VersionOp::eq:
      return c == 0;
    case VersionOp::ge:
      return c >= 0;
    case VersionOp::gt:
      return c > 0;
  }
  return false;
}

}  // namespace excise::sys
