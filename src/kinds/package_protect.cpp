#include "kinds/package_protect.hpp"

#include <algorithm>

#include "excise/bytes.hpp"
#include "exec/run_store.hpp"
#include "kinds/inode_keeper.hpp"
#include "kinds/meta_json.hpp"
#include "kinds/step_keep_dir.hpp"
#include "system/account_restore.hpp"
#include "system/accounts.hpp"
#include "system/backend.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

using sys::Dir;

constexpr std::size_t kMaxFileBlob = 16u << 20;

sys::Dir protect_dir(ExecContext& context, bool create) {
  return step_keep_dir(context, "protect", create);
}

std::optional<sys::AccountFile> account_file(const std::string& path) {
  if (path == "/etc/passwd") return sys::AccountFile::passwd;
  if (path == "/etc/group") return sys::AccountFile::group;
  if (path == "/etc/shadow") return sys::AccountFile::shadow;
  if (path == "/etc/gshadow") return sys::AccountFile::gshadow;
  return std::nullopt;
}

// The path's parent and, if it exists, the object; nullopt without a safe parent.
std::optional<sys::Resolved> resolve_any(const ExecContext& context, const std::string& path) {
  try {
    return context.root.resolve(path);
  } catch (const sys::UnsafePath&) {
    return std::nullopt;
  }
}

std::optional<sys::Resolved> resolve(const ExecContext& context, const std::string& path) {
  auto r = resolve_any(context, path);
  if (r && r->stat) return r;
  return std::nullopt;
}

json keep_tree(const sys::Resolved& top, const std::string& path, const Dir& keep, std::size_t k,
               ExecContext& context) {
  json dirs = json::array(), files = json::array();
  std::size_t n = 0;
  const std::string prefix = path;
  InodeKeeper keeper(context.backend, keep);
  sys::walk_tree(top.parent, top.name, [&](const sys::TreeEntry& e) {
    const auto r = context.root.resolve(e.path);
    if (!r || !r->stat) return true;
    const sys::FileMeta meta = r->parent.meta_at(r->name);
    if (e.stat.is_dir()) {
      dirs.push_back({{"path", encode_bytes(e.path)}, {"meta", meta_to_json(meta)}});
      return true;
    }
    const std::string qname = "p" + std::to_string(k) + "-" + std::to_string(++n);
    keeper.keep(r->parent, r->name, *r->stat, qname);
    files.push_back({{"path", encode_bytes(e.path)},
                     {"qname", qname},
                     {"dev", e.stat.dev},
                     {"ino", e.stat.ino},
                     {"meta", meta_to_json(meta)}});
    return true;
  });
  return {{"dirs", dirs}, {"files", files}};
}

void restore_tree(const json& tree, ExecContext& context) {
  const Dir keep = protect_dir(context, false);
  InodeRestorer restorer(context.backend, keep);
  std::vector<std::pair<std::string, json>> dirs;
  for (const auto& d : tree.at("dirs"))
    dirs.emplace_back(decode_bytes(d.at("path").get<std::string>()), d.at("meta"));
  std::sort(dirs.begin(), dirs.end());
  for (const auto& [path, meta] : dirs) {
    const auto r = context.root.resolve(path);
    if (r && !r->stat) {
      if (context.backend.writes()) sys::remove_stale_temps(r->parent, context.earlier_pids);
      context.backend.make_dir(r->parent, r->name, meta_from_json(meta));
      context.changed = true;
    }
  }
  for (const auto& f : tree.at("files")) {
    const std::string qname = f.at("qname");
    if (!keep.is_open() || !keep.stat_at(qname)) continue;
    const std::string path = decode_bytes(f.at("path").get<std::string>());
    const auto r = context.root.resolve(path);
    if (!r) continue;
    if (r->stat) {
      if (r->stat->dev == f.at("dev") && r->stat->ino == f.at("ino"))
        context.backend.drop_link(keep, qname);
      continue;  // something else is there now: the scripts' or a later change; not ours to undo
    }
    restorer.put_back(qname, r->parent, r->name);
    context.backend.set_meta(r->parent, r->name, meta_from_json(f.at("meta")));
    context.changed = true;
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    if (const auto r = context.root.resolve(it->first); r && r->stat && r->stat->is_dir()) {
      const sys::FileMeta meta = meta_from_json(it->second);
      context.backend.set_times(r->parent, r->name, meta.atime, meta.mtime);
    }
  }
}

std::optional<std::string> read_regular(const ExecContext& context, const std::string& path) {
  const auto r = resolve(context, path);
  if (!r || !r->stat->is_regular()) return std::nullopt;
  return r->parent.read_at(r->name);
}

