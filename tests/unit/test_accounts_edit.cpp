#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "accounts_fixture.hpp"
#include "system/account_edit.hpp"

using namespace excise;
using namespace excise::sys;
using namespace excise::test;

TEST_CASE("accounts: remove_user changes only the lines that name the user") {
  const AccountEdit edit = remove_user(fixture(), "acme");
  CHECK(edit.files.passwd ==
        "root:x:0:0:root:/root:/bin/bash\n"
        "# service accounts\n"
        "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
        "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
        "acme:broken line with:the name\n"  // not an entry: left alone
        "\n"
        "+@admins::::::\n"
        "+\n");
  CHECK(edit.files.shadow ==
        "root:*:19000:0:99999:7:::\n"
        "daemon:*:19000:0:99999:7:::\n"
        "alice:$y$j9T$salt$hash:19000:0:99999:7:::\n");
  CHECK(edit.files.group ==
        "root:x:0:\n"
        "adm:x:4:alice\n"
        "acme:x:998:\n"  // the group is remove_group's business
        "users:x:100:alice,bob\n"
        "alice:x:1000:\n"
        "+\n");
  CHECK(edit.files.gshadow ==
        "root:*::\n"
        "adm:*::alice\n"
        "acme:!::\n"
        "users:*::alice,bob\n"
        "alice:!::");  // still no final newline
  CHECK(edit.changes == std::vector<std::string>{
                            "passwd line 4: removed user acme",
                            "shadow line 3: removed user acme",
                            "group line 2: removed acme from the members of group adm",
                            "group line 4: removed acme from the members of group users",
                            "gshadow line 2: removed acme from the administrators of group adm",
                            "gshadow line 2: removed acme from the members of group adm",
                            "gshadow line 4: removed acme from the members of group users",
                        });
  CHECK(edit.notes ==
        std::vector<std::string>{"passwd line 6: \"acme:broken line with:the name\" is not a "
                                 "well-formed entry; left as is"});
  // A second run changes nothing.
  const AccountEdit again = remove_user(edit.files, "acme");
  CHECK_FALSE(again.changed());
  CHECK(again.files.passwd == edit.files.passwd);
  CHECK(again.files.gshadow == edit.files.gshadow);
}

TEST_CASE("accounts: remove_user edge cases") {
  struct Case {
    const char* name;
    AccountFiles files;
    const char* user;
    std::string passwd, group;
  };
  const Case cases[] = {
      {"absent user",
       {"a:x:1:1::/:/bin/sh\n", "g:x:1:a\n", {}, {}},
       "zed",
       "a:x:1:1::/:/bin/sh\n",
       "g:x:1:a\n"},
      {"only line, no final newline", {"a:x:1:1::/:/bin/sh", "g:x:1:a", {}, {}}, "a", "", "g:x:1:"},
      {"last line without newline",
       {"r:x:0:0::/:\na:x:1:1::/:/bin/sh", "", {}, {}},
       "a",
       "r:x:0:0::/:\n",
       ""},
      {"duplicate entries and repeated member",
       {"a:x:1:1::/:\na:x:2:2::/:\n", "g:x:1:a,b,a\n", {}, {}},
       "a",
       "",
       "g:x:1:b\n"},
      {"prefix of another name",
       {"ab:x:1:1::/:\n", "g:x:1:ab,a\n", {}, {}},
       "a",
       "ab:x:1:1::/:\n",
       "g:x:1:ab\n"},
      {"empty member items stay", {"", "g:x:1:a,,b\n", {}, {}}, "a", "", "g:x:1:,b\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const AccountEdit edit = remove_user(c.files, c.user);
    CHECK(edit.files.passwd == c.passwd);
    CHECK(edit.files.group == c.group);
    CHECK_FALSE(edit.files.shadow.has_value());
  }
}

TEST_CASE("accounts: remove_group removes group and gshadow lines only") {
  const AccountEdit edit = remove_group(fixture(), "acme");
  CHECK(edit.files.passwd == kPasswd);
  CHECK(edit.files.shadow == kShadow);
  CHECK(edit.files.group ==
        "root:x:0:\n"
        "adm:x:4:acme,alice\n"
        "users:x:100:alice,acme,bob\n"
        "alice:x:1000:\n"
        "+\n");
  CHECK(edit.files.gshadow ==
        "root:*::\n"
        "adm:*:acme:acme,alice\n"
        "users:*::alice,acme,bob\n"
        "alice:!::");
  CHECK(edit.changes == std::vector<std::string>{"group line 3: removed group acme",
                                                 "gshadow line 3: removed group acme"});
  CHECK(edit.notes ==
        std::vector<std::string>{"group acme (gid 998) is still the primary group of user acme"});
  // After the user is gone, no note.
  const AccountEdit both = remove_group(remove_user(fixture(), "acme").files, "acme");
  CHECK(both.notes.empty());
  CHECK_FALSE(remove_group(both.files, "acme").changed());
}
