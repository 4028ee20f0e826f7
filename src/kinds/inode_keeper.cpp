#include "kinds/inode_keeper.hpp"

#include "system/backend.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

namespace excise {

void InodeKeeper::keep(const sys::Dir& parent, const std::string& name, const sys::Stat& stat,
                       const std::string& qname) {
  const std::pair<std::uint64_t, std::uint64_t> id{stat.dev, stat.ino};
  if (const auto it = copies_.find(id); it != copies_.end()) {
    backend_.hard_link(keep_, it->second, keep_, qname);  // our own copy: links never split it
    return;
  }
  if (!sys::link_splits_group(parent, stat)) {
    try {
      backend_.hard_link(parent, name, keep_, qname);
      return;
    } catch (const sys::CrossDevice&) {
      // Another file system: a copy below.
    }
  }
  backend_.copy_tree(parent, name, keep_, qname);
  if (stat.nlink > 1) copies_.emplace(id, qname);
}

void InodeRestorer::put_back(const std::string& qname, const sys::Dir& parent,
                             const std::string& name) {
  const auto st = keep_.is_open() ? keep_.stat_at(qname) : std::nullopt;
  try {
    backend_.rename(keep_, qname, parent, name, sys::RenameMode::noreplace);
    return;
  } catch (const sys::CrossDevice&) {
    if (!st) throw;
  }
  const std::pair<std::uint64_t, std::uint64_t> id{st->dev, st->ino};
  if (const auto it = placed_.find(id); it != placed_.end()) {
    backend_.hard_link(it->second.first, it->second.second, parent, name);
  } else {
    backend_.copy_tree(keep_, qname, parent, name);
    if (st->nlink > 1) placed_.emplace(id, std::make_pair(parent, name));
  }
  backend_.drop_link(keep_, qname);  // the copy is in place: the kept name goes
}

}  // namespace excise
