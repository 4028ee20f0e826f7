#include "plan/target.hpp"

#include "system/safe_root.hpp"

namespace excise {

Target probe_target(const sys::SafeRoot& root) {
  Target target;
  target.root_path = root.path();
  target.live = root.is_host();
  // sd_booted(3): systemd is PID 1 exactly when /run/systemd/system is a directory.
  if (target.live) {
    const auto stat = root.lstat("/run/systemd/system");
    target.systemd = stat && stat->is_dir();
  }
  return target;
}

}  // namespace excise
