// What the running kernel says about its modules, read through the target root (on a
// live root, the host's "/"): /proc/modules, /sys/module/NAME/holders, the release.
// Only ever read on live roots: an offline root runs no kernel.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "system/kernel_modules.hpp"

namespace excise {

namespace sys {
class SafeRoot;
}

// nullopt when /proc/modules does not exist: a kernel built without loadable module
// support (CONFIG_MODULES off) has none, and nothing to unload. Throws Error(system) when
// it cannot be read or a line does not parse (a table we do not understand is not
// guessed at).
std::optional<sys::ModuleTable> read_module_table(const sys::SafeRoot& root);

// The modules that hold `module`: the users /proc/modules lists, and the entries of
// /sys/module/NAME/holders, each once, sorted.
std::vector<std::string> module_holders(const sys::SafeRoot& root, const sys::LoadedModule& module);

// The running kernel's release (/proc/sys/kernel/osrelease): the directory of
// /lib/modules that modprobe loads from. nullopt when it cannot be read.
std::optional<std::string> running_release(const sys::SafeRoot& root);

}  // namespace excise
