// The [Install] section of a unit file: what `systemctl enable` creates for it, and so
// what the planner cites when it explains why a unit starts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace excise::sys {

struct InstallSection {
  std::vector<std::string> wanted_by;    // WantedBy=   -> <target>.wants/<unit>
  std::vector<std::string> required_by;  // RequiredBy= -> <target>.requires/<unit>
  std::vector<std::string> upheld_by;    // UpheldBy=   -> <target>.upholds/<unit>
  std::vector<std::string> alias;        // Alias=      -> <alias> -> unit file
  std::vector<std::string> also;  // Also=       units enabled alongside (specifiers expanded)
  std::string default_instance;   // DefaultInstance= (templates only)

  // systemd's install_info_has_rules: enabling would create a link.
  bool has_rules() const {
    return !wanted_by.empty() || !required_by.empty() || !upheld_by.empty() || !alias.empty();
  }
  friend bool operator==(const InstallSection&, const InstallSection&) = default;
};

// Adds the [Install] settings found in `text` (a unit file or a drop-in) to `into`, with
// systemd's parsing rules: comments, continuation lines, one setting appending its
// space-separated words, an empty assignment resetting the list. Also= and
// DefaultInstance= get the specifiers %n %N %p %i %j %% expanded for `unit_name`, as
// systemd does when it reads them; the other lists keep their raw words.
void parse_install_section(std::string_view text, std::string_view unit_name, InstallSection& into);

// %n %N %p %i %j %% for `unit_name`; other specifiers are kept as written.
std::string expand_unit_specifiers(std::string_view word, std::string_view unit_name);

}  // namespace excise::sys
