// Named fail points for crash and fault testing (SAFETY.md S13, S14): code calls
// fail_point("journal.after-sync") at the moments a crash or an I/O error matters, and a
// test harness decides, through the environment only, which hit of which point fails:
//
//   EXCISE_FAIL_POINTS="journal.after-sync:3=kill,step.before-act:2+=eio"
//
// Each entry is name:N=action: at the Nth hit of that point (counted from 1 in this
// process) do the action; "N+" means the Nth and every later hit (a permanent fault, as
// SQLite's I/O tests run "fail once" and "fail forever"). Actions:
//   kill    raise SIGKILL on this process (a crash: no unwinding, no flushing)
//   eio     throw Error(system, "fail point <name>: injected EIO")
//   enospc  throw Error(system, "fail point <name>: injected ENOSPC")
//   exit    _exit(99)
// Point names are free-form (letters, digits, '.', '-', '_'); a name nobody hits is
// accepted, since the points belong to whoever calls them.
//
// The variable is read once, at the first hit. When it is unset or empty a hit costs one
// initialised-static check and one branch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace excise {

namespace fail_points {

enum class Action { kill, eio, enospc, exit };

struct Rule {
  std::string name;
  std::uint64_t hit = 0;   // 1-based
  bool and_later = false;  // "N+": this hit and every later one
  Action action = Action::eio;
  friend bool operator==(const Rule&, const Rule&) = default;
};

inline constexpr std::string_view kVariable = "EXCISE_FAIL_POINTS";

// Parses the variable's syntax. Throws Error(usage) naming the bad entry.
std::vector<Rule> parse(std::string_view text);

// Reads the variable now if nothing has yet, so that a malformed value is reported as a
// usage error before a run starts rather than at its first fail point.
void check_environment();

// For tests: forget counters and read the variable again (setenv, then reload).
void reload_from_environment();

// How many times `name` was hit since the variable was read; always 0 when disabled.
std::uint64_t hit_count(std::string_view name);

bool enabled();
void hit(std::string_view name);  // the slow path: count, then act if a rule says so

}  // namespace fail_points

inline void fail_point(std::string_view name) {
  if (fail_points::enabled()) fail_points::hit(name);
}

}  // namespace excise
