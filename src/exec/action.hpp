// An action removes one kind of thing and puts it back. The executor calls, for each
// step: prepare (capture what undo needs: pre-images, quarantine names) -> journal
// "begin" (durable) -> apply -> journal "done"; and for rollback: undo, newest first.
// undo must be idempotent and must cope with a step that was interrupted anywhere
// between "begin" and "done": it looks at the system and puts back only what is gone.
// prepare must not change the system: it may only keep things in the run (blobs, and
// quarantine entries named "<seq>" or "<seq>.<something>", which exec/residue.hpp drops
// when the run stops before "begin") and take locks it releases in abandon.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "excise/plan.hpp"
#include "plan/target.hpp"

namespace excise {

using json = nlohmann::json;

namespace sys {
class SafeRoot;
class Backend;
}  // namespace sys
class RunDir;

struct ExecContext {
  ExecContext(const sys::SafeRoot& root_, sys::Backend& backend_, RunDir& run_,
              const Target& target_, std::ostream& log_)
      : root(root_), backend(backend_), run(run_), target(target_), log(log_) {}

  const sys::SafeRoot& root;
  sys::Backend& backend;  // every change goes through it (dry-run changes nothing)
  RunDir& run;            // quarantine and pre-image blobs of this run
  const Target& target;
  std::ostream& log;    // detail lines for people (stderr)
  std::size_t seq = 0;  // the step being run, 1-based
  // What the step wants said in the report: conflicts met, things already gone.
  std::vector<std::string> notes;
  bool changed = false;  // set by apply/undo when they changed something
  // What a step keeps from prepare to apply (a lock it took to read pre-images that must
  // still hold when it writes). The executor drops it when the step ends.
  std::shared_ptr<void> held;
  // The processes that ran this run before (its journal's "pid" fields) when undoing or
  // settling it: one may have died holding a lock, leaving a file named after its PID.
  std::vector<std::int64_t> earlier_pids;
};

class Action {
 public:
  virtual ~Action() = default;
  virtual std::string_view name() const = 0;
  virtual json prepare(const Step&, ExecContext&) const { return json::object(); }
  // May update `undo` with what it learned while acting (it is journaled with "done").
  virtual void apply(const Step& step, json& undo, ExecContext& context) const = 0;
  virtual void undo(const Step& step, const json& undo, ExecContext& context) const = 0;
  // The run was killed while this step was under way and a new apply is starting: tidy
  // what a finished step would have tidied (locks left behind), without undoing anything.
  // Also called for a run that ended at a failed step, when needs_settling says so.
  virtual void settle(const Step&, const json&, ExecContext&) const {}
  // Whether settle has something to do (reads only): lets an apply with nothing else to do
  // write nothing at all.
  virtual bool needs_settling(const Step&, const json&, ExecContext&) const { return false; }
  // The run stopped after this step's prepare started but before its "begin" record was
  // durable: release what prepare took outside the quarantine (locks). Idempotent.
  virtual void abandon(const Step&, ExecContext&) const {}
};

// Actions are registered next to the kinds (src/kinds/registry.cpp).
const Action* find_action(std::string_view name);

}  // namespace excise
