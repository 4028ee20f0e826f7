#include "kinds/tree_preimage.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/run_store.hpp"
#include "kinds/inode_keeper.hpp"
#include "kinds/meta_json.hpp"
#include "kinds/step_keep_dir.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

using sys::Dir;

// Larger regular files are told apart by identity, size and mtime only.
constexpr std::size_t kMaxDigested = 64u << 20;

Dir keep_dir(ExecContext& context, bool create) {
  return step_keep_dir(context, "tree", create);
}

// What tells one version of a non-directory from another.
json identity_json(const Dir& parent, const std::string& name, const sys::Stat& st) {
  json j = {{"dev", st.dev},
            {"ino", st.ino},
            {"size", st.size},
            {"mtime", {st.mtime.sec, st.mtime.nsec}}};
  if (st.is_regular() && static_cast<std::size_t>(st.size) <= kMaxDigested)
    j["sha256"] = sha256_hex(parent.read_at(name, kMaxDigested));
  return j;
}

// A regular file is its content and mtime (it comes back as a copy: a new inode); any
// other object is its inode (it comes back as itself).
bool same_version(const json& a, const json& b) {
  if (a.at("size") != b.at("size") || a.at("mtime") != b.at("mtime")) return false;
  if (a.contains("sha256") && b.contains("sha256")) return a.at("sha256") == b.at("sha256");
  return a.at("dev") == b.at("dev") && a.at("ino") == b.at("ino");
}

struct Walked {
  std::vector<std::pair<std::string, json>> dirs;   // path, meta
  std::vector<std::pair<std::string, json>> files;  // path, identity (and type)
};

// The tree as it is now; each non-directory visited through its parent.
Walked walk(const std::string& path, ExecContext& context,
            const std::function<void(const sys::Resolved&, const std::string&, json&)>& also = {}) {
  Walked out;
  const auto top = context.root.resolve(path);
  if (!top || !top->stat || !top->stat->is_dir()) return out;
  sys::walk_tree(top->parent, top->name, [&](const sys::TreeEntry& e) {
    const auto r = context.root.resolve(e.path);
    if (!r || !r->stat) return true;
    if (r->stat->is_dir()) {
      out.dirs.emplace_back(e.path, meta_to_json(r->parent.meta_at(r->name)));
      return true;
    }
    json id = identity_json(r->parent, r->name, *r->stat);
    id["regular"] = r->stat->is_regular();
    if (also) also(*r, e.path, id);
    out.files.emplace_back(e.path, std::move(id));
    return true;
  });
  return out;
}

json walked_json(const Walked& w) {
  json dirs = json::array(), files = json::array();
  for (const auto& [p, meta] : w.dirs)
    dirs.push_back({{"path", encode_bytes(p)}, {"meta", meta}});
  for (const auto& [p, id] : w.files) {
    json f = id;
    f["path"] = encode_bytes(p);
    files.push_back(std::move(f));
  }
  return {{"dirs", dirs}, {"files", files}};
}

std::map<std::string, json> by_path(const json& list) {
  std::map<std::string, json> out;
  for (const auto& e : list)
    out.emplace(decode_bytes(e.at("path").get<std::string>()), e);
  return out;
}

bool present(const Dir& keep, const std::string& qname) {
  return keep.is_open() && keep.stat_at(qname).has_value();
}

// Puts keep/qname in place of what is at r now (or where nothing is), atomically where it
// can (an exchange, then the tool's object goes), by copy across file systems.
void put_back(const Dir& keep, const std::string& qname, const sys::Resolved& r,
              ExecContext& context) {
  if (!r.stat) {
    InodeRestorer(context.backend, keep).put_back(qname, r.parent, r.name);
    return;
  }
  bool exchanged = false;
  try {
    context.backend.rename(keep, qname, r.parent, r.name, sys::RenameMode::exchange);
    exchanged = true;
  } catch (const Error&) {
    // Another file system (--state-dir), or one without RENAME_EXCHANGE: nothing moved.
  }
  if (exchanged) {
    context.backend.remove_file(keep, qname);  // now the tool's object
    return;
  }
  context.backend.remove_file(r.parent, r.name);
  InodeRestorer(context.backend, keep).put_back(qname, r.parent, r.name);
}

}  // namespace

json keep_tree_preimage(const std::string& path, ExecContext& context) {
  const auto top = context.root.resolve(path);
  if (!top || !top->stat || !top->stat->is_dir())
    return {{"path", encode_bytes(path)}, {"absent", true}};
  const Dir keep = keep_dir(context, true);
  InodeKeeper keeper(context.backend, keep);
  std::size_t n = 0;
  const Walked before =
      walk(path, context, [&](const sys::Resolved& r, const std::string&, json& id) {
        const std::string qname = "k" + std::to_string(++n);
        if (r.stat->is_regular()) {
          context.backend.copy_tree(r.parent, r.name, keep, qname);
        } else {
          keeper.keep(r.parent, r.name, *r.stat, qname);
        }
        id["qname"] = qname;
      });
  if (keep.is_open()) context.backend.sync(keep);
  return {{"path", encode_bytes(path)},
          {"tree", context.run.put_blob(context.backend, walked_json(before).dump())}};
}

