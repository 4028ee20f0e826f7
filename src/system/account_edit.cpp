#include "system/account_edit.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "excise/bytes.hpp"

namespace excise::sys {
namespace {

std::string where(AccountFile file, std::size_t index) {
  return fmt::format("{} line {}", account_file_name(file), index + 1);
}

// Malformed lines that seem to be about `name` are worth a note: we leave them alone.
void note_odd_lines(const AccountTable& table, std::string_view name,
                    std::vector<std::string>& notes) {
  const std::string prefix = std::string(name) + ":";
  for (std::size_t i = 0; i < table.lines.size(); ++i) {
    const AccountLine& line = table.lines[i];
    if (!line.entry && line.bytes.compare(0, prefix.size(), prefix) == 0) {
      notes.push_back(fmt::format("{}: \"{}\" is not a well-formed entry; left as is",
                                  where(table.file, i), shown(line.bytes)));
    }
  }
}

// Drops the entries named `name`; returns the new text.
std::string drop_entries(std::string_view text, AccountFile file, std::string_view name,
                         std::string_view what, AccountEdit& edit) {
  AccountTable table = parse_account_file(text, file);
  note_odd_lines(table, name, edit.notes);
  AccountTable out = table;
  out.lines.clear();
  bool last_removed = false;
  for (std::size_t i = 0; i < table.lines.size(); ++i) {
    if (table.lines[i].entry && table.lines[i].name() == name) {
      edit.changes.push_back(fmt::format("{}: removed {} {}", where(file, i), what, shown(name)));
      last_removed = i + 1 == table.lines.size();
    } else {
      out.lines.push_back(std::move(table.lines[i]));
    }
  }
  if (out.lines.size() == table.lines.size()) return std::string(text);
  // Only the old last line could lack its '\n': the new last line keeps the one it had.
  if (last_removed) out.final_newline = true;
  return out.render();
}

// Removes `name` from the member-list fields `fields` of every entry; returns the new text.
std::string drop_member(std::string_view text, AccountFile file, std::string_view name,
                        const std::vector<std::pair<std::size_t, const char*>>& fields,
                        AccountEdit& edit) {
  AccountTable table = parse_account_file(text, file);
  bool changed = false;
  for (std::size_t i = 0; i < table.lines.size(); ++i) {
    AccountLine& line = table.lines[i];
    if (!line.entry) continue;
    bool line_changed = false;
    for (const auto& [field, role] : fields) {
      auto members = split_members(line.fields[field]);
      const auto removed = std::erase(members, std::string(name));
      if (removed == 0) continue;
      line.fields[field] = join_members(members);
      line_changed = true;
      edit.changes.push_back(fmt::format("{}: removed {} from the {} of group {}", where(file, i),
                                         shown(name), role, shown(line.name())));
    }
    if (!line_changed) continue;
    std::string bytes = line.fields[0];
    for (std::size_t f = 1; f < line.fields.size(); ++f)
      bytes += ":" + line.fields[f];
    line.bytes = std::move(bytes);
    changed = true;
  }
  return changed ? table.render() : std::string(text);
}

}  // namespace

AccountEdit remove_user(const AccountFiles& files, std::string_view name) {
  AccountEdit edit;
  edit.files = files;
  edit.files.passwd = drop_entries(files.passwd, AccountFile::passwd, name, "user", edit);
  if (files.shadow) {
    edit.files.shadow = drop_entries(*files.shadow, AccountFile::shadow, name, "user", edit);
  }
  edit.files.group = drop_member(files.group, AccountFile::group, name, {{3, "members"}}, edit);
  if (files.gshadow) {
    edit.files.gshadow = drop_member(*files.gshadow, AccountFile::gshadow, name,
                                     {{2, "administrators"}, {3, "members"}}, edit);
  }
  return edit;
}

AccountEdit remove_group(const AccountFiles& files, std::string_view name) {
  AccountEdit edit;
  edit.files = files;
  if (const auto group = find_group(files, name)) {
    for (const auto& user : users_with_primary_gid(files, group->gid)) {
      edit.notes.push_back(fmt::format("group {} (gid {}) is still the primary group of user {}",
                                       shown(name), group->gid, shown(user.name)));
    }
  }
  edit.files.group = drop_entries(files.group, AccountFile::group, name, "group", edit);
  if (files.gshadow) {
    edit.files.gshadow = drop_entries(*files.gshadow, AccountFile::gshadow, name, "group", edit);
  }
  return edit;
}

}  // namespace excise::sys
