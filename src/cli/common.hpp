// What every subcommand shares: the global options, finding and loading playbooks,
// opening the target root, asking for confirmation, and printing errors.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "excise/playbook.hpp"
#include "playbook/catalogue.hpp"

namespace excise {

namespace sys {
class SafeRoot;
}

enum class OutputFormat { text, json };

struct GlobalOptions {
  std::string root = "/";
  std::string state_dir;                    // empty: <root>/var/lib/excise
  std::vector<std::string> catalogue_dirs;  // empty: the shipped one plus /etc/excise/playbooks.d
  OutputFormat format = OutputFormat::text;
  int verbosity = 0;
  std::string command_line;  // for journals
};

// The catalogue directories in effect: --catalogue DIR (repeatable) replaces the
// default ones (the shipped playbooks and /etc/excise/playbooks.d).
std::vector<CatalogueDir> catalogue_dirs(const GlobalOptions& options);

// Resolves arguments (files or product ids; none = the whole catalogue) and loads them.
// Throws Error(input) carrying every diagnostic when anything is wrong.
std::vector<Playbook> load_requested_playbooks(const GlobalOptions& options,
                                               const std::vector<std::string>& args);

// Opens the target root; throws Error(usage) when it is not a directory.
sys::SafeRoot open_root(const GlobalOptions& options);

// Asks on the terminal; returns false on anything but y/yes. Throws Error(usage) when
// stdin is not a terminal: nobody can answer, so the caller needs --yes.
bool confirm(const std::string& question, const std::string& needs_flag);

}  // namespace excise
