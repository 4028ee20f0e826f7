// line.remove: rewrite a file without the lines a regex matches, atomically (temporary
// file, fsync, rename) with its owner, mode and xattrs kept. The pre-image is journaled
// before; rollback puts it back exactly when the file is still as we left it, and
// otherwise puts each line back next to its old neighbours.
#include "kinds/line_actions.hpp"

#include <regex>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/run_store.hpp"
#include "kinds/line_edit.hpp"
#include "kinds/meta_json.hpp"
#include "kinds/stale_temps.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

std::optional<sys::Resolved> regular_file(const ExecContext& context, const std::string& path) {
  auto r = context.root.resolve(path);
  if (!r || !r->stat) return std::nullopt;
  if (!r->stat->is_regular()) {
    throw Error(Failure::refused,
                shown(path) + " is no longer a regular file; its lines are not edited");
  }
  return r;
}

class RemoveLines final : public Action {
 public:
  std::string_view name() const override { return "line.remove"; }

  json prepare(const Step& step, ExecContext& context) const override {
    const std::string path = decode_bytes(step.params.at("path").get<std::string>());
    const auto r = regular_file(context, path);
    if (!r) return {{"absent", true}};
    const sys::Stat parent = r->parent.stat();
    return {{"blob", context.run.put_blob(context.backend, r->parent.read_at(r->name))},
            {"meta", meta_to_json(r->parent.meta_at(r->name))},
            {"parent_times",
             {{parent.atime.sec, parent.atime.nsec}, {parent.mtime.sec, parent.mtime.nsec}}}};
  }

  void apply(const Step& step, json& undo, ExecContext& context) const override {
    const std::string path = decode_bytes(step.params.at("path").get<std::string>());
    if (undo.contains("absent")) {
      context.notes.push_back("already gone: " + shown(path));
      return;
    }
    const auto removal = removal_of(step, undo, context);
    if (removal.removed.empty()) {
      context.notes.push_back("no matching line left in " + shown(path));
      return;
    }
    const auto r = regular_file(context, path);
    if (!r) return;
    sys::FileMeta meta = meta_from_json(undo.at("meta"));
    meta.atime = meta.mtime = sys::now();
    context.backend.write_file(r->parent, r->name, removal.text, meta);
    context.changed = true;
  }

  // Killed while replacing the file: its temporary is left next to it.
  void settle(const Step& step, const json& undo, ExecContext& context) const override {
    if (const auto dir = parent_dir(step, undo, context)) drop_stale_temps(*dir, context);
  }

  bool needs_settling(const Step& step, const json& undo, ExecContext& context) const override {
    const auto dir = parent_dir(step, undo, context);
    return dir && has_stale_temps(*dir, context);
  }

  void undo(const Step& step, const json& undo, ExecContext& context) const override {
    if (undo.contains("absent")) return;
    const std::string path = decode_bytes(step.params.at("path").get<std::string>());
    const std::string before = context.run.get_blob(undo.at("blob"));
    const auto r = context.root.resolve(path);
    if (!r)
      throw Error(Failure::refused,
                  "cannot put lines back into " + shown(path) + ": its directory is gone");
    drop_stale_temps(r->parent, context);  // of an apply or rollback killed mid-write
    std::string current;
    if (r->stat) {
      if (!r->stat->is_regular())
        throw Error(Failure::refused, shown(path) + " is no longer a regular file");
      current = r->parent.read_at(r->name);
    }
    const LineRestore restored = restore_lines(before, removal_of(step, undo, context), current);
    for (const auto& n : restored.notes)
      context.notes.push_back(shown(path) + ": " + n);
    const bool exact = restored.text == before;
    if (!r->stat || restored.text != current) {
      sys::FileMeta meta = meta_from_json(undo.at("meta"));
      if (!exact) meta.atime = meta.mtime = sys::now();
      context.backend.write_file(r->parent, r->name, restored.text, meta);
      context.changed = true;
    }
    // Also when the file is already back: a rollback killed after writing it, before
    // this, left the directory's times as the write made them.
    if (exact) restore_parent_times(*r, undo, context);
  }

 private:
  static std::optional<sys::Dir> parent_dir(const Step& step, const json& undo,
                                            const ExecContext& context) {
    if (undo.contains("absent")) return std::nullopt;
    const auto r = context.root.resolve(decode_bytes(step.params.at("path").get<std::string>()));
    if (!r) return std::nullopt;
    return r->parent;
  }

  static void restore_parent_times(const sys::Resolved& r, const json& undo, ExecContext& context) {
    const auto& t = undo.at("parent_times");
    const sys::Timespec atime{t[0][0], t[0][1]}, mtime{t[1][0], t[1][1]};
    if (r.parent.stat().mtime == mtime) return;  // (atime moves with every read)
    context.backend.set_times(r.parent, ".", atime, mtime);
    context.changed = true;
  }

  // What apply removes is a pure function of the pre-image and the regex.
  static LineRemoval removal_of(const Step& step, const json& undo, ExecContext& context) {
    const std::regex pattern(step.params.at("match").get<std::string>(), std::regex::ECMAScript);
    return remove_matching_lines(context.run.get_blob(undo.at("blob")), pattern);
  }
};

}  // namespace

const Action& remove_lines_action() {
  static const RemoveLines action;
  return action;
}

}  // namespace excise
