#include "playbook/toml_guard.hpp"

namespace excise {
namespace {

// A small TOML lexer that knows only what it needs: where strings and comments start
// and end. It follows TOML 1.0 on valid input; on invalid input toml++ stops at the
// first error anyway, before it could build anything deep past it.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::optional<GuardProblem> run() {
    while (i_ < text_.size()) {
      char c = text_[i_];
      if (c == '#') {
        skip_comment();
      } else if (c == '"' || c == '\'') {
        skip_string(c);
      } else {
        if (c == '.' && ++dots_ > kMaxBareDots) {
          return GuardProblem{line_, column(),
                              "keys nested too deeply: more than " + std::to_string(kMaxBareDots) +
                                  " '.' outside strings and comments"};
        }
        advance();
      }
    }
    return std::nullopt;
  }

 private:
  std::uint32_t column() const { return static_cast<std::uint32_t>(i_ - line_start_ + 1); }

  void advance() {
    if (text_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }

  void skip_comment() {
    while (i_ < text_.size() && text_[i_] != '\n')
      ++i_;
  }

  bool at(std::string_view s) const { return text_.substr(i_, s.size()) == s; }

  void skip_string(char quote) {
    const bool basic = quote == '"';
    const std::string_view triple = basic ? "\"\"\"" : "'''";
    if (at(triple)) {
      for (int k = 0; k < 3; ++k)
        advance();
      while (i_ < text_.size()) {
        if (basic && text_[i_] == '\\') {
          advance();
          if (i_ < text_.size()) advance();
        } else if (at(triple)) {
          // Up to two more quotes belong to the content: """a""""" is `a""`.
          std::size_t run = 0;
          while (i_ + run < text_.size() && text_[i_ + run] == quote && run < 5)
            ++run;
          for (std::size_t k = 0; k < run; ++k)
            advance();
          return;
        } else {
          advance();
        }
      }
      return;
    }
    advance();
    // A one-line string ends at its quote, or (invalid) at the end of the line.
    while (i_ < text_.size() && text_[i_] != '\n') {
      char c = text_[i_];
      if (basic && c == '\\') {
        ++i_;
        if (i_ < text_.size() && text_[i_] != '\n') ++i_;
        continue;
      }
      ++i_;
      if (c == quote) return;
    }
  }

  std::string_view text_;
  std::size_t i_ = 0;
  std::size_t line_start_ = 0;
  std::uint32_t line_ = 1;
  std::size_t dots_ = 0;
};

}  // namespace

std::optional<GuardProblem> toml_guard(std::string_view text) {
  if (text.size() > kMaxPlaybookBytes) {
    return GuardProblem{1, 1,
                        "too large: " + std::to_string(text.size()) +
                            " bytes (a playbook is at most " + std::to_string(kMaxPlaybookBytes) +
                            ")"};
  }
  return Scanner(text).run();
}

}  // namespace excise
