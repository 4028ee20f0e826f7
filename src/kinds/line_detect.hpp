// Reading a file whose lines a kind removes with line.remove ([[line]], [[cron]], the
// configuration lines of [[kernel_module]]).
#pragma once

#include <optional>
#include <string>

#include "excise/diagnostics.hpp"

namespace excise {

class DetectContext;

// The content of `path` in the target root when its lines may be edited: a regular file
// (a symlink is not edited: the edit would land wherever it points) of at most 16 MiB.
// nullopt when it does not exist, or when it is blocked (the reason goes in the plan).
std::optional<std::string> read_editable(const std::string& path, const SourceLoc& loc,
                                         DetectContext& context);

}  // namespace excise
