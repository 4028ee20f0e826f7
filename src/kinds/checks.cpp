#include "kinds/checks.hpp"

#include "playbook/glob.hpp"
#include "playbook/protected_paths.hpp"

namespace excise {

std::string removal_glob_check(std::string_view text) {
  if (auto problem = path_glob_problem(text); !problem.empty()) return problem;
  return removal_glob_problem(parse_path_glob(text));
}

std::string removal_path_check(std::string_view text) {
  if (auto problem = plain_path_problem(text); !problem.empty()) return problem;
  // Built by hand: in a plain path a backslash is an ordinary byte, not an escape.
  PathGlob glob{std::string(text), {}};
  for (auto& name : split_path(text).value_or(std::vector<std::string>{})) {
    glob.components.push_back({GlobComponent::Type::literal, std::move(name)});
  }
  return removal_glob_problem(glob);
}

std::string plain_path_check(std::string_view text) {
  return plain_path_problem(text);
}

std::string account_name_check(std::string_view name) {
  static constexpr std::string_view kRule =
      "expected an account name: a-z, 0-9, '_' and '-', starting with a letter or '_', "
      "at most 32 bytes";
  if (name.size() > 32) return std::string(kRule);
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || c == '_' ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '-')) ||
              (i > 0 && i + 1 == name.size() && c == '$');
    if (!ok) return std::string(kRule);
  }
  return {};
}

}  // namespace excise