// A file that was not there before the purge: removed again if it is exactly what the
// scripts left (userdel writes /etc/passwd- where there was none); anything else is kept.
void restore_absent(const json& entry, ExecContext& context) {
  const std::string path = decode_bytes(entry.at("path").get<std::string>());
  const auto r = resolve(context, path);
  if (!r) return;
  const auto current = read_regular(context, path);
  if (!current || sha256_hex(*current) != entry.value("after", std::string())) {
    context.notes.push_back("kept: " + shown(path) +
                            " appeared during the purge and is not a file exactly as the "
                            "scripts left it");
    return;
  }
  context.backend.remove_file(r->parent, r->name);
  context.changed = true;
}

void restore_file(const json& entry, ExecContext& context) {
  const std::string path = decode_bytes(entry.at("path").get<std::string>());
  const std::string before = context.run.get_blob(entry.at("blob"));
  const auto current = read_regular(context, path);
  if (current && *current == before) return;
  const std::string after_digest = entry.value("after", std::string());
  std::string want = before;
  if (current && sha256_hex(*current) != after_digest) {
    const auto kind = account_file(path);
    if (!kind || !entry.contains("after_blob")) {
      context.notes.push_back("not put back: " + shown(path) +
                              " changed again after the scripts ran");
      return;
    }
    const auto merged = sys::restore_account_file(
        *kind, before, context.run.get_blob(entry.at("after_blob")), *current);
    for (const auto& c : merged.conflicts)
      context.notes.push_back(c);
    want = merged.text;
  }
  const auto r = context.root.resolve(path);
  if (!r) return;
  context.backend.write_file(r->parent, r->name, want, meta_from_json(entry.at("meta")));
  context.changed = true;
}

}  // namespace

std::vector<std::string> script_state_paths() {
  // The account files' "-" backups: shadow-utils rewrites them on every change, so a
  // postrm's userdel changes them as surely as the files themselves.
  return {"/etc/passwd",
          "/etc/group",
          "/etc/shadow",
          "/etc/gshadow",
          "/etc/passwd-",
          "/etc/group-",
          "/etc/shadow-",
          "/etc/gshadow-",
          "/etc/alternatives",
          "/var/lib/dpkg/alternatives",
          "/var/lib/ucf",
          "/var/cache/debconf",
          "/var/lib/systemd/deb-systemd-helper-enabled",
          "/var/lib/systemd/deb-systemd-helper-masked"};
}

json protect_paths(const std::vector<std::string>& paths, ExecContext& context) {
  json entries = json::array();
  const Dir keep = protect_dir(context, true);
  std::size_t k = 0;
  for (const auto& path : paths) {
    const auto r = resolve_any(context, path);
    if (!r) continue;
    const sys::Stat parent = r->parent.stat();
    json entry = {{"path", encode_bytes(path)},
                  {"parent_times",
                   {{parent.atime.sec, parent.atime.nsec}, {parent.mtime.sec, parent.mtime.nsec}}}};
    if (!r->stat) {
      entry["kind"] = "absent";  // the scripts may create it
    } else if (r->stat->is_regular() && static_cast<std::size_t>(r->stat->size) <= kMaxFileBlob) {
      entry["kind"] = "file";
      entry["blob"] = context.run.put_blob(context.backend, r->parent.read_at(r->name));
      entry["meta"] = meta_to_json(r->parent.meta_at(r->name));
    } else {
      entry["kind"] = "tree";
      entry["tree"] =
          context.run.put_blob(context.backend, keep_tree(*r, path, keep, ++k, context).dump());
    }
    entries.push_back(std::move(entry));
  }
  if (keep.is_open()) context.backend.sync(keep);
  return entries;
}

void note_after_scripts(json& entries, ExecContext& context) {
  if (!context.backend.writes()) return;
  for (auto& entry : entries) {
    if (entry.at("kind") != "file" && entry.at("kind") != "absent") continue;
    const std::string path = decode_bytes(entry.at("path").get<std::string>());
    const auto current = read_regular(context, path);
    entry["after"] = current ? sha256_hex(*current) : "absent";
    if (current && account_file(path))
      entry["after_blob"] = context.run.put_blob(context.backend, *current);
  }
}

void restore_protected(const json& entries, ExecContext& context) {
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const json& entry = *it;
    if (entry.at("kind") == "file") {
      // A rollback killed while replacing this file left its temporary beside it.
      if (const auto r = context.root.resolve(decode_bytes(entry.at("path").get<std::string>()));
          r && context.backend.writes()) {
        sys::remove_stale_temps(r->parent, context.earlier_pids);
      }
      restore_file(entry, context);
    } else if (entry.at("kind") == "absent") {
      restore_absent(entry, context);
    } else {
      restore_tree(json::parse(context.run.get_blob(entry.at("tree"))), context);
    }
  }
  for (const auto& entry : entries) {
    const std::string path = decode_bytes(entry.at("path").get<std::string>());
    const auto r = context.root.resolve(path);
    if (!r) continue;
    const auto& t = entry.at("parent_times");
    context.backend.set_times(r->parent, ".", {t[0][0], t[0][1]}, {t[1][0], t[1][1]});
  }
}

}  // namespace excise
