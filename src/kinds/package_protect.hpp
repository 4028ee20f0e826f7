// A vendor's maintainer scripts may change things outside the package's own files: a
// postrm that deletes /var/lib/acme or runs userdel. When scripts run, the purge step
// first keeps pre-images of everything in the plan's scope that they could touch (the
// paths the plan removes, the homes of the accounts it removes, the account files, and
// the usual script state: debconf, ucf, alternatives, deb-systemd-helper), so rollback
// can put that back too. Trees are kept by hard links (the inode survives an unlink or a
// replace-by-rename), small files by content.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exec/action.hpp"

namespace excise {

// The well-known places maintainer scripts change, protected on every scripted purge.
std::vector<std::string> script_state_paths();

// Keeps pre-images of `paths` in quarantine/<seq>/protect/ and blobs; returns undo data.
json protect_paths(const std::vector<std::string>& paths, ExecContext& context);
// After the purge: records what the scripts left in each protected file (for the
// three-way restore of account files).
void note_after_scripts(json& protected_undo, ExecContext& context);
// Puts back what the scripts removed or changed and is still as they left it.
void restore_protected(const json& protected_undo, ExecContext& context);

}  // namespace excise
