// One error type for everything a command can fail with. The kind decides the exit code
// (in one place: cli/exit_codes), the message says what and why: "purge acme: dpkg exited 1: ...".
#pragma once

#include <stdexcept>
#include <string>

namespace excise {

enum class Failure {
  usage,        // bad flags or arguments
  input,        // bad playbook, plan file or journal
  system,       // the machine refused an operation
  stale,        // a saved plan no longer matches the system
  locked,       // another run holds the lock
  refused,      // the user said no, or a safety rule said no
  interrupted,  // a signal or a fail point stopped the run
};

class Error : public std::runtime_error {
 public:
  Error(Failure failure, const std::string& message)
      : std::runtime_error(message), failure_(failure) {}
  Failure failure() const { return failure_; }

 private:
  Failure failure_;
};

}  // namespace excise
