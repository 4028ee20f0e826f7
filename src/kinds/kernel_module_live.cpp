#include "kinds/kernel_module_live.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "excise/error.hpp"
#include "system/safe_root.hpp"

namespace excise {

std::optional<sys::ModuleTable> read_module_table(const sys::SafeRoot& root) {
  const auto text = root.read_file("/proc/modules", 64u << 20);
  if (!text) return std::nullopt;
  sys::ModuleTable table = sys::parse_proc_modules(*text);
  if (!table.bad_lines.empty()) {
    throw Error(Failure::system,
                fmt::format("/proc/modules line {} does not have the format this excise reads "
                            "(name size refcount users state address [taints])",
                            table.bad_lines.front()));
  }
  return table;
}

std::vector<std::string> module_holders(const sys::SafeRoot& root,
                                        const sys::LoadedModule& module) {
  std::vector<std::string> holders = module.users;
  const bool plain = module.name.find('/') == std::string::npos && module.name != "." &&
                     module.name != ".." && !module.name.empty();
  if (auto dir = plain ? root.open_dir("/sys/module/" + module.name + "/holders")
                       : std::optional<sys::Dir>()) {
    for (const auto& entry : dir->entries())
      holders.push_back(entry.name);
  }
  std::sort(holders.begin(), holders.end());
  holders.erase(std::unique(holders.begin(), holders.end()), holders.end());
  return holders;
}

std::optional<std::string> running_release(const sys::SafeRoot& root) {
  try {
    auto text = root.read_file("/proc/sys/kernel/osrelease", 4096);
    if (!text) return std::nullopt;
    while (!text->empty() && (text->back() == '\n' || text->back() == ' '))
      text->pop_back();
    if (text->empty() || text->find('/') != std::string::npos) return std::nullopt;
    return text;
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace excise
