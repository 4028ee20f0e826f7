// account.remove-user / account.remove-group: edit passwd, group, shadow and gshadow
// under the shadow-utils locks, each file replaced atomically (temporary file, fsync,
// rename, fsync of /etc) with its owner, mode and xattrs kept. The pre-images are read
// under the lock in prepare and journaled before anything is written; rollback merges
// them back three ways (system/account_restore.hpp), so accounts made since stay.
#include "kinds/account_actions.hpp"

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/run_store.hpp"
#include "kinds/meta_json.hpp"
#include "system/account_edit.hpp"
#include "system/account_restore.hpp"
#include "system/accounts.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"
#include "system/shadow_lock.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

constexpr const char* kFiles[] = {"passwd", "group", "shadow", "gshadow"};

sys::Dir etc_dir(const ExecContext& context) {
  auto etc = context.root.open_dir("/etc");
  if (!etc) throw Error(Failure::system, "the root has no /etc");
  return *etc;
}

std::optional<std::string> read_file(const sys::Dir& etc, const char* name) {
  const auto st = etc.stat_at(name);
  if (!st || !st->is_regular()) return std::nullopt;
  return etc.read_at(name);
}

void set(sys::AccountFiles& files, std::string_view name, std::optional<std::string> text) {
  if (name == "passwd") files.passwd = text.value_or("");
  if (name == "group") files.group = text.value_or("");
  if (name == "shadow") files.shadow = std::move(text);
  if (name == "gshadow") files.gshadow = std::move(text);
}

std::optional<std::string> get(const sys::AccountFiles& files, std::string_view name) {
  if (name == "passwd") return files.passwd;
  if (name == "group") return files.group;
  if (name == "shadow") return files.shadow;
  return files.gshadow;
}

sys::AccountFiles read_current(const sys::Dir& etc) {
  sys::AccountFiles files;
  for (const char* name : kFiles)
    set(files, name, read_file(etc, name));
  return files;
}

sys::AccountFiles from_blobs(const json& undo, const ExecContext& context) {
  sys::AccountFiles files;
  for (const char* name : kFiles) {
    if (undo.at("files").contains(name))
      set(files, name, context.run.get_blob(undo.at("files").at(name).at("blob")));
  }
  return files;
}

std::vector<std::string> lock_names(const sys::Dir& etc) {
  std::vector<std::string> names;
  for (const char* name : kFiles) {
    if (etc.stat_at(name)) names.push_back(name);
  }
  return names;
}

// Releases `lock`: a lock file that cannot be removed (an I/O error) fails the step (or
// its undo), instead of being left behind by a run that says it succeeded; the next apply
// or rollback removes it (its process is then gone). Other problems (a lock someone else
// removed) are not ours to fail on: they become notes. `done` says what was done already.
void release_or_fail(sys::ShadowLock& lock, const std::string& done, const std::string& fix,
                     ExecContext& context) {
  std::string failed;
  for (const auto& p : lock.release()) {
    if (p.rfind("cannot remove", 0) == 0)
      failed += " " + p + ";";
    else
      context.notes.push_back(p);
  }
  if (failed.empty()) return;
  throw Error(Failure::system,
              done + " but their locks were not all released:" + failed + " " + fix);
}

// Releases the lock prepare took, before "done" is journaled.
void release_held(ExecContext& context) {
  const auto held =
      std::static_pointer_cast<std::pair<sys::Dir, std::shared_ptr<sys::ShadowLock>>>(context.held);
  if (!held || !held->second) return;
  release_or_fail(*held->second, "the account files were edited",
                  "the next excise run on this root removes what is left", context);
}

// A run killed inside the lock protocol leaves "<file>.<its pid>" in /etc, and one killed
// while replacing an account file its temporary (sys::remove_stale_temps).
void drop_stale_temps(const sys::ShadowLock& lock, const sys::Dir& etc, ExecContext& context) {
  std::vector<std::string> files(std::begin(kFiles), std::end(kFiles));
  for (const auto& name : lock.remove_stale_temps(files, context.earlier_pids))
    context.log << "excise: note: removed " << shown(etc.child_path(name))
                << ", left by an earlier excise process that was stopped while locking\n";
  sys::remove_stale_temps(etc, context.earlier_pids);
}

class AccountRemoval final : public Action {
 public:
  explicit AccountRemoval(bool group) : group_(group) {}
  std::string_view name() const override {
    return group_ ? "account.remove-group" : "account.remove-user";
  }

