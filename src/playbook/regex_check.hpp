// Checks an ECMAScript regex of a playbook ([[line]] match, [[cron]] match) the way the
// matcher will use it: std::regex, ECMAScript grammar.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace excise {

// libstdc++ compiles a regex recursively: 30,000 nested groups overflow the stack. A
// playbook regex names a product; 1 KiB is plenty.
inline constexpr std::size_t kMaxRegexBytes = 1024;

// What is wrong with the pattern, or "": too long, std::regex's own error when it does
// not compile ("invalid regex: Mismatched '(' and ')' in regular expression"), or
// matching the empty string (then it matches every line: "acme|", ".*").
std::string regex_problem(std::string_view pattern);

}  // namespace excise
