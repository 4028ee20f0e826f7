// Keeps files' inodes in a quarantine directory so that rollback can put them back
// exactly: a hard link each (the inode survives dpkg's unlink or a script's rm), or a
// copy where a link cannot be made without side effects (another file system, or a file
// with several names on overlayfs, which linking would split: sys::link_splits_group).
// A further name of a file already copied becomes a link to that copy, so putting the
// names back by rename restores their hard-link group too. InodeRestorer puts them back
// the same way round.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "system/fd.hpp"

namespace excise {

namespace sys {
class Backend;
class Dir;
}  // namespace sys

class InodeKeeper {
 public:
  InodeKeeper(sys::Backend& backend, const sys::Dir& keep) : backend_(backend), keep_(keep) {}
  // Keeps `parent/name` (a non-directory whose lstat is `stat`) as keep/qname.
  void keep(const sys::Dir& parent, const std::string& name, const sys::Stat& stat,
            const std::string& qname);

 private:
  sys::Backend& backend_;
  const sys::Dir& keep_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::string> copies_;  // (dev, ino) -> qname
};

class InodeRestorer {
 public:
  InodeRestorer(sys::Backend& backend, const sys::Dir& keep) : backend_(backend), keep_(keep) {}
  // Moves keep/qname back to `parent/name`: a rename, or, across file systems (a state
  // directory elsewhere: --state-dir), a copy, and for a further name of the same kept
  // inode, a link to what was put back first.
  void put_back(const std::string& qname, const sys::Dir& parent, const std::string& name);

 private:
  sys::Backend& backend_;
  const sys::Dir& keep_;
  // (dev, ino) of a kept inode copied back -> where its copy went
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::pair<sys::Dir, std::string>> placed_;
};

}  // namespace excise
