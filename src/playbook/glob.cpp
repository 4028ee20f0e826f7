#include "playbook/glob.hpp"

#include <algorithm>

#include "excise/error.hpp"

namespace excise {
namespace {

// One step of a pattern: a byte, '?', '*', or a bracket set.
struct Token {
  enum class Kind { byte, one, run, set };
  Kind kind = Kind::byte;
  unsigned char byte = 0;
  bool negated = false;
  std::vector<std::pair<unsigned char, unsigned char>> ranges;  // set members, inclusive

  bool matches(unsigned char c) const {
    switch (kind) {
      case Kind::byte:
        return c == byte;
      case Kind::one:
        return true;
      case Kind::run:
        return true;
      case Kind::set: {
        bool in = std::any_of(ranges.begin(), ranges.end(),
                              [c](const auto& r) { return r.first <= c && c <= r.second; });
        return in != negated;
      }
    }
    return false;
  }
};

// Parses the bracket set starting at pattern[i] == '['. Sets `i` past the ']'.
std::string parse_set(std::string_view p, std::size_t& i, Token& token) {
  token.kind = Token::Kind::set;
  ++i;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    token.negated = true;
    ++i;
  }
  bool first = true;
  for (;;) {
    if (i >= p.size()) return "unclosed '['";
    char c = p[i];
    if (c == ']' && !first) {
      ++i;
      return {};
    }
    first = false;
    if (c == '[' && i + 1 < p.size() && (p[i + 1] == ':' || p[i + 1] == '=' || p[i + 1] == '.')) {
      return "character classes such as [:alpha:] are not supported";
    }
    if (c == '\\') {
      if (++i >= p.size()) return "ends with a lone '\\'";
      c = p[i];
    }
    auto lo = static_cast<unsigned char>(c);
    ++i;
    auto hi = lo;
    if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
      ++i;
      char h = p[i];
      if (h == '\\') {
        if (++i >= p.size()) return "ends with a lone '\\'";
        h = p[i];
      }
      hi = static_cast<unsigned char>(h);
      ++i;
      if (hi < lo) return "invalid range in '[...]'";
    }
    token.ranges.emplace_back(lo, hi);
  }
}

// Splits a pattern into tokens; returns the problem, or "" when it is well-formed.
std::string tokenize(std::string_view p, std::vector<Token>& tokens) {
  for (std::size_t i = 0; i < p.size();) {
    Token token;
    char c = p[i];
    if (c == '*') {
      token.kind = Token::Kind::run;
      ++i;
    } else if (c == '?') {
      token.kind = Token::Kind::one;
      ++i;
    } else if (c == '[') {
      if (auto problem = parse_set(p, i, token); !problem.empty()) return problem;
    } else if (c == '\\') {
      if (i + 1 >= p.size()) return "ends with a lone '\\'";
      token.byte = static_cast<unsigned char>(p[i + 1]);
      i += 2;
    } else {
      token.byte = static_cast<unsigned char>(c);
      ++i;
    }
    tokens.push_back(std::move(token));
  }
  return {};
}

// Classic two-pointer wildcard match: on a mismatch, the last '*' takes one more byte.
// O(pattern x text) at worst, no recursion.
bool match_tokens(const std::vector<Token>& tokens, std::string_view text) {
  std::size_t t = 0, s = 0;
  std::size_t star = std::string_view::npos, star_s = 0;
  while (s < text.size()) {
    if (t < tokens.size() && tokens[t].kind == Token::Kind::run) {
      star = t++;
      star_s = s;
    } else if (t < tokens.size() && tokens[t].matches(static_cast<unsigned char>(text[s]))) {
      ++t;
      ++s;
    } else if (star != std::string_view::npos) {
      t = star + 1;
      s = ++star_s;
    } else {
      return false;
    }
  }
  while (t < tokens.size() && tokens[t].kind == Token::Kind::run)
    ++t;
  return t == tokens.size();
}

bool is_wild(const std::vector<Token>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(),
                     [](const Token& t) { return t.kind != Token::Kind::byte; });
}

std::string unescape(const std::vector<Token>& tokens) {
  std::string out;
  for (const auto& t : tokens)
    out += static_cast<char>(t.byte);
  return out;
}

