#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "accounts_fixture.hpp"
#include "system/accounts.hpp"

using namespace excise;
using namespace excise::sys;
using excise::test::fixture;

TEST_CASE("accounts: parsing and rendering give back the exact bytes") {
  const std::string texts[] = {
      "",
      "\n",
      "\n\n",
      "root:x:0:0:root:/root:/bin/bash",
      "root:x:0:0:root:/root:/bin/bash\n",
      "root:x:0:0:root:/root:/bin/bash\r\nnext:x:1:1::/:/bin/sh\r\n",
      "# comment\n\n+\n-bad\n::::::\nno colons\n\xff\xfe:x:5:5::/:\n",
      excise::test::kPasswd,
      excise::test::kGshadow,
  };
  for (AccountFile file :
       {AccountFile::passwd, AccountFile::group, AccountFile::shadow, AccountFile::gshadow}) {
    for (const auto& text : texts) {
      CAPTURE(text);
      CHECK(parse_account_file(text, file).render() == text);
    }
  }
}

TEST_CASE("accounts: which lines are entries") {
  struct Case {
    AccountFile file;
    const char* line;
    bool entry;
  };
  const Case cases[] = {
      {AccountFile::passwd, "root:x:0:0:root:/root:/bin/bash", true},
      {AccountFile::passwd, "svc:x:998:998:::", true},  // empty gecos, home and shell
      {AccountFile::passwd, "root:x:0:0:root:/root", false},
      {AccountFile::passwd, "root:x:0:0:root:/root:/bin/bash:extra", false},
      {AccountFile::passwd, "root:x:zero:0:root:/root:/bin/bash", false},
      {AccountFile::passwd, "root:x:-1:0:root:/root:/bin/bash", false},
      {AccountFile::passwd, ":x:0:0:root:/root:/bin/bash", false},
      {AccountFile::passwd, "+@admins::::::", false},
      {AccountFile::passwd, "-baduser::::::", false},
      {AccountFile::passwd, "# root:x:0:0:root:/root:/bin/bash", false},
      {AccountFile::passwd, "", false},
      {AccountFile::group, "adm:x:4:acme,alice", true},
      {AccountFile::group, "adm:x:4:", true},
      {AccountFile::group, "adm:x::", false},
      {AccountFile::group, "adm:x:4", false},
      {AccountFile::shadow, "acme:!:19000::::::", true},
      {AccountFile::shadow, "acme:!:19000:::::", false},
      {AccountFile::gshadow, "adm:*:acme:acme,alice", true},
      {AccountFile::gshadow, "adm:*::", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    const AccountLine line = make_account_line(c.line, c.file);
    CHECK(line.entry == c.entry);
    CHECK(line.bytes == c.line);
  }
}

TEST_CASE("accounts: member lists split and join exactly") {
  struct Case {
    const char* text;
    std::vector<std::string> members;
  };
  const Case cases[] = {
      {"", {}}, {"a", {"a"}}, {"a,b", {"a", "b"}}, {"a,,b", {"a", "", "b"}}, {"a,", {"a", ""}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(split_members(c.text) == c.members);
    CHECK(join_members(c.members) == c.text);
  }
}

TEST_CASE("accounts: queries") {
  const AccountFiles files = fixture();
  const auto acme = find_user(files, "acme");
  REQUIRE(acme.has_value());
  CHECK(acme->uid == 998);
  CHECK(acme->gid == 998);
  CHECK(acme->gecos == "Acme Agent");
  CHECK(acme->home == "/opt/acme");
  CHECK(acme->shell == "/usr/sbin/nologin");
  CHECK_FALSE(find_user(files, "bob").has_value());  // only a group member, not a user
  CHECK_FALSE(find_user(files, "+").has_value());

  const auto users = find_group(files, "users");
  REQUIRE(users.has_value());
  CHECK(users->gid == 100);
  CHECK(users->members == std::vector<std::string>{"alice", "acme", "bob"});
  CHECK(find_group(files, "acme")->members.empty());
  CHECK_FALSE(find_group(files, "nogroup").has_value());

  std::vector<std::string> names;
  for (const auto& u : users_with_primary_gid(files, 998))
    names.push_back(u.name);
  CHECK(names == std::vector<std::string>{"acme"});
  CHECK(users_with_primary_gid(files, 12345).empty());
  CHECK(all_homes(files) ==
        std::vector<std::string>{"/root", "/usr/sbin", "/opt/acme", "/home/alice"});
  CHECK(all_users(files).size() == 4);
}
