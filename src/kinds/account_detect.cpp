// [[user]] and [[group]] detection from the root's passwd, group, shadow and gshadow.
// An account is present when any of the four files names it (a crash between two file
// replacements may leave it in one only). A group that is still the primary group of a
// user nobody removes is blocked: removing it would leave that user with a dangling gid.
#include <fmt/format.h>

#include <set>

#include "excise/bytes.hpp"
#include "kinds/group.hpp"
#include "kinds/user.hpp"
#include "plan/detect_context.hpp"
#include "system/accounts.hpp"

namespace excise {
namespace {

bool named_in(const std::optional<std::string>& text, sys::AccountFile file,
              const std::string& name) {
  return text && sys::parse_account_file(*text, file).find(name).has_value();
}

std::string line_of(const std::optional<std::string>& text, sys::AccountFile file,
                    const std::string& name) {
  if (!text) return "";
  const auto table = sys::parse_account_file(*text, file);
  const auto index = table.find(name);
  return index ? table.lines[*index].bytes : "";
}

// The fact keeps digests, never the lines: shadow lines hold password hashes.
std::string account_fact(const sys::AccountFiles& files, const std::string& name, bool group) {
  const std::string lines = group ? line_of(files.group, sys::AccountFile::group, name) + "\n" +
                                        line_of(files.gshadow, sys::AccountFile::gshadow, name)
                                  : line_of(files.passwd, sys::AccountFile::passwd, name) + "\n" +
                                        line_of(files.shadow, sys::AccountFile::shadow, name);
  return "lines " + sha256_hex(lines).substr(0, 16);
}

Step account_step(DetectContext& context, const Located<std::string>& name, bool group,
                  std::string reason) {
  Step step;
  step.phase = Phase::accounts;
  step.action = group ? "account.remove-group" : "account.remove-user";
  step.target = name.value;
  step.reason = std::move(reason);
  step.origin = context.origin(name.loc);
  step.params = {{"name", name.value}};
  return step;
}

}  // namespace

void UserKind::detect(const Playbook&, const Artifact& artifact, DetectContext& context) const {
  const auto& files = context.accounts();
  for (const auto& name : static_cast<const UserSpec&>(*artifact.spec).names) {
    const auto user = sys::find_user(files, name.value);
    if (!user && !named_in(files.shadow, sys::AccountFile::shadow, name.value)) continue;
    const std::string reason = user
                                   ? fmt::format("user uid {} gid {}, home {}, shell {}", user->uid,
                                                 user->gid, shown(user->home), shown(user->shell))
                                   : "left in shadow only (an interrupted edit)";
    context.fact("user " + name.value, account_fact(files, name.value, false));
    context.propose(account_step(context, name, false, reason), {0, 0, "", {}});
  }
}

void GroupKind::detect(const Playbook&, const Artifact& artifact, DetectContext& context) const {
  const auto& files = context.accounts();
  const auto& leaving = context.removed_users();
  for (const auto& name : static_cast<const GroupSpec&>(*artifact.spec).names) {
    const auto group = sys::find_group(files, name.value);
    if (!group && !named_in(files.gshadow, sys::AccountFile::gshadow, name.value)) continue;
    if (group) {
      std::string staying;
      for (const auto& user : sys::users_with_primary_gid(files, group->gid)) {
        if (!leaving.count(user.name)) staying += (staying.empty() ? "" : ", ") + user.name;
      }
      if (!staying.empty()) {
        context.block(name.value,
                      "group " + name.value + " is the primary group of " + staying +
                          ", which no playbook removes",
                      name.loc);
        continue;
      }
    }
    std::string members;
    if (group) {
      for (const auto& m : group->members)
        members += (members.empty() ? "" : ",") + m;
    }
    const std::string reason = group ? fmt::format("group gid {}{}", group->gid,
                                                   members.empty() ? "" : ", members " + members)
                                     : "left in gshadow only (an interrupted edit)";
    context.fact("group " + name.value, account_fact(files, name.value, true));
    context.propose(account_step(context, name, true, reason), {1, 0, "", {}});
  }
}

}  // namespace excise
