// Removing a user or a group from the account files, changing only the lines that name
// it: every other byte of every file stays as it was.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "system/accounts.hpp"

namespace excise::sys {

struct AccountEdit {
  AccountFiles files;                // the new texts (unchanged files are equal to the old)
  std::vector<std::string> changes;  // "passwd line 31: removed user acme"
  std::vector<std::string> notes;    // what was left alone and why
  bool changed() const { return !changes.empty(); }
};

// Removes the user's passwd and shadow lines, and the name from the member lists of
// group (4th field) and gshadow (administrators, 3rd, and members, 4th). It does not
// remove the user's primary group: that is remove_group's job. A user that is absent
// changes nothing (a second run is a no-op).
AccountEdit remove_user(const AccountFiles& files, std::string_view name);

// Removes the group's group and gshadow lines. A note names users whose primary group it
// still is (their gid would then resolve to no name).
AccountEdit remove_group(const AccountFiles& files, std::string_view name);

}  // namespace excise::sys
