// Opening excise's own files (journal, lock) in its state directory. The state directory
// may sit inside an offline image whose contents someone else prepared, so a name there
// is not trusted to be what we left: it must be a regular file with a single link, owned
// by us. Otherwise truncating the lock could truncate the image's /etc/shadow through a
// hard link, and opening a FIFO would block forever.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "excise/error.hpp"
#include "system/fd.hpp"
#include "system/safe_root.hpp"

namespace excise::sys {

struct StateFile {
  Fd fd;
  std::uint64_t size = 0;  // when opened
};

// "<dir path>/<name>", for messages.
std::string state_file_path(const Dir& dir, std::string_view name);

// Opens `name` (one path component) in `dir` with `access` (O_RDWR, O_APPEND...) plus
// O_NOFOLLOW | O_CLOEXEC, creating it with mode 0600 if absent. Throws Error(system)
// "<what> <path>: ..." if it cannot be opened or is not a file we may write.
StateFile open_state_file(const Dir& dir, std::string_view name, int access, std::string_view what);

// Error(system, "<what> <path>: <operation> failed: <strerror(err)>").
Error system_failure(std::string_view what, std::string_view path, std::string_view operation,
                     int err);

// fsync of the directory, so that a file just created there survives a crash (fsync(2)).
void sync_dir(const Dir& dir, std::string_view what);

}  // namespace excise::sys
