// The plan: ordered steps, each with its reason and origin, plus what is kept and why.
// A plan is data: printable, comparable in tests, saved as JSON, and checked against
// the system's facts again before it is applied.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "excise/diagnostics.hpp"
#include "excise/phase.hpp"

namespace excise {

using json = nlohmann::json;

// Where a step or finding comes from: product, artifact and the playbook line.
struct StepOrigin {
  std::string product;   // product id
  std::string artifact;  // artifact id
  SourceLoc loc;         // the glob, name or table that produced it
  friend bool operator==(const StepOrigin&, const StepOrigin&) = default;
};

struct Step {
  Phase phase = Phase::cleanup;
  std::string action;  // registered action, e.g. "path.quarantine"
  std::string target;  // what it acts on, as bytes (a path, a package, a unit...)
  std::string reason;  // why, for people
  bool reversible = true;
  std::string irreversible_why;  // set when !reversible
  StepOrigin origin;
  json params = json::object();  // everything the action needs; bytes encoded with encode_bytes
  friend bool operator==(const Step&, const Step&) = default;
};

// Found, but kept on purpose (e.g. a file another package owns). Not banned content.
struct Conflict {
  std::string target;
  std::string reason;
  StepOrigin origin;
  friend bool operator==(const Conflict&, const Conflict&) = default;
};

// Banned content that is present but will not be removed as things stand (a mount
// point inside it, an unsafe path, a package other packages need...).
struct Blocked {
  std::string target;
  std::string reason;
  StepOrigin origin;
  friend bool operator==(const Blocked&, const Blocked&) = default;
};

// Something worth saying that is neither a step nor a problem ("stop skipped: offline root").
struct Note {
  std::string text;
  StepOrigin origin;
  friend bool operator==(const Note&, const Note&) = default;
};

struct PlaybookRef {
  std::string product;
  std::string name;
  std::string path;
  std::string sha256;
  friend bool operator==(const PlaybookRef&, const PlaybookRef&) = default;
};

struct Plan {
  static constexpr int kFormatVersion = 1;
  std::string root;      // the target root as given (bytes)
  bool live = false;     // a running system (root is "/"), not an offline image
  bool systemd = false;  // PID 1 is systemd (live only)
  std::string created;   // UTC, ISO 8601
  std::vector<PlaybookRef> playbooks;
  std::vector<Step> steps;  // in execution order
  std::vector<Conflict> conflicts;
  std::vector<Blocked> blocked;
  std::vector<Note> notes;
  // Every fact the plan relied on, key -> value ("path /opt/acme" -> "dir 2049:131 0755 0:0").
  std::map<std::string, std::string> facts;
};

struct PlanSummary {
  std::size_t steps = 0;
  std::size_t irreversible = 0;
  std::size_t conflicts = 0;
  std::size_t blocked = 0;
  std::map<Phase, std::size_t> by_phase;
};
PlanSummary summarize(const Plan& plan);

// Exit code of `excise plan`: 0 nothing banned found, 2 something to remove or blocked.
int plan_exit_code(const Plan& plan);

}  // namespace excise
