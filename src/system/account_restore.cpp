#include "system/account_restore.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <unordered_map>

#include "excise/bytes.hpp"

namespace excise::sys {
namespace {

// Entries are matched by name (their other fields may have been edited); anything else
// by its exact bytes.
std::string key_of(const AccountLine& line) {
  return line.entry ? "e" + std::string(line.name()) : "l" + line.bytes;
}

// Greedy alignment of `from` against `to`, which is `from` with lines removed or edited
// in place: for each line of `from`, the index of its counterpart in `to`, if any.
std::vector<std::optional<std::size_t>> align(const std::vector<std::string>& from,
                                              const std::vector<std::string>& to) {
  std::unordered_map<std::string, std::vector<std::size_t>> positions;
  for (std::size_t j = 0; j < to.size(); ++j)
    positions[to[j]].push_back(j);
  std::vector<std::optional<std::size_t>> match(from.size());
  std::size_t next = 0;
  for (std::size_t i = 0; i < from.size(); ++i) {
    const auto it = positions.find(from[i]);
    if (it == positions.end()) continue;
    const auto p = std::lower_bound(it->second.begin(), it->second.end(), next);
    if (p == it->second.end()) continue;
    match[i] = *p;
    next = *p + 1;
  }
  return match;
}

std::vector<std::string> keys(const AccountTable& table) {
  std::vector<std::string> out;
  for (const auto& line : table.lines)
    out.push_back(key_of(line));
  return out;
}

std::vector<std::size_t> member_fields(AccountFile file) {
  switch (file) {
    case AccountFile::group:
      return {3};
    case AccountFile::gshadow:
      return {2, 3};
    case AccountFile::passwd:
    case AccountFile::shadow:
      return {};
  }
  return {};
}

std::string_view entry_kind(AccountFile file) {
  return (file == AccountFile::passwd || file == AccountFile::shadow) ? "user" : "group";
}

std::string_view id_name(AccountFile file) {
  return file == AccountFile::passwd ? "uid" : "gid";
}
bool has_id(AccountFile file) {
  return file == AccountFile::passwd || file == AccountFile::group;
}

std::string join_fields(const std::vector<std::string>& fields) {
  std::string out = fields.at(0);
  for (std::size_t f = 1; f < fields.size(); ++f)
    out += ":" + fields[f];
  return out;
}

// Where `line` (of `before`, at index `i`) goes in `lines`: after the line that preceded
// it if that one is still there, else at its old index, else at the end.
std::size_t insertion_point(const AccountTable& before, std::size_t i,
                            const std::vector<AccountLine>& lines) {
  if (i == 0) return 0;
  const AccountLine& predecessor = before.lines[i - 1];
  std::optional<std::size_t> best;
  for (std::size_t r = 0; r < lines.size(); ++r) {
    const bool same = predecessor.entry ? (lines[r].entry && lines[r].name() == predecessor.name())
                                        : (!lines[r].entry && lines[r].bytes == predecessor.bytes);
    if (!same) continue;
    if (predecessor.entry) {  // names are unique: the first is the one
      best = r;
      break;
    }
    // Identical comment or blank lines: take the one nearest the old place.
    const auto distance = [&](std::size_t k) { return k > i - 1 ? k - (i - 1) : (i - 1) - k; };
    if (!best || distance(r) < distance(*best)) best = r;
  }
  if (best) return *best + 1;
  return std::min(i, lines.size());
}

// Puts back into `current` the members `before` had and `ours` lacks, each after its old
// predecessor in the list if present, else at its old index, else at the end.
std::vector<std::string> merge_members(const std::vector<std::string>& before,
                                       const std::vector<std::string>& ours,
                                       std::vector<std::string> current,
                                       const std::optional<std::vector<std::string>>& allowed,
                                       std::vector<std::string>& put_back,
                                       std::vector<std::string>& refused) {
  const auto match = align(before, ours);
  for (std::size_t k = 0; k < before.size(); ++k) {
    if (match[k]) continue;
    const std::string& name = before[k];
    if (std::find(current.begin(), current.end(), name) != current.end()) continue;
    if (allowed && std::find(allowed->begin(), allowed->end(), name) == allowed->end()) {
      refused.push_back(name);
      continue;
    }
    std::size_t at = std::min(k, current.size());
    if (k > 0) {
      const auto p = std::find(current.begin(), current.end(), before[k - 1]);
      if (p != current.end()) at = static_cast<std::size_t>(p - current.begin()) + 1;
    }
    current.insert(current.begin() + static_cast<std::ptrdiff_t>(at), name);
    put_back.push_back(name);
  }
  return current;
}

class Restorer {
 public:
  Restorer(AccountFile file, std::string_view before, std::string_view ours,
           std::string_view current, const RestoreChecks& checks)
      : file_(file),
        before_(parse_account_file(before, file)),
        ours_(parse_account_file(ours, file)),
        result_(parse_account_file(current, file)),
        members_allowed_(checks.members_allowed) {
    if (checks.owners) {
      owners_ = parse_account_file(
          *checks.owners, file == AccountFile::shadow ? AccountFile::passwd : AccountFile::group);
    }
  }

