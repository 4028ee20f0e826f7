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

// A set-id file that has other names outside the tree would stay usable through them:
// clear the bits before the banned name goes (dpkg's secure_unlink does the same).
void clear_setid(const SafeRoot& root, Backend& backend, const std::string& path,
                 QuarantineRecord& record) {
  const auto resolved = root.resolve(path);
  if (!resolved || !resolved->stat) return;
  const Stat& st = *resolved->stat;
  if (!st.is_regular() || (st.mode & 06000) == 0 || st.nlink < 2) return;
  record.cleared_setid.emplace_back(path, st.permissions());
  backend.set_mode(resolved->parent, resolved->name, st.permissions() & ~06000u);
}

}  // namespace

std::string copy_marker(const std::string& qname) { return qname + ".copied"; }

bool quarantine_path(const SafeRoot& root, Backend& backend, const Dir& quarantine,
                     const std::string& path, const std::string& qname,
                     const std::optional<Stat>& expected, QuarantineRecord& record) {
  const auto resolved = root.resolve(path);
  if (!resolved || !resolved->stat) return false;
  const Stat& st = *resolved->stat;
  if (expected && !expected->same_object(st)) {
    throw Error(Failure::refused,
                fmt::format("{} is not what the plan saw (was {}, now {}); run plan again",
                            shown(path), identity(*expected), identity(st)));
  }
  record.path = path;
  record.qname = qname;
  const Stat parent = resolved->parent.stat();
  record.parent_atime = parent.atime;
  record.parent_mtime = parent.mtime;

  if (st.is_dir()) {
    const TreeSummary summary = walk_tree(resolved->parent, resolved->name,
                                          [](const TreeEntry&) { return true; });
    if (!summary.mount_points.empty()) {
      throw Error(Failure::refused, fmt::format("{} contains a mount point ({}); excise does not "
                                                "remove across mounts: unmount it first",
                                                shown(path), shown(summary.mount_points.front())));
    }
    for (const auto& p : summary.setid_hardlinks) clear_setid(root, backend, p, record);
  } else {
    clear_setid(root, backend, path, record);
  }

  try {
    backend.rename(resolved->parent, resolved->name, quarantine, qname, RenameMode::noreplace);
  } catch (const CrossDevice&) {
    // Copy first and mark the copy complete (durably) before removing anything, so an
    // interruption leaves either the whole original or the whole copy.
    record.by_copy = true;
    backend.copy_tree(resolved->parent, resolved->name, quarantine, qname);
    backend.write_file(quarantine, copy_marker(qname), "", private_file_meta());
    backend.sync(quarantine);
    backend.remove_tree(resolved->parent, resolved->name);
  }
  backend.sync(quarantine);
  backend.sync(resolved->parent);
  return true;
}

bool restore_path(const SafeRoot& root, Backend& backend, const Dir& quarantine,
                  const QuarantineRecord& record) {
  if (!quarantine.stat_at(record.qname)) return false;  // never moved, or already back
  const auto resolved = root.resolve(record.path);
  if (!resolved) {
    throw Error(Failure::refused, fmt::format("cannot put back {}: its parent directory is gone; "
                                              "recreate it and run rollback again",
                                              shown(record.path)));
  }
  const bool copy_complete = quarantine.stat_at(copy_marker(record.qname)).has_value();
  if (record.by_copy && !copy_complete) {
    // Interrupted while copying: the original was never touched. Drop the partial copy.
    backend.remove_tree(quarantine, record.qname);
    return false;
  }
  if (resolved->stat) {
    if (!(record.by_copy && copy_complete)) {
      throw Error(Failure::refused,
                  fmt::format("cannot put back {}: something is there again (a {}); it was not "
                              "overwritten: move it away and run rollback again",
                              shown(record.path), file_type_name(resolved->stat->type())));
    }
    // Interrupted while removing the original after a complete copy: what is left of
    // it is a subset of the copy. Replace it with the copy.
    backend.remove_tree(resolved->parent, resolved->name);
  }
  if (record.by_copy) {
    backend.copy_tree(quarantine, record.qname, resolved->parent, resolved->name);
    backend.sync(resolved->parent);
    backend.remove_tree(quarantine, record.qname);
    backend.remove_file(quarantine, copy_marker(record.qname));
  } else {
    backend.rename(quarantine, record.qname, resolved->parent, resolved->name, RenameMode::noreplace);
  }
  for (const auto& [path, mode] : record.cleared_setid) {
    if (const auto again = root.resolve(path); again && again->stat && again->stat->is_regular()) {
      backend.set_mode(again->parent, again->name, mode);
    }
  }
  backend.set_times(resolved->parent, ".", record.parent_atime, record.parent_mtime);
  backend.sync(resolved->parent);
  backend.sync(quarantine);
  return true;
}

}  // namespace excise::sys
