// Extended attributes of one object, all namespaces (user., trusted., security., and the
// ACLs in system.posix_acl_*), read and written through a descriptor so that a symlink
// is never followed and a fifo or device is never opened.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace excise::sys::xattr {

using List = std::vector<std::pair<std::string, std::string>>;  // sorted by name

// `fd` is either an O_PATH descriptor (then /proc/self/fd/N is used, which reaches the
// object itself, a symlink included) or one opened for I/O (then the f*xattr calls).
struct Target {
  int fd;
  bool opath;
  std::string_view path;  // in-root, for messages
};

// All attributes; an empty list where the file system has none or does not support them.
List read(const Target& target);

// Makes the object's attributes exactly `wanted`: sets every one, removes the others
// (inherited default ACLs, for instance), except security.selinux, which the policy
// assigns at creation and which a copy from a system without labels must not strip.
void write(const Target& target, const List& wanted);

}  // namespace excise::sys::xattr
