// Putting an account file back after excise edited it (rollback), three-way: `before` is
// the file as excise found it, `ours` as excise wrote it, `current` as it is now. When
// nobody touched the file since, it becomes `before` exactly. Otherwise changes made by
// others since are kept, and what excise took out is put back around them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "system/accounts.hpp"

namespace excise::sys {

struct AccountRestore {
  std::string text;
  std::vector<std::string> restored;   // "passwd: put back user acme after daemon"
  std::vector<std::string> conflicts;  // what was not put back, and why
};

// Each line `before` has and `ours` lacks goes back after its original predecessor if
// that line still exists, else at its original index, else at the end; member names
// removed from a group's lists go back into the lists of groups that still exist, at
// their old place where it can be found. A line whose name (or, in passwd and group,
// whose id) is now used by a different entry is not put back: it is reported as a
// conflict. A line already back byte for byte is left alone.
struct RestoreChecks {
  // For shadow and gshadow: the passwd or group text the result goes with. An entry whose
  // name it lacks is not put back (pwck would call it an orphan).
  std::optional<std::string> owners;
  // For group and gshadow: the names that may go back into member lists. Without it, all
  // may. (A name now used by a different user must not regain the old one's groups.)
  std::optional<std::vector<std::string>> members_allowed;
};

AccountRestore restore_account_file(AccountFile file, std::string_view before,
                                    std::string_view ours, std::string_view current,
                                    const RestoreChecks& checks = {});

struct AccountFilesRestore {
  AccountFiles files;
  std::vector<std::string> restored, conflicts;
};

// All four files: passwd first; then group, whose member lists get back only names whose
// passwd entry is the same as before (or absent both before and now); then shadow and
// gshadow, checked against the restored passwd and group.
// A shadow file absent from `current` stays absent (reported as a conflict when excise
// had changed it).
AccountFilesRestore restore_account_files(const AccountFiles& before, const AccountFiles& ours,
                                          const AccountFiles& current);

}  // namespace excise::sys