std::vector<std::string_view> split_slashes(std::string_view rest) {
  std::vector<std::string_view> parts;
  if (rest.empty()) return parts;
  std::size_t start = 0;
  for (;;) {
    auto slash = rest.find('/', start);
    parts.push_back(rest.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

std::string parse_glob_into(std::string_view text, PathGlob& glob) {
  glob.text = std::string(text);
  if (text.empty()) return "must not be empty";
  if (text.find('\0') != std::string_view::npos) return "contains a NUL byte";
  std::string_view rest;
  if (text[0] == '~') {
    auto slash = text.find('/');
    if (text.substr(0, slash) != "~") return "'~' must be the whole first component ('~/...')";
    glob.components.push_back({GlobComponent::Type::home, "~"});
    if (slash == std::string_view::npos) return {};
    rest = text.substr(slash + 1);
    if (rest.empty()) return "empty path component ('//' or a trailing '/')";
  } else if (text[0] == '/') {
    rest = text.substr(1);
  } else {
    return "must be absolute (start with '/' or '~/')";
  }
  for (std::string_view part : split_slashes(rest)) {
    if (part.empty()) return "empty path component ('//' or a trailing '/')";
    if (part == "." || part == "..") return "'.' and '..' components are not allowed";
    if (part == "~") return "'~' is only allowed as the whole first component ('~/...')";
    if (part == "**") {
      if (glob.components.empty() ||
          glob.components.back().type != GlobComponent::Type::any_depth) {
        glob.components.push_back({GlobComponent::Type::any_depth, "**"});
      }
      continue;
    }
    std::vector<Token> tokens;
    if (auto problem = tokenize(part, tokens); !problem.empty()) return problem;
    for (std::size_t i = 1; i < tokens.size(); ++i) {
      if (tokens[i].kind == Token::Kind::run && tokens[i - 1].kind == Token::Kind::run) {
        return "'**' must be a whole path component";
      }
    }
    if (is_wild(tokens)) {
      glob.components.push_back({GlobComponent::Type::pattern, std::string(part)});
      continue;
    }
    std::string name = unescape(tokens);
    if (name == "." || name == "..") return "'.' and '..' components are not allowed";
    if (name.size() > 255) return "a component is longer than 255 bytes";
    glob.components.push_back({GlobComponent::Type::literal, std::move(name)});
  }
  return {};
}

}  // namespace

bool PathGlob::from_home() const {
  return !components.empty() && components.front().type == GlobComponent::Type::home;
}

bool PathGlob::has_wildcards() const {
  return std::any_of(components.begin(), components.end(), [](const GlobComponent& c) {
    return c.type == GlobComponent::Type::pattern || c.type == GlobComponent::Type::any_depth;
  });
}

std::string path_glob_problem(std::string_view text) {
  PathGlob glob;
  return parse_glob_into(text, glob);
}

PathGlob parse_path_glob(std::string_view text) {
  PathGlob glob;
  if (auto problem = parse_glob_into(text, glob); !problem.empty()) {
    throw Error(Failure::input, "glob \"" + std::string(text) + "\": " + problem);
  }
  return glob;
}

std::optional<std::vector<std::string>> split_path(std::string_view path) {
  if (path.empty() || path[0] != '/') return std::nullopt;
  std::vector<std::string> names;
  for (std::string_view part : split_slashes(path.substr(1))) {
    if (part.empty() || part == "." || part == "..") return std::nullopt;
    names.emplace_back(part);
  }
  return names;
}

std::optional<PathGlob> expand_home(const PathGlob& glob, std::string_view home) {
  if (!glob.from_home()) return glob;
  auto names = split_path(home);
  if (!names) return std::nullopt;
  PathGlob out;
  out.text = glob.text;
  for (auto& name : *names)
    out.components.push_back({GlobComponent::Type::literal, name});
  out.components.insert(out.components.end(), glob.components.begin() + 1, glob.components.end());
  return out;
}

bool match_component(std::string_view pattern, std::string_view name) {
  if (name == "." || name == "..") return false;
  return match_text_glob(pattern, name);
}

bool match_path(const PathGlob& glob, std::string_view path, std::span<const std::string> homes) {
  if (glob.from_home()) {
    return std::any_of(homes.begin(), homes.end(), [&](const std::string& home) {
      auto expanded = expand_home(glob, home);
      return expanded && match_path(*expanded, path);
    });
  }
  auto names = split_path(path);
  if (!names) return false;
  return match_sequence(glob.components, names->size(), [&](std::size_t i, std::size_t j) {
    const auto& c = glob.components[i];
    if (c.type == GlobComponent::Type::literal) return c.text == (*names)[j];
    return c.type == GlobComponent::Type::pattern && match_component(c.text, (*names)[j]);
  });
}

std::string text_glob_problem(std::string_view pattern) {
  if (pattern.empty()) return "must not be empty";
  std::vector<Token> tokens;
  return tokenize(pattern, tokens);
}

bool match_text_glob(std::string_view pattern, std::string_view text) {
  std::vector<Token> tokens;
  if (!tokenize(pattern, tokens).empty()) return false;
  return match_tokens(tokens, text);
}

bool has_wildcards(std::string_view pattern) {
  std::vector<Token> tokens;
  if (!tokenize(pattern, tokens).empty()) return true;  // malformed: not a plain name
  return is_wild(tokens);
}

bool is_broad_pattern(std::string_view pattern) {
  std::vector<Token> tokens;
  if (!tokenize(pattern, tokens).empty()) return true;
  return std::none_of(tokens.begin(), tokens.end(),
                      [](const Token& t) { return t.kind == Token::Kind::byte; });
}

std::string plain_path_problem(std::string_view text) {
  if (text.empty()) return "must not be empty";
  if (text.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (text[0] != '/') return "must be an absolute path";
  if (text.find_first_of("*?[") != std::string_view::npos) {
    return "wildcards are not allowed here (this names one file)";
  }
  for (std::string_view part : split_slashes(text.substr(1))) {
    if (part.empty()) return "empty path component ('//' or a trailing '/')";
    if (part == "." || part == "..") return "'.' and '..' components are not allowed";
  }
  if (text == "/") return "must name a file, not /";
  return {};
}

}  // namespace excise
