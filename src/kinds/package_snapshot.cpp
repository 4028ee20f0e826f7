#include "kinds/package_snapshot.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/run_store.hpp"
#include "kinds/inode_keeper.hpp"
#include "kinds/meta_json.hpp"
#include "system/backend.hpp"
#include "system/dpkg_root.hpp"
#include "system/dpkg_splice.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

using sys::Dir;

Dir snapshot_dir(ExecContext& context, bool create) {
  const Dir& q = context.run.quarantine();
  const std::string name = std::to_string(context.seq);
  if (!q.is_open()) return Dir::placeholder(q.child_path(name));
  if (create && !q.stat_at(name)) {
    sys::FileMeta meta;
    meta.mode = 0700;
    context.backend.make_dir(q, name, meta);
  }
  if (!context.backend.writes() && !q.stat_at(name)) return Dir::placeholder(q.child_path(name));
  return q.dir_at(name);
}

Dir admin_dir(const ExecContext& context) {
  auto admin = context.root.open_dir(sys::kDpkgAdminDir);
  if (!admin)
    throw Error(Failure::system,
                "the root has no dpkg database at " + std::string(sys::kDpkgAdminDir));
  return *admin;
}

std::string without_stanza(const std::string& status, const PackageRef& ref) {
  try {
    return sys::remove_stanza(status, ref.name, ref.arch).text;
  } catch (const Error&) {
    return status;
  }
}

const sys::DpkgPackage* find_package(const sys::DpkgDatabase& db, const PackageRef& ref) {
  const auto index = db.find(ref.name, ref.arch);
  return index ? &db.packages()[*index] : nullptr;
}

std::vector<std::string> listed_paths(const Dir& info, const std::string& list_name) {
  if (!info.stat_at(list_name)) return {};
  return sys::parse_list_file(info.read_at(list_name));
}

// Every proper ancestor of a listed path: the paths the package has as directories.
std::set<std::string> listed_parents(const std::vector<std::string>& listed) {
  std::set<std::string> parents;
  for (const auto& path : listed) {
    for (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0;
         slash = path.rfind('/', slash - 1)) {
      if (!parents.insert(path.substr(0, slash)).second) break;  // its ancestors are in too
    }
  }
  return parents;
}

// What dpkg itself touches in its admin directory while removing a package (directories
// it writes in, lock files it rewrites); their times go back too.
constexpr const char* kAdminTouched[] = {
    "info",          "updates",       "triggers",          "lock",
    "lock-frontend", "triggers/Lock", "triggers/Unincorp", "triggers/File"};

}  // namespace

PackageRef package_ref_of(const Step& step) {
  return {step.params.at("package").get<std::string>(), step.params.value("arch", std::string())};
}

