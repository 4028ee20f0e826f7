// [[kernel_module]] detection, in three parts that kernel_module.cpp runs in turn: the
// module files under /lib/modules (cleanup), the configuration lines that load or
// configure the modules (cleanup), and, on a live root, the loaded modules (unload).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "excise/diagnostics.hpp"
#include "kinds/kernel_module.hpp"

namespace excise {

class DetectContext;

// Where kernel versions keep their modules. kmod 30 (Debian 12) reads /lib/modules only;
// later kmod may use /usr/lib/modules, which is the same directory on a merged-/usr root.
inline constexpr std::string_view kModulesDir = "/lib/modules";
inline constexpr std::string_view kUsrModulesDir = "/usr/lib/modules";

struct ModuleFile {
  std::string path;  // in-root path, as the walk found it
  std::string kver;  // the kernel version directory it is below
  std::string key;   // sys::module_key of the module it holds
};

// The keys (sys::module_key) of the spec's names.
std::set<std::string> module_keys(const KernelModuleSpec& spec);

// Every module file of the named modules below /lib/modules/*/ (any kernel version),
// each given a path.quarantine step unless a package owns it. Returns all it found, owned
// or not: the unload step needs to know whether modprobe could load a module again.
std::vector<ModuleFile> detect_module_files(const KernelModuleSpec& spec, const SourceLoc& loc,
                                            DetectContext& context);

// Lines of modprobe.d, modules-load.d and /etc/modules that load or configure the
// modules: line.remove steps. Blacklist lines are kept, and said so.
void detect_module_config(const KernelModuleSpec& spec, const SourceLoc& loc,
                          DetectContext& context);

// Which lines of a configuration file name a module depends on the file's syntax.
enum class ConfigFlavor {
  modprobe,      // modprobe.d: "options NAME ...", "alias PATTERN NAME", "blacklist NAME"
  modules_load,  // modules-load.d and /etc/modules: "NAME" (Debian: "NAME ARGS")
};
// An ECMAScript regex matching a module name as modprobe does ('-' and '_' alike, every
// other byte literally), and the regex line.remove uses on a file of that flavor.
std::string module_name_pattern(std::string_view name);
std::string module_config_regex(const std::vector<std::string>& names, ConfigFlavor flavor);

// Loaded modules (live roots only): module.unload steps, or why not. `found`: files or
// configuration of the modules were found, so that a root where none can be loaded
// (offline, or a kernel without modules) is worth a note.
void detect_loaded_modules(const KernelModuleSpec& spec, const SourceLoc& loc,
                           const std::vector<ModuleFile>& files, bool found,
                           DetectContext& context);

// After every artifact: the module.depmod step for the kernel versions that lose files.
void propose_depmod(DetectContext& context);

}  // namespace excise
