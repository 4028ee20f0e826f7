// dpkg's admin directory of a root (<root>/var/lib/dpkg), read through SafeRoot, and the
// lock dpkg and apt take on it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "system/dpkg_database.hpp"
#include "system/safe_root.hpp"

namespace excise::sys {

inline constexpr std::string_view kDpkgAdminDir = "/var/lib/dpkg";

// nullopt when the root has no dpkg status file.
std::optional<DpkgDatabase> load_dpkg_database(const SafeRoot& root);

// The names of a package's files in info/ ("acme.list", "acme.postrm", ...), sorted.
std::vector<std::string> dpkg_info_files(const Dir& info_dir, const DpkgPackage& package,
                                         InfoFormat format);
InfoFormat dpkg_info_format(const Dir& admin_dir);

// Holds dpkg's locks (lock-frontend, then lock: fcntl write locks, as dpkg and apt take
// them) so that rollback does not write the status file under a running dpkg or apt.
class DpkgLock {
 public:
  // Waits up to `seconds`, then throws Error(locked) naming the holder's PID if known.
  DpkgLock(const Dir& admin_dir, int seconds = 30);
  ~DpkgLock();
  DpkgLock(const DpkgLock&) = delete;
  DpkgLock& operator=(const DpkgLock&) = delete;

 private:
  Fd frontend_, lock_;
};

}  // namespace excise::sys
