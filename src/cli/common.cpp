#include "cli/common.hpp"

#include <unistd.h>

#include <iostream>
#include <string>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "system/safe_root.hpp"

namespace excise {

std::vector<CatalogueDir> catalogue_dirs(const GlobalOptions& options) {
  if (options.catalogue_dirs.empty()) return default_catalogue_dirs();
  std::vector<CatalogueDir> dirs;
  for (const auto& dir : options.catalogue_dirs)
    dirs.push_back({dir, Origin::local});
  return dirs;
}

std::vector<Playbook> load_requested_playbooks(const GlobalOptions& options,
                                               const std::vector<std::string>& args) {
  Diagnostics diags;
  Selection selection = select_playbooks(args, catalogue_dirs(options), diags);
  if (!diags.empty())
    throw Error(Failure::input, "playbook errors, nothing was done:\n" + diags.str());
  if (selection.playbooks.empty()) {
    throw Error(Failure::usage, "no playbooks: the catalogue is empty and none were named");
  }
  return std::move(selection.playbooks);
}

sys::SafeRoot open_root(const GlobalOptions& options) {
  if (options.root.empty() || options.root[0] != '/') {
    throw Error(Failure::usage, "--root must be an absolute path: " + shown(options.root));
  }
  try {
    return sys::SafeRoot(options.root);
  } catch (const Error& e) {
    throw Error(Failure::usage, "--root " + shown(options.root) + ": " + e.what());
  }
}

bool confirm(const std::string& question, const std::string& needs_flag) {
  if (!::isatty(STDIN_FILENO)) {
    throw Error(Failure::usage, "confirmation needed but stdin is not a terminal: pass " +
                                    needs_flag + " to go ahead without asking");
  }
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES" || answer == "Yes";
}

}  // namespace excise
