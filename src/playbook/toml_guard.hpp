// Checks run on a playbook's bytes before toml++ sees them, for inputs that toml++ 3.3.0
// does not survive. Its own limit on nested arrays and inline tables (256) gives a clean
// error, but keys nest without limit: "a.a.a...=1" or "[a.a.a...]" 30,000 deep overflows
// the stack (SIGSEGV, in parsing or in freeing the tree). Depth can only come from dotted
// keys and table headers (one '.' per level) or from arrays and inline tables (at most
// 256), so bounding the '.' outside strings and comments bounds the depth.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "excise/diagnostics.hpp"

namespace excise {

inline constexpr std::size_t kMaxPlaybookBytes = 1u << 20;
inline constexpr std::size_t kMaxBareDots = 1000;

struct GuardProblem {
  std::uint32_t line = 0;  // 1-based
  std::uint32_t column = 0;
  std::string message;
};

// Nullopt when the text may go to toml++.
std::optional<GuardProblem> toml_guard(std::string_view text);

}  // namespace excise
