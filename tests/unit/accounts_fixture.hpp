// A small /etc for the accounts tests: the banned product's user "acme", its group, its
// memberships in adm and users, and the odd lines real files have (comments, NIS compat
// lines, a malformed line that mentions acme, no final newline in gshadow).
#pragma once

#include <string>

#include "system/accounts.hpp"

namespace excise::test {

inline const std::string kPasswd =
    "root:x:0:0:root:/root:/bin/bash\n"
    "# service accounts\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "acme:x:998:998:Acme Agent:/opt/acme:/usr/sbin/nologin\n"
    "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n"
    "acme:broken line with:the name\n"
    "\n"
    "+@admins::::::\n"
    "+\n";
inline const std::string kShadow =
    "root:*:19000:0:99999:7:::\n"
    "daemon:*:19000:0:99999:7:::\n"
    "acme:!:19000::::::\n"
    "alice:$y$j9T$salt$hash:19000:0:99999:7:::\n";
inline const std::string kGroup =
    "root:x:0:\n"
    "adm:x:4:acme,alice\n"
    "acme:x:998:\n"
    "users:x:100:alice,acme,bob\n"
    "alice:x:1000:\n"
    "+\n";
inline const std::string kGshadow =
    "root:*::\n"
    "adm:*:acme:acme,alice\n"
    "acme:!::\n"
    "users:*::alice,acme,bob\n"
    "alice:!::";

inline sys::AccountFiles fixture() {
  return {kPasswd, kGroup, kShadow, kGshadow};
}

}  // namespace excise::test