json take_package_snapshot(const PackageRef& ref, ExecContext& context) {
  const Dir admin = admin_dir(context);
  const auto db = sys::load_dpkg_database(context.root);
  const sys::DpkgPackage* package = db ? find_package(*db, ref) : nullptr;
  if (package == nullptr || !package->present()) return json::object();  // nothing to keep
  const auto index = *db->find(ref.name, ref.arch);
  const Dir info = admin.dir_at("info");
  const sys::InfoFormat format = sys::dpkg_info_format(admin);

  json undo;
  const std::string status = admin.read_at("status");
  undo["status_before"] = context.run.put_blob(context.backend, status);
  undo["status_meta"] = meta_to_json(admin.meta_at("status"));
  if (admin.stat_at("status-old")) {
    undo["status_old_before"] = context.run.put_blob(context.backend, admin.read_at("status-old"));
    undo["status_old_meta"] = meta_to_json(admin.meta_at("status-old"));
  }
  undo["stanza"] = encode_bytes(db->stanza(index).bytes());

  json info_files = json::array();
  for (const auto& name : sys::dpkg_info_files(info, *package, format)) {
    info_files.push_back({{"name", encode_bytes(name)},
                          {"blob", context.run.put_blob(context.backend, info.read_at(name))},
                          {"meta", meta_to_json(info.meta_at(name))}});
  }
  undo["info"] = info_files;

  json admin_times = json::array();
  for (const char* sub : kAdminTouched) {
    const std::string path = std::string(sys::kDpkgAdminDir) + (*sub ? "/" : "") + sub;
    if (const auto r = context.root.resolve(path); r && r->stat) {
      admin_times.push_back({{"path", path}, {"meta", meta_to_json(r->parent.meta_at(r->name))}});
    }
  }
  undo["admin_dirs"] = admin_times;
  undo["admin_meta"] = meta_to_json(admin.meta_at("."));

  // The package's own files: a hard link each, so dpkg's unlink leaves the inode to us.
  const Dir keep = snapshot_dir(context, true);
  json dirs = json::array();
  json files = json::array();
  std::size_t n = 0;
  const std::vector<std::string> listed =
      listed_paths(info, sys::info_file_name(*package, "list", format));
  const std::set<std::string> parents = listed_parents(listed);
  InodeKeeper keeper(context.backend, keep);
  for (const auto& path : listed) {
    if (path == "/") continue;
    const auto resolved = context.root.resolve(path);
    if (!resolved || !resolved->stat) continue;  // listed but not on disk: nothing to keep
    // On a merged-/usr root the package lists /lib (its directory) where the root has a
    // symlink into /usr: dpkg follows it and never removes it (rmdir fails on a link), so
    // it is not one of the package's files to keep a link to.
    if (resolved->stat->is_symlink() && parents.count(path)) continue;
    const sys::FileMeta meta = resolved->parent.meta_at(resolved->name);
    if (resolved->stat->is_dir()) {
      dirs.push_back({{"path", encode_bytes(path)}, {"meta", meta_to_json(meta)}});
      continue;
    }
    const std::string qname = "f" + std::to_string(++n);
    keeper.keep(resolved->parent, resolved->name, *resolved->stat, qname);
    files.push_back({{"path", encode_bytes(path)},
                     {"qname", qname},
                     {"dev", resolved->stat->dev},
                     {"ino", resolved->stat->ino},
                     {"meta", meta_to_json(meta)}});
  }
  context.backend.sync(keep);
  // The directories holding the package's topmost directories ("/" for /opt): dpkg
  // removes a directory of the package once it is empty (/opt, when the package shipped
  // ./opt/), which changes its parent's times, and rollback recreating it changes them
  // again. Kept here so rollback puts them back too.
  json topmost_parents = json::array();
  {
    std::set<std::string> listed_dirs, seen;
    for (const auto& d : dirs)
      listed_dirs.insert(decode_bytes(d.at("path").get<std::string>()));
    for (const auto& dir : listed_dirs) {
      const std::string up = dir.substr(0, std::max<std::size_t>(dir.rfind('/'), 1));
      if (listed_dirs.count(up) || !seen.insert(up).second) continue;
      if (up == "/") {
        topmost_parents.push_back(
            {{"path", "/"}, {"meta", meta_to_json(context.root.root().meta_at("."))}});
      } else if (const auto r = context.root.resolve(up); r && r->stat && r->stat->is_dir()) {
        topmost_parents.push_back(
            {{"path", encode_bytes(up)}, {"meta", meta_to_json(r->parent.meta_at(r->name))}});
      }
    }
  }
  const json manifest = {{"dirs", dirs}, {"files", files}, {"parents", topmost_parents}};
  undo["manifest"] = context.run.put_blob(context.backend, manifest.dump());
  return undo;
}