  json prepare(const Step&, ExecContext& context) const override {
    const sys::Dir etc = etc_dir(context);
    json undo = {{"etc", meta_to_json(etc.meta_at("."))}, {"files", json::object()}};
    if (context.backend.writes()) {
      // The lock is held until the step ends, so what we read is what we edit.
      auto lock = std::make_shared<sys::ShadowLock>(
          sys::ShadowLock::acquire(etc.fd(), context.root.path() + "/etc", lock_names(etc)));
      undo["created_pwd_lock"] = lock->created_pwd_lock();
      context.held =
          std::make_shared<std::pair<sys::Dir, std::shared_ptr<sys::ShadowLock>>>(etc, lock);
    }
    for (const char* name : kFiles) {
      if (const auto text = read_file(etc, name)) {
        undo["files"][name] = {{"blob", context.run.put_blob(context.backend, *text)},
                               {"meta", meta_to_json(etc.meta_at(name))}};
      }
    }
    return undo;
  }

  void apply(const Step& step, json& undo, ExecContext& context) const override {
    const std::string who = step.params.at("name");
    const sys::Dir etc = etc_dir(context);
    const sys::AccountFiles before = from_blobs(undo, context);
    const sys::AccountEdit edit =
        group_ ? sys::remove_group(before, who) : sys::remove_user(before, who);
    for (const auto& n : edit.notes)
      context.notes.push_back(n);
    if (!edit.changed()) {
      context.notes.push_back("already gone: " + std::string(group_ ? "group " : "user ") + who);
      release_held(context);
      return;
    }
    for (const char* name : kFiles) {
      const auto old_text = get(before, name);
      const auto new_text = get(edit.files, name);
      if (!old_text || !new_text || *old_text == *new_text) continue;
      sys::FileMeta meta = meta_from_json(undo.at("files").at(name).at("meta"));
      meta.atime = meta.mtime = sys::now();
      context.backend.write_file(etc, name, *new_text, meta);
    }
    context.changed = true;
    release_held(context);
  }

  // Killed while holding the shadow-utils locks: their files stay behind with our dead
  // PID. Taking and releasing the locks replaces and removes them, as shadow-utils does.
  // Only when a lock or lock temporary of one of the run's dead processes is there: taking
  // the locks has effects of its own (lock files come and go, /etc's times change).
  void settle(const Step& step, const json& undo, ExecContext& context) const override {
    if (needs_settling(step, undo, context)) abandon(step, context);
  }

  bool needs_settling(const Step&, const json&, ExecContext& context) const override {
    const sys::Dir etc = etc_dir(context);
    std::vector<std::string> files(std::begin(kFiles), std::end(kFiles));
    return !sys::ShadowLock::stale_files(etc.fd(), files, context.earlier_pids).empty() ||
           sys::has_stale_temps(etc, context.earlier_pids);
  }

  // Killed after prepare took the locks, before "begin": the same stale lock files.
  void abandon(const Step&, ExecContext& context) const override {
    const sys::Dir etc = etc_dir(context);
    auto lock = sys::ShadowLock::acquire(etc.fd(), context.root.path() + "/etc", lock_names(etc));
    drop_stale_temps(lock, etc, context);
    for (const auto& problem : lock.release())
      context.log << "excise: note: " << problem << "\n";
  }

  void undo(const Step& step, const json& undo, ExecContext& context) const override {
    const std::string who = step.params.at("name");
    const sys::Dir etc = etc_dir(context);
    std::optional<sys::ShadowLock> lock;
    if (context.backend.writes())
      lock.emplace(
          sys::ShadowLock::acquire(etc.fd(), context.root.path() + "/etc", lock_names(etc)));
    if (lock) drop_stale_temps(*lock, etc, context);
    const sys::AccountFiles before = from_blobs(undo, context);
    // What apply wrote is a pure function of the pre-image: no need to have journaled it.
    const sys::AccountFiles ours =
        (group_ ? sys::remove_group(before, who) : sys::remove_user(before, who)).files;
    const sys::AccountFiles current = read_current(etc);
    const sys::AccountFilesRestore merged = sys::restore_account_files(before, ours, current);
    for (const auto& c : merged.conflicts)
      context.notes.push_back(c);
    for (const char* name : kFiles) {
      const auto want = get(merged.files, name);
      const auto have = get(current, name);
      if (!want || (have && *have == *want)) continue;
      sys::FileMeta meta = meta_from_json(undo.at("files").at(name).at("meta"));
      if (*want != get(before, name).value_or(""))
        meta.atime = meta.mtime = sys::now();  // merged, not restored
      context.backend.write_file(etc, name, *want, meta);
      context.changed = true;
    }
    if (lock) {
      release_or_fail(*lock, "the account files were put back",
                      "running the rollback again removes what is left", context);
    }
    if (undo.value("created_pwd_lock", false) && etc.stat_at(".pwd.lock")) {
      context.backend.remove_file(etc, ".pwd.lock");  // it was not there before apply
    }
    const sys::FileMeta etc_meta = meta_from_json(undo.at("etc"));
    context.backend.set_times(etc, ".", etc_meta.atime, etc_meta.mtime);
  }

 private:
  bool group_;
};

}  // namespace

const Action& remove_user_action() {
  static const AccountRemoval action(false);
  return action;
}
const Action& remove_group_action() {
  static const AccountRemoval action(true);
  return action;
}

}  // namespace excise
