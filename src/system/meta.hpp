// Reading and setting owner, mode, times and xattrs through a descriptor, never by name,
// so that nothing is changed through a symlink (CVE-2018-6954, CVE-2017-18925).
#pragma once

#include <string_view>

#include "system/fd.hpp"

namespace excise::sys::meta {

// `fd` pins the object: an O_PATH descriptor (`opath`) or one opened for I/O.
struct Object {
  int fd;
  bool opath;
  bool symlink;           // a symlink's mode cannot be set; its owner, times and xattrs can
  std::string_view path;  // in-root, for messages
};

FileMeta read(const Object& object, const Stat& stat);

// Order matters: chown first (it clears set-id bits and security.capability), then the
// xattrs (which may carry the capability and the ACLs), then the mode (set-id bits back;
// for an ACL the group bits are its mask, equal in a faithful copy), and the times last
// because every other change moves ctime only, but a later one could move mtime.
void apply(const Object& object, const FileMeta& meta);

}  // namespace excise::sys::meta
