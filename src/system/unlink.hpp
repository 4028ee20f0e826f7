// Removing one name, the way dpkg's secure_unlink does.
#pragma once

#include <string_view>

#include "system/fd.hpp"

namespace excise::sys {

// A set-id file may have another name somewhere (a user's hard link made while it was
// installed), which would keep a banned set-uid program alive after we remove ours. So
// the bits go first (mode 0600, as dpkg does), then the name. Done for every set-id
// file, not only nlink > 1: an O_PATH descriptor held elsewhere could still fexecve the
// inode after its last name is gone. `seen` is the entry's lstat as examined by the
// caller; set-id is cleared only if the name still holds that object. A missing name is
// not an error (someone removed it first). Directories are refused (EISDIR).
void secure_unlink(int dirfd, std::string_view name, const Stat& seen, std::string_view path);

}  // namespace excise::sys
