// /etc/passwd, group, shadow and gshadow as text: parsed line by line, each line keeping
// its exact bytes, so an edit rewrites only the lines it means to change. Comments, blank
// lines, NIS "+"/"-" lines and malformed lines are kept verbatim and never touched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace excise::sys {

enum class AccountFile { passwd, group, shadow, gshadow };
std::string_view account_file_name(AccountFile file);  // "passwd", "group"...
std::size_t account_field_count(AccountFile file);     // 7, 4, 9, 4

struct AccountLine {
  std::string bytes;  // without its '\n'
  // A well-formed entry: not a comment or NIS line, the right number of fields, a name,
  // and numeric ids where the file has them. Only entries are ever edited.
  bool entry = false;
  std::vector<std::string> fields;  // split on ':' (entries only)

  std::string_view name() const { return entry ? std::string_view(fields[0]) : ""; }
};

struct AccountTable {
  AccountFile file = AccountFile::passwd;
  std::vector<AccountLine> lines;
  bool final_newline = true;  // false when the last line has no '\n'

  // Exactly the parsed text when nothing was changed.
  std::string render() const;
  // Index of the first entry with that name.
  std::optional<std::size_t> find(std::string_view name) const;
};

AccountTable parse_account_file(std::string_view text, AccountFile file);
AccountLine make_account_line(std::string bytes, AccountFile file);

// A member list ("a,b,c"): empty text is no members; empty items are kept, so joining
// the split gives the text back.
std::vector<std::string> split_members(std::string_view text);
std::string join_members(const std::vector<std::string>& members);

struct AccountFiles {
  std::string passwd, group;
  std::optional<std::string> shadow, gshadow;  // absent on some images
};

struct User {
  std::string name;
  std::uint32_t uid = 0, gid = 0;
  std::string gecos, home, shell;
};

struct Group {
  std::string name;
  std::uint32_t gid = 0;
  std::vector<std::string> members;  // from /etc/group
};

// The first entry with that name, like getpwnam() over files.
std::optional<User> find_user(const AccountFiles& files, std::string_view name);
std::optional<Group> find_group(const AccountFiles& files, std::string_view name);
std::vector<User> all_users(const AccountFiles& files);
std::vector<User> users_with_primary_gid(const AccountFiles& files, std::uint32_t gid);
// Every user's home directory, in file order, without duplicates.
std::vector<std::string> all_homes(const AccountFiles& files);

}  // namespace excise::sys
