// Host paths into a root, for the external tools that take one (depmod -b ROOT): such a
// tool resolves the path as any program does, following an image's absolute symlinks out
// to the host. Before handing a path over, check that it leads where SafeRoot leads.
#pragma once

#include <optional>
#include <string>

#include "system/fd.hpp"

namespace excise::sys {

// The object the host path leads to, following every symlink; nullopt when it does not
// exist. Throws Error(system) for any other failure.
std::optional<Stat> stat_host_path(const std::string& path);

}  // namespace excise::sys