void note_tree_after(json& undo, ExecContext& context) {
  if (undo.contains("absent") || !context.backend.writes()) return;
  const std::string path = decode_bytes(undo.at("path").get<std::string>());
  const json before = json::parse(context.run.get_blob(undo.at("tree")));
  json after = walked_json(walk(path, context));
  const auto now = by_path(after.at("files"));
  const Dir keep = keep_dir(context, false);
  json unchanged = json::array();
  for (const auto& f : before.at("files")) {
    const auto it = now.find(decode_bytes(f.at("path").get<std::string>()));
    if (it == now.end() || !same_version(f, it->second)) continue;
    const std::string qname = f.at("qname");
    if (present(keep, qname)) context.backend.drop_link(keep, qname);
    unchanged.push_back(qname);
  }
  after["unchanged"] = unchanged;
  undo["after"] = context.run.put_blob(context.backend, after.dump());
}

void restore_tree_preimage(const json& undo, ExecContext& context) {
  if (undo.contains("absent")) return;
  const std::string path = decode_bytes(undo.at("path").get<std::string>());
  const json before = json::parse(context.run.get_blob(undo.at("tree")));
  std::optional<json> after;
  if (undo.contains("after")) after = json::parse(context.run.get_blob(undo.at("after")));
  const auto before_files = by_path(before.at("files"));
  const auto before_dirs = by_path(before.at("dirs"));
  std::map<std::string, json> after_files;
  std::set<std::string> unchanged;
  if (after) {
    after_files = by_path(after->at("files"));
    for (const auto& q : after->at("unchanged"))
      unchanged.insert(q.get<std::string>());
  }
  // Is `current` what the tool left at `p`? Without a record (interrupted), every
  // difference is taken for the tool's: nothing else ran on the root under our lock.
  auto left_by_tool = [&](const std::string& p, const json& current) {
    if (!after) return true;
    const auto it = after_files.find(p);
    return it != after_files.end() && same_version(it->second, current);
  };
  const Dir keep = keep_dir(context, false);

  // Directories the tool removed come back first, parents before children.
  for (const auto& [p, d] : before_dirs) {
    const auto r = context.root.resolve(p);
    if (r && !r->stat) {
      context.backend.make_dir(r->parent, r->name, meta_from_json(d.at("meta")));
      context.changed = true;
    }
  }
  const Walked current = walk(path, context);
  // What the tool created goes.
  for (const auto& [p, id] : current.files) {
    if (before_files.count(p)) continue;
    if (!left_by_tool(p, id)) {
      context.notes.push_back("kept: " + shown(p) + " appeared after the rebuild");
      continue;
    }
    if (const auto r = context.root.resolve(p); r && r->stat) {
      context.backend.remove_file(r->parent, r->name);
      context.changed = true;
    }
  }
  const auto current_files =
      std::map<std::string, json>(current.files.begin(), current.files.end());
  for (const auto& [p, f] : before_files) {
    const std::string qname = f.at("qname");
    if (unchanged.count(qname) || !present(keep, qname)) continue;  // untouched, or done before
    const auto r = context.root.resolve(p);
    if (!r) continue;
    if (r->stat) {
      const auto it = current_files.find(p);
      if (it == current_files.end()) {
        context.notes.push_back("not put back: " + shown(p) + " is a directory now");
        continue;
      }
      if (same_version(f, it->second)) {  // the tool did not get to it
        context.backend.drop_link(keep, qname);
        continue;
      }
      if (!left_by_tool(p, it->second)) {
        context.notes.push_back(
            "not put back: " + shown(p) +
            " changed after the rebuild (its pre-image stays in the quarantine)");
        continue;
      }
    }
    put_back(keep, qname, *r, context);
    context.changed = true;
  }
  // Directories the tool created go if empty; times of the others come back, deepest first.
  std::vector<std::string> dirs;
  for (const auto& [p, meta] : current.dirs)
    dirs.push_back(p);
  std::sort(dirs.rbegin(), dirs.rend());
  for (const auto& p : dirs) {
    if (before_dirs.count(p)) continue;
    const auto r = context.root.resolve(p);
    if (!r || !r->stat || !r->stat->is_dir()) continue;
    if (r->parent.dir_at(r->name).entries().empty()) {
      context.backend.remove_empty_dir(r->parent, r->name);
      context.changed = true;
    } else {
      context.notes.push_back("kept: " + shown(p) + " appeared after the rebuild and is not empty");
    }
  }
  for (auto it = before_dirs.rbegin(); it != before_dirs.rend(); ++it) {
    const auto r = context.root.resolve(it->first);
    if (!r || !r->stat || !r->stat->is_dir()) continue;
    const sys::FileMeta meta = meta_from_json(it->second.at("meta"));
    context.backend.set_times(r->parent, r->name, meta.atime, meta.mtime);
  }
}

}  // namespace excise
