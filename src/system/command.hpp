// Runs an external tool (dpkg, systemctl...) with an argv, never a shell: LC_ALL=C,
// stdin from /dev/null, a timeout, and its output captured for error messages.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace excise::sys {

struct Command {
  std::vector<std::string> argv;  // argv[0] is searched in PATH when it has no '/'
  std::vector<std::string> env;   // extra "KEY=VALUE" entries on top of a clean base
  std::chrono::seconds timeout{600};
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal or not started
  int signal = 0;      // the signal that ended it, 0 if none
  bool timed_out = false;
  std::chrono::seconds timeout{0};  // the limit that was reached, when timed_out
  bool simulated = false;           // dry-run: nothing was run
  std::string out;
  std::string err;

  bool ok() const { return exit_code == 0 && !timed_out; }
  // "exited 1: <last lines of stderr>" / "killed by signal 9" / "timed out after 600s"
  std::string describe() const;
};

// Throws Error(system) only when the program cannot be started at all (not found in
// PATH, not executable). A timeout of zero means none. More than 256 MiB on one stream
// kills the command (reported as signal 9, with a note at the end of `err`).
CommandResult run_command(const Command& command);

// "dpkg --root /mnt --purge acme" with each argument shell-quoted when needed (for logs).
std::string show_command(const std::vector<std::string>& argv);

}  // namespace excise::sys
