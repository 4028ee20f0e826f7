// TEMPORARY, delete at merge: the fs branch implements sys::Dir in safe_root.cpp. The
// journal branch needs only Dir::fd() to link, so this is that one method, weak so that
// the real definition wins if both are ever linked together.
#include "system/safe_root.hpp"

namespace excise::sys {

[[gnu::weak]] int Dir::fd() const {
  if (!is_open()) throw Error(Failure::system, "directory " + path_ + " is not open");
  return fd_->get();
}

}  // namespace excise::sys
