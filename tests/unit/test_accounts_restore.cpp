#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "accounts_fixture.hpp"
#include "system/account_edit.hpp"
#include "system/account_restore.hpp"

using namespace excise;
using namespace excise::sys;
using namespace excise::test;

namespace {

// The state after excise removed user and group acme.
AccountFiles ours() {
  return remove_group(remove_user(fixture(), "acme").files, "acme").files;
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("accounts: restore is exact when nobody touched the files") {
  const AccountFiles before = fixture(), written = ours();
  const AccountFilesRestore r = restore_account_files(before, written, written);
  CHECK(r.files.passwd == before.passwd);
  CHECK(r.files.group == before.group);
  CHECK(r.files.shadow == before.shadow);
  CHECK(r.files.gshadow == before.gshadow);
  CHECK(r.conflicts.empty());
  // File by file, too, and for each of the edits alone.
  for (const AccountFiles& edited :
       {remove_user(before, "acme").files, remove_group(before, "acme").files, written}) {
    CHECK(restore_account_file(AccountFile::passwd, before.passwd, edited.passwd, edited.passwd)
              .text == before.passwd);
    CHECK(restore_account_file(AccountFile::gshadow, *before.gshadow, *edited.gshadow,
                               *edited.gshadow)
              .text == *before.gshadow);
  }
}

TEST_CASE("accounts: restore around changes made since, line by line") {
  struct Case {
    const char* name;
    AccountFile file;
    std::string before, ours, current, expected;
    std::vector<std::string> conflicts;
  };
  const std::string b =
      "root:x:0:0::/root:/bin/sh\ndaemon:x:1:1::/:/bin/sh\n"
      "acme:x:998:998::/opt/acme:/bin/false\nalice:x:1000:1000::/home/a:/bin/sh\n";
  const std::string o =
      "root:x:0:0::/root:/bin/sh\ndaemon:x:1:1::/:/bin/sh\n"
      "alice:x:1000:1000::/home/a:/bin/sh\n";
  const std::string acme = "acme:x:998:998::/opt/acme:/bin/false\n";
  const std::string bob = "bob:x:1001:1001::/home/b:/bin/sh\n";
  const Case cases[] = {
      {"a user added at the end since", AccountFile::passwd, b, o, o + bob, b + bob, {}},
      {"the predecessor is gone: back at the old index",
       AccountFile::passwd,
       b,
       o,
       "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/a:/bin/sh\n",
       "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/a:/bin/sh\n" + acme,
       {}},
      {"predecessor edited since: still found by name",
       AccountFile::passwd,
       b,
       o,
       replace(o, "daemon:x:1:1::/:", "daemon:x:1:1:Daemon:/:"),
       replace(b, "daemon:x:1:1::/:", "daemon:x:1:1:Daemon:/:"),
       {}},
      {"everything else gone: at the end", AccountFile::passwd, b, o, bob, bob + acme, {}},
      {"already back, byte for byte", AccountFile::passwd, b, o, b, b, {}},
      {"the name is taken by a new user",
       AccountFile::passwd,
       b,
       o,
       o + "acme:x:1002:1002::/home/acme:/bin/sh\n",
       o + "acme:x:1002:1002::/home/acme:/bin/sh\n",
       {"passwd: not putting back user acme: that name is now used by a different entry "
        "(line 4)"}},
      {"the uid is taken by another user",
       AccountFile::passwd,
       b,
       o,
       o + "other:x:998:998::/:/bin/sh\n",
       o + "other:x:998:998::/:/bin/sh\n",
       {"passwd: not putting back user acme: uid 998 is now used by user other (line 4)"}},
      {"the gid is taken by another group",
       AccountFile::group,
       "r:x:0:\nacme:x:998:\n",
       "r:x:0:\n",
       "r:x:0:\nnew:x:998:\n",
       "r:x:0:\nnew:x:998:\n",
       {"group: not putting back group acme: gid 998 is now used by group new (line 2)"}},
      {"first line removed",
       AccountFile::group,
       "acme:x:998:\nr:x:0:\n",
       "r:x:0:\n",
       "r:x:0:\nz:x:5:\n",
       "acme:x:998:\nr:x:0:\nz:x:5:\n",
       {}},
      {"file without a final newline",
       AccountFile::group,
       "r:x:0:\nacme:x:998:",
       "r:x:0:\n",
       "r:x:0:\nz:x:5:",
       "r:x:0:\nacme:x:998:\nz:x:5:",
       {}},
      {"a member put back at its old place",
       AccountFile::group,
       "adm:x:4:acme,alice\n",
       "adm:x:4:alice\n",
       "adm:x:4:alice,carol\n",
       "adm:x:4:acme,alice,carol\n",
       {}},
      {"a member put back after its old predecessor",
       AccountFile::group,
       "users:x:100:alice,acme,bob\n",
       "users:x:100:alice,bob\n",
       "users:x:100:bob,alice\n",
       "users:x:100:bob,alice,acme\n",
       {}},
      {"a member already back",
       AccountFile::group,
       "adm:x:4:acme\n",
       "adm:x:4:\n",
       "adm:x:4:acme\n",
       "adm:x:4:acme\n",
       {}},
      {"the group is gone",
       AccountFile::group,
       "r:x:0:\nadm:x:4:acme\n",
       "r:x:0:\nadm:x:4:\n",
       "r:x:0:\n",
       "r:x:0:\n",
       {"group: not putting back what was removed from group adm: it no longer exists"}},
      {"gshadow administrators and members",
       AccountFile::gshadow,
       "adm:*:acme:acme,alice\n",
       "adm:*::alice\n",
       "adm:*::alice,carol\n",
       "adm:*:acme:acme,alice,carol\n",
       {}},
      {"comments and NIS lines are untouched",
       AccountFile::passwd,
       "# c\nacme:x:998:998::/:/bin/sh\n+\n",
       "# c\n+\n",
       "# c\n+\n# new\n",
       "# c\nacme:x:998:998::/:/bin/sh\n+\n# new\n",
       {}},
      {"shadow lines: messages never show their bytes",
       AccountFile::shadow,
       "acme:$secret:1::::::\n",
       "",
       "acme:$other:1::::::\n",
       "acme:$other:1::::::\n",
       {"shadow: not putting back user acme: that name is now used by a different entry "
        "(line 1)"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const AccountRestore r = restore_account_file(c.file, c.before, c.ours, c.current);
    CHECK(r.text == c.expected);
    CHECK(r.conflicts == c.conflicts);
  }
}

TEST_CASE("accounts: restoring all files keeps them consistent with each other") {
  const AccountFiles before = fixture(), written = ours();

  SUBCASE("a useradd since: everything back, the new user kept") {
    AccountFiles current = written;
    current.passwd =
        replace(current.passwd, "alice:x:1000", "carol:x:1001:1001::/home/c:/bin/sh\nalice:x:1000");
    current.group += "carol:x:1001:\n";
    *current.shadow += "carol:!:19000::::::\n";
    const AccountFilesRestore r = restore_account_files(before, written, current);
    CHECK(r.conflicts.empty());
    CHECK(find_user(r.files, "acme")->uid == 998);
    CHECK(find_user(r.files, "carol")->uid == 1001);
    CHECK(find_group(r.files, "users")->members ==
          std::vector<std::string>{"alice", "acme", "bob"});
    CHECK(r.files.passwd.find("acme:x:998:998:Acme Agent:/opt/acme:/usr/sbin/nologin\n"
                              "carol:") != std::string::npos);
    CHECK(r.files.shadow->find("acme:!:19000::::::\n") != std::string::npos);
    CHECK(*r.files.gshadow == *before.gshadow);
  }

  SUBCASE("uid taken: no orphan shadow line, no group memberships for someone else") {
    AccountFiles current = written;
    current.passwd += "acme:x:1500:1500::/home/acme:/bin/sh\n";  // a different acme
    *current.shadow += "acme:!new:19000::::::\n";
    const AccountFilesRestore r = restore_account_files(before, written, current);
    CHECK(find_user(r.files, "acme")->uid == 1500);
    CHECK(r.files.shadow->find("acme:!new:") != std::string::npos);
    CHECK(r.files.shadow->find("acme:!:19000") == std::string::npos);
    // The new acme does not inherit adm or users.
    CHECK(find_group(r.files, "adm")->members == std::vector<std::string>{"alice"});
    CHECK(find_group(r.files, "users")->members == std::vector<std::string>{"alice", "bob"});
    CHECK(find_group(r.files, "acme").has_value());  // the group itself comes back
    CHECK(r.conflicts.size() >= 4);
  }

  SUBCASE("the passwd line cannot come back: its shadow line does not either") {
    AccountFiles current = written;
    current.passwd += "other:x:998:998::/:/bin/sh\n";  // uid 998 reused, shadow untouched
    const AccountFilesRestore r = restore_account_files(before, written, current);
    CHECK_FALSE(find_user(r.files, "acme").has_value());
    CHECK(*r.files.shadow == *written.shadow);
    bool orphan_reported = false;
    for (const auto& c : r.conflicts) {
      orphan_reported =
          orphan_reported || c == "shadow: not putting back user acme: passwd has no entry for it";
    }
    CHECK(orphan_reported);
  }

  SUBCASE("a shadow file that has gone stays gone") {
    AccountFiles current = written;
    current.shadow.reset();
    const AccountFilesRestore r = restore_account_files(before, written, current);
    CHECK_FALSE(r.files.shadow.has_value());
    CHECK(r.files.passwd == before.passwd);
  }
}
