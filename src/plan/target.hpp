// What kind of system a root is: the running machine or an offline image, and whether
// systemd is running it (only then may services be stopped through systemctl).
#pragma once

#include <string>

namespace excise {

namespace sys {
class SafeRoot;
}

struct Target {
  std::string root_path;
  bool live = false;     // the root is this machine's "/": processes and services run
  bool systemd = false;  // live, and PID 1 is systemd (/run/systemd/system exists)
};

Target probe_target(const sys::SafeRoot& root);

}  // namespace excise
