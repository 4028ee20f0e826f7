// Value checks shared by several kinds. Each returns what is wrong, or "" when the value
// is fine (a ValueCheck for FieldReader, which adds the quoted value in front).
#pragma once

#include <string>
#include <string_view>

namespace excise {

// A path glob whose matches excise may remove (or kill): well-formed and not able to
// match a protected path (playbook/protected_paths.hpp).
std::string removal_glob_check(std::string_view text);
// A plain absolute path that excise may remove: no wildcard, not protected.
std::string removal_path_check(std::string_view text);
// A plain absolute path (a file to read or edit, a program to run).
std::string plain_path_check(std::string_view text);
// A user or group name: [a-z_][a-z0-9_-]*[$]?, at most 32 bytes (shadow-utils' rule).
std::string account_name_check(std::string_view name);

}  // namespace excise
