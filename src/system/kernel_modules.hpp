// Kernel modules as the system describes them, parsed natively and purely: module names
// and file names, /proc/modules, and the directives of modprobe.d and modules-load.d
// files. Nothing here touches the system, so every odd case is a table test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace excise::sys {

// The key a module is known by: '-' and '_' are the same character in module names (the
// kernel's module loader and kmod turn every '-' into '_'), so "acme-fs" is "acme_fs".
std::string module_key(std::string_view name);

// The key of a module file's name ("acme-fs.ko.xz" -> "acme_fs"): the name before one of
// the suffixes kmod loads (.ko, .ko.gz, .ko.xz, .ko.zst). nullopt for any other name.
std::optional<std::string> module_file_key(std::string_view file_name);

// One line of /proc/modules (kernel/module/procfs.c):
//   "name size refcount users state address [taints]"
// where users is "-" or a list with a trailing comma ("a,b,"), which may hold
// "[permanent]," (a module without an exit function), and refcount is "-" when the
// kernel cannot unload modules at all (CONFIG_MODULE_UNLOAD off).
struct LoadedModule {
  std::string name;
  std::uint64_t size = 0;
  std::optional<long> refcount;    // nullopt: "-", the kernel cannot unload it
  std::vector<std::string> users;  // the modules that use it (its holders)
  bool permanent = false;          // "[permanent]": it can never be unloaded
  std::string state;               // "Live", "Loading" or "Unloading"
  friend bool operator==(const LoadedModule&, const LoadedModule&) = default;
};

// nullopt for a line that does not have that shape: never a guess.
std::optional<LoadedModule> parse_proc_modules_line(std::string_view line);

struct ModuleTable {
  std::vector<LoadedModule> modules;   // in the file's order
  std::vector<std::size_t> bad_lines;  // 1-based numbers of the lines that did not parse
  // By key: "acme-fs" finds "acme_fs".
  const LoadedModule* find(std::string_view name) const;
};
ModuleTable parse_proc_modules(std::string_view text);

// One directive of a modprobe.d file, as kmod reads it (libkmod-config.c): a line that
// ends in a backslash continues on the next; a line whose first byte is '#' is a comment;
// words are separated by spaces and tabs.
struct ModprobeDirective {
  std::size_t first_line = 0;  // 0-based index of its first physical line
  std::size_t line_count = 1;  // physical lines it spans
  std::vector<std::string> words;
  friend bool operator==(const ModprobeDirective&, const ModprobeDirective&) = default;
};
std::vector<ModprobeDirective> parse_modprobe_conf(std::string_view text);

// The module a line of a modules-load.d file or of Debian's /etc/modules names: its first
// word once blanks are stripped. nullopt for blank lines and comments ('#' or ';'). Debian
// allows arguments after the name in /etc/modules; systemd-modules-load does not.
std::optional<std::string> modules_load_entry(std::string_view line);

}  // namespace excise::sys
