#include "kinds/confined.hpp"

namespace excise {

std::vector<std::string> confined_argv(const Target& target, const std::vector<std::string>& argv) {
  if (target.live) return argv;
  std::vector<std::string> out = {"unshare", "--fork",        "--pid",         "--ipc",
                                  "--uts",   "--mount",       "--propagation", "private",
                                  "chroot",  target.root_path};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

}  // namespace excise
