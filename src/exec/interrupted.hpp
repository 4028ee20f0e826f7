// Runs killed halfway: before a new apply starts, each such run gets its "end" record
// (status "interrupted"; it can still be rolled back) and the action of its unfinished
// step may tidy what it would have tidied had it finished (stale locks). A run that ended
// at a failed step gets the same tidying.
#pragma once

#include <iosfwd>

#include "plan/target.hpp"

namespace excise {

namespace sys {
class SafeRoot;
class Backend;
}  // namespace sys
class StateDir;

// Whether any run was killed halfway and is not closed yet, or stopped at a failed step
// that left something to tidy (reads only).
bool has_runs_to_close(StateDir& state, const sys::SafeRoot& root, const Target& target,
                       sys::Backend& backend);

// Returns how many runs it closed. A run whose journal is damaged is left alone (and said so).
std::size_t close_interrupted_runs(StateDir& state, const sys::SafeRoot& root, const Target& target,
                                   sys::Backend& backend, std::ostream& log);

}  // namespace excise
