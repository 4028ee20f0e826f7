#include "system/private_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "excise/bytes.hpp"
#include "system/tree.hpp"

namespace excise::sys {
namespace {

void restore_mtime(const Dir& dir, const Stat& before) {
  const struct timespec times[2] = {{before.atime.sec, before.atime.nsec},
                                    {before.mtime.sec, before.mtime.nsec}};
  ::futimens(dir.fd(), times);  // best effort: only cosmetic for the parent
}

bool make_dir(const Dir& parent, std::string_view name, mode_t mode) {
  const std::string n(name);
  if (::mkdirat(parent.fd(), n.c_str(), mode) == 0) return true;
  if (errno == EEXIST) return false;
  throw Error(Failure::system,
              "cannot create " + shown(parent.child_path(name)) + ": " + std::strerror(errno));
}

}  // namespace

std::optional<Dir> open_private_dir(const Dir& parent, std::string_view name, bool create) {
  auto existing = parent.stat_at(name);
  if (!existing) {
    if (!create) return std::nullopt;
    const Stat parent_before = parent.stat();
    if (make_dir(parent, name, 0700)) {
      fsync_dir(parent);
      restore_mtime(parent, parent_before);
    }
    existing = parent.stat_at(name);
  }
  const std::string path = parent.child_path(name);
  if (!existing || !existing->is_dir()) {
    throw Error(Failure::refused, shown(path) + " is not a directory (it holds excise's state)");
  }
  if (existing->uid != ::geteuid() || (existing->permissions() & 022) != 0) {
    throw Error(Failure::refused,
                shown(path) + " must be owned by uid " + std::to_string(::geteuid()) +
                    " and not writable by group or others; fix it with: chown root: " +
                    shown(path) + " && chmod 0700 " + shown(path));
  }
  return parent.dir_at(name);
}

Dir open_or_make_dir(const Dir& parent, std::string_view name) {
  if (!parent.stat_at(name)) make_dir(parent, name, 0755);
  return parent.dir_at(name);
}

}  // namespace excise::sys