void restore_package_snapshot(const PackageRef& ref, const json& undo, ExecContext& context) {
  if (!undo.contains("manifest")) return;  // the package was not there to begin with
  sys::Backend& backend = context.backend;
  const Dir admin = admin_dir(context);
  // A dry run writes nothing, not even dpkg's lock files (taking the lock creates them
  // when missing): SAFETY S25. There is nothing to protect from dpkg when nothing is written.
  std::optional<sys::DpkgLock> lock;
  if (backend.writes()) lock.emplace(admin);
  if (backend.writes()) {
    // An earlier rollback of this run killed while replacing status or an info file left
    // its temporary behind.
    sys::remove_stale_temps(admin, context.earlier_pids);
    if (const auto info = admin.find_dir("info"))
      sys::remove_stale_temps(*info, context.earlier_pids);
  }
  const std::string stanza = decode_bytes(undo.at("stanza").get<std::string>());

  const json manifest = json::parse(context.run.get_blob(undo.at("manifest")));
  // Directories, parents first.
  std::vector<std::pair<std::string, json>> dirs;
  for (const auto& d : manifest.at("dirs"))
    dirs.emplace_back(decode_bytes(d.at("path").get<std::string>()), d.at("meta"));
  std::sort(dirs.begin(), dirs.end());
  for (const auto& [path, meta] : dirs) {
    const auto resolved = context.root.resolve(path);
    if (!resolved) {
      context.notes.push_back("cannot recreate " + path + ": its parent is gone");
      continue;
    }
    if (!resolved->stat) {
      if (backend.writes()) sys::remove_stale_temps(resolved->parent, context.earlier_pids);
      backend.make_dir(resolved->parent, resolved->name, meta_from_json(meta));
      context.changed = true;
    }
  }
  // Files: move each kept inode back unless something else took its place.
  const Dir keep = snapshot_dir(context, false);
  InodeRestorer restorer(backend, keep);
  for (const auto& f : manifest.at("files")) {
    const std::string path = decode_bytes(f.at("path").get<std::string>());
    const std::string qname = f.at("qname");
    const auto resolved = context.root.resolve(path);
    if (keep.is_open() && !keep.stat_at(qname)) {
      // Already back. A rollback killed between the rename and set_meta left the inode
      // with what dpkg made of it (a set-id file chmod 0600 before its unlink): the
      // metadata goes on again, to that inode only.
      if (resolved && resolved->stat && resolved->stat->dev == f.at("dev") &&
          resolved->stat->ino == f.at("ino") && backend.writes()) {
        backend.set_meta(resolved->parent, resolved->name, meta_from_json(f.at("meta")));
      }
      continue;
    }
    if (!resolved) {
      context.notes.push_back("cannot put back " + path + ": its parent is gone");
      continue;
    }
    if (resolved->stat) {
      if (resolved->stat->dev == f.at("dev") && resolved->stat->ino == f.at("ino")) {
        backend.drop_link(keep, qname);  // dpkg never removed it: drop our extra link
      } else {
        context.notes.push_back("not put back: " + path + " exists again and was not overwritten");
      }
      continue;
    }
    restorer.put_back(qname, resolved->parent, resolved->name);
    backend.set_meta(resolved->parent, resolved->name, meta_from_json(f.at("meta")));
    context.changed = true;
  }
  // info/ files, byte for byte with their metadata.
  const Dir info = admin.dir_at("info");
  for (const auto& i : undo.at("info")) {
    const std::string name = decode_bytes(i.at("name").get<std::string>());
    const std::string content = context.run.get_blob(i.at("blob"));
    if (info.stat_at(name) && info.read_at(name) == content) continue;
    backend.write_file(info, name, content, meta_from_json(i.at("meta")));
    context.changed = true;
  }
  // The status file: whole as it was when nothing else changed it since the purge (as
  // journaled, or, if the run was killed before journaling it, exactly the pre-image
  // without this package's entry, which is what dpkg writes); else splice the entry in.
  const std::string current = admin.read_at("status");
  const std::string after = undo.value("status_after", std::string());
  const std::string before_status = context.run.get_blob(undo.at("status_before"));
  const bool as_we_left_it =
      after.empty() ? current == without_stanza(before_status, ref) : sha256_hex(current) == after;
  if (current == before_status) {
    // dpkg never got to it (killed before the purge), or an earlier rollback put the
    // status back and was killed before status-old: finish that.
    if (undo.contains("status_old_before")) {
      const std::string old = context.run.get_blob(undo.at("status_old_before"));
      if (!admin.stat_at("status-old") || admin.read_at("status-old") != old) {
        backend.write_file(admin, "status-old", old, meta_from_json(undo.at("status_old_meta")));
        context.changed = true;
      }
    }
  } else if (as_we_left_it) {
    backend.write_file(admin, "status", before_status, meta_from_json(undo.at("status_meta")));
    if (undo.contains("status_old_before")) {
      backend.write_file(admin, "status-old", context.run.get_blob(undo.at("status_old_before")),
                         meta_from_json(undo.at("status_old_meta")));
    }
    context.changed = true;
  } else {
    const auto db = sys::load_dpkg_database(context.root);
    const sys::DpkgPackage* package = db ? find_package(*db, ref) : nullptr;
    if (package == nullptr || !package->present()) {
      std::string text = current;
      if (package != nullptr)
        text = sys::remove_stanza(text, ref.name, ref.arch).text;  // not-installed leftover
      sys::FileMeta meta = admin.meta_at("status");
      backend.write_file(admin, "status", sys::insert_stanza(text, stanza), meta);
      context.notes.push_back(
          "the status file changed since apply: the package's entry was spliced back");
      context.changed = true;
    }
  }
  // Times of every directory dpkg touched, deepest first, then the admin directories.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    if (const auto resolved = context.root.resolve(it->first);
        resolved && resolved->stat && resolved->stat->is_dir()) {
      const sys::FileMeta meta = meta_from_json(it->second);
      backend.set_times(resolved->parent, resolved->name, meta.atime, meta.mtime);
    }
  }
  // Then the directories above them (journals from before "parents" existed lack it).
  for (const auto& p : manifest.value("parents", json::array())) {
    const std::string path = decode_bytes(p.at("path").get<std::string>());
    const sys::FileMeta meta = meta_from_json(p.at("meta"));
    if (path == "/") {
      backend.set_times(context.root.root(), ".", meta.atime, meta.mtime);
    } else if (const auto r = context.root.resolve(path); r && r->stat && r->stat->is_dir()) {
      backend.set_times(r->parent, r->name, meta.atime, meta.mtime);
    }
  }
  for (const auto& a : undo.at("admin_dirs")) {
    if (const auto r = context.root.resolve(a.at("path").get<std::string>()); r && r->stat) {
      const sys::FileMeta meta = meta_from_json(a.at("meta"));
      backend.set_times(r->parent, r->name, meta.atime, meta.mtime);
    }
  }
  // Last, the admin directory itself: everything above wrote in it.
  const sys::FileMeta admin_meta = meta_from_json(undo.at("admin_meta"));
  backend.set_times(admin, ".", admin_meta.atime, admin_meta.mtime);
}

}  // namespace excise