  AccountRestore run() {
    const auto match = align(keys(before_), keys(ours_));
    // Edited lines first: they keep their place, so they do not move insertion points.
    for (std::size_t i = 0; i < before_.lines.size(); ++i) {
      if (match[i] && before_.lines[i].bytes != ours_.lines[*match[i]].bytes) {
        restore_edited(before_.lines[i], ours_.lines[*match[i]]);
      }
    }
    for (std::size_t i = 0; i < before_.lines.size(); ++i) {
      if (!match[i]) restore_removed(i);
    }
    out_.text = result_.render();
    return std::move(out_);
  }

 private:
  std::string file_name() const { return std::string(account_file_name(file_)); }

  std::optional<std::size_t> find_entry(std::string_view name) const { return result_.find(name); }

  void restore_removed(std::size_t i) {
    const AccountLine& line = before_.lines[i];
    if (line.entry && !can_put_back(line)) return;
    const std::size_t at = insertion_point(before_, i, result_.lines);
    result_.lines.insert(result_.lines.begin() + static_cast<std::ptrdiff_t>(at), line);
    if (line.entry) {
      out_.restored.push_back(
          fmt::format("{}: put back {} {}", file_name(), entry_kind(file_), shown(line.name())));
    } else {
      out_.restored.push_back(
          fmt::format("{}: put back line \"{}\"", file_name(), shown(line.bytes)));
    }
  }

  // Shadow lines hold password hashes: messages name entries, never show their bytes.
  bool can_put_back(const AccountLine& line) {
    const std::string what = fmt::format("{} {}", entry_kind(file_), shown(line.name()));
    if (const auto r = find_entry(line.name())) {
      if (result_.lines[*r].bytes != line.bytes) {
        out_.conflicts.push_back(fmt::format(
            "{}: not putting back {}: that name is now used by a different entry (line {})",
            file_name(), what, *r + 1));
      }
      return false;  // either a conflict or already back
    }
    if (owners_ && !owners_->find(line.name())) {
      out_.conflicts.push_back(fmt::format("{}: not putting back {}: {} has no entry for it",
                                           file_name(), what, account_file_name(owners_->file)));
      return false;
    }
    if (has_id(file_)) {
      for (std::size_t r = 0; r < result_.lines.size(); ++r) {
        const AccountLine& other = result_.lines[r];
        if (other.entry && other.fields[2] == line.fields[2]) {
          out_.conflicts.push_back(fmt::format(
              "{}: not putting back {}: {} {} is now used by {} {} (line {})", file_name(), what,
              id_name(file_), line.fields[2], entry_kind(file_), shown(other.name()), r + 1));
          return false;
        }
      }
    }
    return true;
  }

  void restore_edited(const AccountLine& before, const AccountLine& ours) {
    const std::string what = fmt::format("{} {}", entry_kind(file_), shown(before.name()));
    const auto r = find_entry(before.name());
    if (!r) {
      out_.conflicts.push_back(fmt::format(
          "{}: not putting back what was removed from {}: it no longer exists", file_name(), what));
      return;
    }
    AccountLine& current = result_.lines[*r];
    if (current.bytes == ours.bytes && !members_allowed_) {  // untouched: the old line exactly
      current = before;
      out_.restored.push_back(fmt::format("{}: put back {} as it was", file_name(), what));
      return;
    }
    const auto members = member_fields(file_);
    for (std::size_t f = 0; f < before.fields.size(); ++f) {
      const bool is_member_field = std::find(members.begin(), members.end(), f) != members.end();
      if (!is_member_field && before.fields[f] != ours.fields[f]) {
        out_.conflicts.push_back(fmt::format(
            "{}: not putting back {}: it was changed since excise edited it", file_name(), what));
        return;
      }
    }
    std::vector<std::string> put_back, refused;
    for (std::size_t f : members) {
      current.fields[f] = join_members(
          merge_members(split_members(before.fields[f]), split_members(ours.fields[f]),
                        split_members(current.fields[f]), members_allowed_, put_back, refused));
    }
    if (current.bytes == ours.bytes && refused.empty()) {
      current = before;  // untouched since, and every name may go back: the old line exactly
    } else {
      current.bytes = join_fields(current.fields);
    }
    for (const auto& name : put_back) {
      out_.restored.push_back(
          fmt::format("{}: put back {} into {}", file_name(), shown(name), what));
    }
    for (const auto& name : refused) {
      out_.conflicts.push_back(
          fmt::format("{}: not putting {} back into {}: user {} is not the same user as before",
                      file_name(), shown(name), what, shown(name)));
    }
  }

