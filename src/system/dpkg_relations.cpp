#include "system/dpkg_relations.hpp"

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

void skip_space(std::string_view s, std::size_t& i) {
  while (i < s.size() && is_space(s[i]))
    ++i;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(separator, start);
    parts.push_back(s.substr(start, at == std::string_view::npos ? s.npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return parts;
}

DpkgRelation parse_relation(std::string_view text, std::string_view field) {
  auto fail = [&](std::string_view why) {
    throw Error(Failure::input,
                fmt::format("{}: \"{}\": {}", shown(field), shown(text), shown(why)));
  };
  DpkgRelation r;
  r.text = std::string(text);
  std::size_t i = 0;
  auto word_end = [&](std::size_t from) {
    while (from < text.size() && !is_space(text[from]) && text[from] != '(' && text[from] != ':' &&
           text[from] != '[' && text[from] != '<') {
      ++from;
    }
    return from;
  };
  std::size_t end = word_end(i);
  r.name = std::string(text.substr(i, end - i));
  if (r.name.empty()) fail("missing package name");
  i = end;
  if (i < text.size() && text[i] == ':') {
    end = word_end(++i);
    r.arch = std::string(text.substr(i, end - i));
    if (r.arch.empty()) fail("empty architecture qualifier");
    i = end;
  }
  skip_space(text, i);
  if (i < text.size() && text[i] == '(') {
    const std::size_t close = text.find(')', i);
    if (close == std::string_view::npos) fail("unclosed '('");
    std::string_view inside = trim(text.substr(i + 1, close - i - 1));
    std::size_t op_end = 0;
    while (op_end < inside.size() &&
           (inside[op_end] == '<' || inside[op_end] == '>' || inside[op_end] == '=')) {
      ++op_end;
    }
    if (op_end == 0) fail("missing version relation");
    try {
      r.op = parse_version_op(inside.substr(0, op_end));
      r.version = parse_version(inside.substr(op_end));
    } catch (const Error& e) {
      fail(e.what());
    }
    i = close + 1;
  }
  // Build restrictions: "[arch list]" and "<profile>" formulas.
  while (true) {
    skip_space(text, i);
    if (i >= text.size()) break;
    const char open = text[i];
    if (open != '[' && open != '<') fail("unexpected text after the relation");
    const std::size_t close = text.find(open == '[' ? ']' : '>', i);
    if (close == std::string_view::npos) fail("unclosed restriction");
    i = close + 1;
  }
  return r;
}

}  // namespace

std::vector<DpkgRelationGroup> parse_relations(std::string_view text, std::string_view field) {
  std::vector<DpkgRelationGroup> groups;
  for (std::string_view group_text : split(text, ',')) {
    group_text = trim(group_text);
    if (group_text.empty()) continue;  // "a, , b" or a trailing comma: nothing to depend on
    DpkgRelationGroup group;
    group.text = std::string(group_text);
    for (std::string_view alternative : split(group_text, '|')) {
      alternative = trim(alternative);
      if (alternative.empty()) {
        throw Error(Failure::input,
                    fmt::format("{}: \"{}\": empty alternative", shown(field), shown(group_text)));
      }
      group.alternatives.push_back(parse_relation(alternative, field));
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

}  // namespace excise::sys
