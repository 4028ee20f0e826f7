// path.quarantine: move a file or a whole tree into the run's quarantine (one rename),
// and back on rollback. path.prune: the same for a directory that holds nothing but
// empty directories by the time it runs; otherwise it is kept and said so.
#include "kinds/path_actions.hpp"

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/run_store.hpp"
#include "system/quarantine.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

json record_json(const sys::QuarantineRecord& r) {
  json setid = json::array();
  for (const auto& [path, mode] : r.cleared_setid)
    setid.push_back({encode_bytes(path), mode});
  return {{"path", encode_bytes(r.path)},
          {"qname", r.qname},
          {"parent_atime", {r.parent_atime.sec, r.parent_atime.nsec}},
          {"parent_mtime", {r.parent_mtime.sec, r.parent_mtime.nsec}},
          {"by_copy", r.by_copy},
          {"cleared_setid", setid}};
}

sys::QuarantineRecord record_from_json(const json& j) {
  sys::QuarantineRecord r;
  r.path = decode_bytes(j.at("path").get<std::string>());
  r.qname = j.at("qname");
  r.parent_atime = {j.at("parent_atime")[0], j.at("parent_atime")[1]};
  r.parent_mtime = {j.at("parent_mtime")[0], j.at("parent_mtime")[1]};
  r.by_copy = j.at("by_copy");
  for (const auto& s : j.at("cleared_setid")) {
    r.cleared_setid.emplace_back(decode_bytes(s[0].get<std::string>()), s[1].get<std::uint32_t>());
  }
  return r;
}

std::optional<sys::Stat> expected_object(const Step& step) {
  if (!step.params.contains("ino")) return std::nullopt;
  sys::Stat st;
  st.dev = step.params.at("dev");
  st.ino = step.params.at("ino");
  return st;
}

// Only directories, at any depth: then the tree holds nothing worth keeping.
bool only_directories(const sys::Dir& parent, std::string_view name) {
  bool only_dirs = true;
  sys::walk_tree(parent, name, [&](const sys::TreeEntry& e) {
    if (!e.stat.is_dir()) only_dirs = false;
    return only_dirs;
  });
  return only_dirs;
}

class Quarantine : public Action {
 public:
  explicit Quarantine(bool prune) : prune_(prune) {}
  std::string_view name() const override { return prune_ ? "path.prune" : "path.quarantine"; }

  // Everything undo needs is read before acting and journaled with "begin": the
  // quarantine name, the parent's times, the set-id bits about to be cleared.
  json prepare(const Step& step, ExecContext& context) const override {
    const std::string path = decode_bytes(step.params.at("path").get<std::string>());
    const std::string qname = std::to_string(context.seq);
    const auto record =
        sys::inspect_for_quarantine(context.root, path, qname, expected_object(step));
    if (!record) return {{"absent", true}};
    return record_json(*record);
  }

  void apply(const Step& step, json& undo, ExecContext& context) const override {
    const std::string path = decode_bytes(step.params.at("path").get<std::string>());
    if (undo.contains("absent")) {
      context.notes.push_back("already gone: " + shown(path));
      return;
    }
    if (prune_) {
      const auto resolved = context.root.resolve(path);
      if (context.backend.writes() && resolved && resolved->stat &&
          !only_directories(resolved->parent, resolved->name)) {
        context.notes.push_back("kept: " + shown(path) + " is not empty");
        undo = {{"absent", true}};
        return;
      }
    }
    sys::QuarantineRecord record = record_from_json(undo);
    if (!sys::quarantine_path(context.root, context.backend, context.run.quarantine(),
                              expected_object(step), record)) {
      context.notes.push_back("already gone: " + shown(path));
      return;
    }
    undo = record_json(record);
    if (record.by_copy)
      context.notes.push_back("moved by copy (another file system): " + shown(path));
    context.changed = true;
  }

  void undo(const Step&, const json& undo, ExecContext& context) const override {
    if (undo.contains("absent")) return;
    context.changed = sys::restore_path(context.root, context.backend, context.run.quarantine(),
                                        record_from_json(undo));
  }

 private:
  bool prune_;
};

}  // namespace

json inspect_paths(const json& paths, ExecContext& context) {
  json records = json::array();
  std::size_t k = 0;
  for (const auto& p : paths) {
    const std::string path = decode_bytes(p.at("path").get<std::string>());
    std::optional<sys::Stat> expected;
    if (p.contains("ino")) {
      expected.emplace();
      expected->dev = p.at("dev");
      expected->ino = p.at("ino");
    }
    const std::string qname = std::to_string(context.seq) + "." + std::to_string(++k);
    if (auto record = sys::inspect_for_quarantine(context.root, path, qname, expected)) {
      json r = record_json(*record);
      if (p.contains("ino")) {
        r["dev"] = p.at("dev");
        r["ino"] = p.at("ino");
      }
      records.push_back(std::move(r));
    }
  }
  return {{"records", records}};
}

void quarantine_paths(const json&, json& undo, ExecContext& context) {
  for (auto& r : undo.at("records")) {
    sys::QuarantineRecord record = record_from_json(r);
    std::optional<sys::Stat> expected;
    if (r.contains("ino")) {
      expected.emplace();
      expected->dev = r.at("dev");
      expected->ino = r.at("ino");
    }
    if (sys::quarantine_path(context.root, context.backend, context.run.quarantine(), expected,
                             record)) {
      r["by_copy"] = record.by_copy;
      context.changed = true;
    } else {
      context.notes.push_back("already gone: " + shown(record.path));
    }
  }
}

void restore_paths(const json& undo, ExecContext& context) {
  const json& records = undo.at("records");
  for (auto it = records.rbegin(); it != records.rend(); ++it) {
    if (sys::restore_path(context.root, context.backend, context.run.quarantine(),
                          record_from_json(*it))) {
      context.changed = true;
    }
  }
}

const Action& path_quarantine_action() {
  static const Quarantine action(false);
  return action;
}

const Action& path_prune_action() {
  static const Quarantine action(true);
  return action;
}

}  // namespace excise