  AccountFile file_;
  AccountTable before_, ours_, result_;
  std::optional<AccountTable> owners_;
  std::optional<std::vector<std::string>> members_allowed_;
  AccountRestore out_;
};

}  // namespace

AccountRestore restore_account_file(AccountFile file, std::string_view before,
                                    std::string_view ours, std::string_view current,
                                    const RestoreChecks& checks) {
  // Untouched since excise wrote it: the old text exactly. With `owners`, only when every
  // entry can go back (the line-by-line pass then reports which cannot).
  if (current == ours && Restorer(file, before, ours, current, checks).run().conflicts.empty()) {
    AccountRestore out;
    out.text = std::string(before);
    if (before != ours) {
      out.restored.push_back(fmt::format("{}: put back as it was", account_file_name(file)));
    }
    return out;
  }
  return Restorer(file, before, ours, current, checks).run();
}

AccountFilesRestore restore_account_files(const AccountFiles& before, const AccountFiles& ours,
                                          const AccountFiles& current) {
  AccountFilesRestore out;
  auto take = [&](AccountRestore r) {
    out.restored.insert(out.restored.end(), r.restored.begin(), r.restored.end());
    out.conflicts.insert(out.conflicts.end(), r.conflicts.begin(), r.conflicts.end());
    return std::move(r.text);
  };
  out.files.passwd =
      take(restore_account_file(AccountFile::passwd, before.passwd, ours.passwd, current.passwd));
  // Names whose passwd entry is now what it was before (both absent counts): only those
  // may go back into member lists.
  const AccountTable old_users = parse_account_file(before.passwd, AccountFile::passwd);
  const AccountTable new_users = parse_account_file(out.files.passwd, AccountFile::passwd);
  auto entry_bytes = [](const AccountTable& t,
                        std::string_view name) -> std::optional<std::string> {
    if (const auto i = t.find(name)) return t.lines[*i].bytes;
    return std::nullopt;
  };
  std::vector<std::string> allowed;
  auto collect = [&](const std::string& text, AccountFile file) {
    for (const auto& line : parse_account_file(text, file).lines) {
      if (!line.entry) continue;
      for (std::size_t f : member_fields(file)) {
        for (auto& m : split_members(line.fields[f])) {
          if (entry_bytes(old_users, m) == entry_bytes(new_users, m)) allowed.push_back(m);
        }
      }
    }
  };
  collect(before.group, AccountFile::group);
  if (before.gshadow) collect(*before.gshadow, AccountFile::gshadow);
  const RestoreChecks member_checks{std::nullopt, allowed};
  out.files.group = take(restore_account_file(AccountFile::group, before.group, ours.group,
                                              current.group, member_checks));
  auto secret = [&](AccountFile file, const std::optional<std::string>& b,
                    const std::optional<std::string>& o, const std::optional<std::string>& c,
                    const std::string& owners) -> std::optional<std::string> {
    if (!c) {
      if (b && o && *b != *o) {
        out.conflicts.push_back(
            fmt::format("{}: the file is gone; not recreating it", account_file_name(file)));
      }
      return std::nullopt;
    }
    if (!b || !o) return c;  // excise did not edit it
    RestoreChecks checks{owners, std::nullopt};
    if (file == AccountFile::gshadow) checks.members_allowed = allowed;
    return take(restore_account_file(file, *b, *o, *c, checks));
  };
  out.files.shadow =
      secret(AccountFile::shadow, before.shadow, ours.shadow, current.shadow, out.files.passwd);
  out.files.gshadow =
      secret(AccountFile::gshadow, before.gshadow, ours.gshadow, current.gshadow, out.files.group);
  return out;
}

}  // namespace excise::sys
