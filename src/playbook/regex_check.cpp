#include "playbook/regex_check.hpp"

#include <regex>

namespace excise {

std::string regex_problem(std::string_view pattern) {
  if (pattern.size() > kMaxRegexBytes) {
    return "a regex is at most " + std::to_string(kMaxRegexBytes) + " bytes";
  }
  try {
    std::regex re(pattern.begin(), pattern.end(), std::regex::ECMAScript);
    if (std::regex_search(std::string(), re)) {
      return "matches the empty string, so it would match every line";
    }
  } catch (const std::regex_error& e) {
    return std::string("invalid regex: ") + e.what();
  }
  return {};
}

}  // namespace excise
