#include "system/quarantine.hpp"

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

FileMeta private_file_meta() {
  FileMeta meta;
  meta.mode = 0600;
  return meta;
}

void check_identity(const std::string& path, const Stat& st, const std::optional<Stat>& expected) {
  if (expected && !expected->same_object(st)) {
    throw Error(Failure::refused,
                fmt::format("{} is not what the plan saw (was {}:{}, now {}); run plan again",
                            shown(path), expected->dev, expected->ino, identity(st)));
  }
}

bool setid_with_other_links(const Stat& st) {
  return st.is_regular() && (st.mode & 06000) != 0 && st.nlink > 1;
}

// Gives back the set-id bits quarantine_path cleared, to the files that still have
// exactly the permissions it left them (so a mode someone set since is kept). Returns
// whether it changed anything.
bool put_back_setid(const SafeRoot& root, Backend& backend, const QuarantineRecord& record) {
  bool changed = false;
  for (const auto& [path, mode] : record.cleared_setid) {
    const auto file = root.resolve(path);
    if (!file || !file->stat || !file->stat->is_regular()) continue;
    if (file->stat->permissions() != (mode & ~06000u)) continue;
    backend.set_mode(file->parent, file->name, mode);
    changed = true;
  }
  return changed;
}

}  // namespace

std::string copy_started_marker(const std::string& qname) {
  return qname + ".copying";
}
std::string copy_done_marker(const std::string& qname) {
  return qname + ".copied";
}

std::optional<QuarantineRecord> inspect_for_quarantine(const SafeRoot& root,
                                                       const std::string& path,
                                                       const std::string& qname,
                                                       const std::optional<Stat>& expected) {
  const auto resolved = root.resolve(path);
  if (!resolved || !resolved->stat) return std::nullopt;
  const Stat& st = *resolved->stat;
  check_identity(path, st, expected);
  QuarantineRecord record;
  record.path = path;
  record.qname = qname;
  const Stat parent = resolved->parent.stat();
  record.parent_atime = parent.atime;
  record.parent_mtime = parent.mtime;
  if (st.is_dir()) {
    const TreeSummary summary =
        walk_tree(resolved->parent, resolved->name, [&](const TreeEntry& e) {
          // A set-id file that has other names outside the tree would stay usable through
          // them: its bits are cleared before the banned name goes (dpkg's secure_unlink).
          if (setid_with_other_links(e.stat))
            record.cleared_setid.emplace_back(e.path, e.stat.permissions());
          return true;
        });
    if (!summary.mount_points.empty()) {
      throw Error(Failure::refused, fmt::format("{} contains a mount point ({}); excise does not "
                                                "remove across mounts: unmount it first",
                                                shown(path), shown(summary.mount_points.front())));
    }
  } else if (setid_with_other_links(st)) {
    record.cleared_setid.emplace_back(path, st.permissions());
  }
  return record;
}

bool quarantine_path(const SafeRoot& root, Backend& backend, const Dir& quarantine,
                     const std::optional<Stat>& expected, QuarantineRecord& record) {
  const auto resolved = root.resolve(record.path);
  if (!resolved || !resolved->stat) return false;
  check_identity(record.path, *resolved->stat, expected);
  for (const auto& [path, mode] : record.cleared_setid) {
    const auto file = root.resolve(path);
    if (file && file->stat && file->stat->is_regular())
      backend.set_mode(file->parent, file->name, mode & ~06000u);
  }
  try {
    backend.rename(resolved->parent, resolved->name, quarantine, record.qname,
                   RenameMode::noreplace);
  } catch (const CrossDevice&) {
    // Mark the copy started, copy, mark it complete (durably), and only then remove the
    // original: an interruption leaves the whole original or the whole copy.
    record.by_copy = true;
    backend.write_file(quarantine, copy_started_marker(record.qname), "", private_file_meta());
    backend.copy_tree(resolved->parent, resolved->name, quarantine, record.qname);
    backend.write_file(quarantine, copy_done_marker(record.qname), "", private_file_meta());
    backend.sync(quarantine);
    backend.remove_tree(resolved->parent, resolved->name);
  }
  backend.sync(quarantine);
  backend.sync(resolved->parent);
  return true;
}

bool restore_path(const SafeRoot& root, Backend& backend, const Dir& quarantine,
                  const QuarantineRecord& record) {
  const bool started = quarantine.stat_at(copy_started_marker(record.qname)).has_value();
  const bool copied = quarantine.stat_at(copy_done_marker(record.qname)).has_value();
  auto drop_markers = [&] {
    if (started) backend.remove_file(quarantine, copy_started_marker(record.qname));
    if (copied) backend.remove_file(quarantine, copy_done_marker(record.qname));
  };
  const bool held = quarantine.stat_at(record.qname).has_value();
  if (started && !copied) {
    // Interrupted while copying: the original was never touched. Drop the partial copy.
    if (held) backend.remove_tree(quarantine, record.qname);
    drop_markers();
    return false;
  }
  // Never moved, or already back. The bits are cleared before the move, so a run killed
  // between the two (or a move that failed) left set-id files without them in place; and
  // a rollback killed between its rename and putting back the parent's times left those.
  if (!held) {
    bool changed = put_back_setid(root, backend, record);
    if (const auto back = root.resolve(record.path); back && back->stat) {
      const Stat parent = back->parent.stat();
      if (!(parent.mtime == record.parent_mtime)) {
        backend.set_times(back->parent, ".", record.parent_atime, record.parent_mtime);
        backend.sync(back->parent);
        changed = true;
      }
    }
    return changed;
  }
  const auto resolved = root.resolve(record.path);
  if (!resolved) {
    throw Error(Failure::refused, fmt::format("cannot put back {}: its parent directory is gone; "
                                              "recreate it and run rollback again",
                                              shown(record.path)));
  }
  if (resolved->stat) {
    if (!copied) {
      throw Error(Failure::refused,
                  fmt::format("cannot put back {}: something is there again (a {}); it was not "
                              "overwritten: move it away and run rollback again",
                              shown(record.path), file_type_name(resolved->stat->type())));
    }
    // Interrupted while removing the original after a complete copy: what is left of it
    // is a subset of the copy. Replace it with the copy.
    backend.remove_tree(resolved->parent, resolved->name);
  }
  if (copied) {
    backend.copy_tree(quarantine, record.qname, resolved->parent, resolved->name);
    backend.sync(resolved->parent);
    backend.remove_tree(quarantine, record.qname);
    drop_markers();
  } else {
    backend.rename(quarantine, record.qname, resolved->parent, resolved->name,
                   RenameMode::noreplace);
  }
  put_back_setid(root, backend, record);
  backend.set_times(resolved->parent, ".", record.parent_atime, record.parent_mtime);
  backend.sync(resolved->parent);
  backend.sync(quarantine);
  return true;
}

}  // namespace excise::sys
