#include "system/accounts.hpp"

#include <algorithm>
#include <charconv>

namespace excise::sys {
namespace {

std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = line.find(':', start);
    fields.emplace_back(
        line.substr(start, colon == std::string_view::npos ? line.npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return fields;
}

std::optional<std::uint32_t> parse_id(std::string_view text) {
  std::uint32_t value = 0;
  if (text.empty()) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The fields that must be numeric ids for a line to be an entry.
std::vector<std::size_t> id_fields(AccountFile file) {
  switch (file) {
    case AccountFile::passwd:
      return {2, 3};
    case AccountFile::group:
      return {2};
    case AccountFile::shadow:
    case AccountFile::gshadow:
      return {};
  }
  return {};
}

User user_from(const AccountLine& line) {
  return {line.fields[0],
          *parse_id(line.fields[2]),
          *parse_id(line.fields[3]),
          line.fields[4],
          line.fields[5],
          line.fields[6]};
}

}  // namespace

std::string_view account_file_name(AccountFile file) {
  switch (file) {
    case AccountFile::passwd:
      return "passwd";
    case AccountFile::group:
      return "group";
    case AccountFile::shadow:
      return "shadow";
    case AccountFile::gshadow:
      return "gshadow";
  }
  return "?";
}

std::size_t account_field_count(AccountFile file) {
  switch (file) {
    case AccountFile::passwd:
      return 7;
    case AccountFile::group:
      return 4;
    case AccountFile::shadow:
      return 9;
    case AccountFile::gshadow:
      return 4;
  }
  return 0;
}

AccountLine make_account_line(std::string bytes, AccountFile file) {
  AccountLine line;
  line.bytes = std::move(bytes);
  const std::string_view b = line.bytes;
  // NIS compat lines ("+", "+name", "-@netgroup") belong to nsswitch, not to us.
  if (b.empty() || b.front() == '#' || b.front() == '+' || b.front() == '-') return line;
  auto fields = split_fields(b);
  if (fields.size() != account_field_count(file) || fields[0].empty()) return line;
  for (std::size_t i : id_fields(file)) {
    if (!parse_id(fields[i])) return line;
  }
  line.entry = true;
  line.fields = std::move(fields);
  return line;
}

AccountTable parse_account_file(std::string_view text, AccountFile file) {
  AccountTable table;
  table.file = file;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t newline = text.find('\n', pos);
    if (newline == std::string_view::npos) {
      table.lines.push_back(make_account_line(std::string(text.substr(pos)), file));
      table.final_newline = false;
      break;
    }
    table.lines.push_back(make_account_line(std::string(text.substr(pos, newline - pos)), file));
    pos = newline + 1;
  }
  return table;
}

std::string AccountTable::render() const {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += lines[i].bytes;
    if (i + 1 < lines.size() || final_newline) out += '\n';
  }
  return out;
}

std::optional<std::size_t> AccountTable::find(std::string_view name) const {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].entry && lines[i].name() == name) return i;
  }
  return std::nullopt;
}

std::vector<std::string> split_members(std::string_view text) {
  std::vector<std::string> members;
  if (text.empty()) return members;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    members.emplace_back(
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return members;
}

std::string join_members(const std::vector<std::string>& members) {
  std::string out;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out += ',';
    out += members[i];
  }
  return out;
}

std::optional<User> find_user(const AccountFiles& files, std::string_view name) {
  const AccountTable table = parse_account_file(files.passwd, AccountFile::passwd);
  if (const auto i = table.find(name)) return user_from(table.lines[*i]);
  return std::nullopt;
}

std::optional<Group> find_group(const AccountFiles& files, std::string_view name) {
  const AccountTable table = parse_account_file(files.group, AccountFile::group);
  const auto i = table.find(name);
  if (!i) return std::nullopt;
  const AccountLine& line = table.lines[*i];
  Group g{line.fields[0], *parse_id(line.fields[2]), {}};
  for (auto& m : split_members(line.fields[3])) {
    if (!m.empty()) g.members.push_back(std::move(m));
  }
  return g;
}

std::vector<User> all_users(const AccountFiles& files) {
  std::vector<User> users;
  for (const auto& line : parse_account_file(files.passwd, AccountFile::passwd).lines) {
    if (line.entry) users.push_back(user_from(line));
  }
  return users;
}

std::vector<User> users_with_primary_gid(const AccountFiles& files, std::uint32_t gid) {
  std::vector<User> users = all_users(files);
  std::erase_if(users, [&](const User& u) { return u.gid != gid; });
  return users;
}

std::vector<std::string> all_homes(const AccountFiles& files) {
  std::vector<std::string> homes;
  for (const auto& u : all_users(files)) {
    if (std::find(homes.begin(), homes.end(), u.home) == homes.end()) homes.push_back(u.home);
  }
  return homes;
}

}  // namespace excise::sys
