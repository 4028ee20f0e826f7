// Running a program of the target root: as is on the live system; on an offline root
// chrooted into it, in its own PID, IPC, UTS and mount namespaces, so that it sees and
// signals nothing of the host and what it mounts vanishes with it.
#pragma once

#include <string>
#include <vector>

#include "plan/target.hpp"

namespace excise {

// The argv that runs `argv` (its program an absolute path inside the root) in `target`.
std::vector<std::string> confined_argv(const Target& target, const std::vector<std::string>& argv);

}  // namespace excise
