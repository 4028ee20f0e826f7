#include "exec/residue.hpp"

#include <string>

#include "exec/run_state.hpp"
#include "exec/run_store.hpp"
#include "system/backend.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

bool belongs_to(std::string_view name, const std::string& seq) {
  return name.substr(0, seq.size()) == seq &&
         (name.size() == seq.size() || name[seq.size()] == '.');
}

// Plain unlinks, deepest first (see residue.hpp: never remove_file on a shared inode).
void drop_all(const sys::Dir& in, const std::string& name, sys::Backend& backend) {
  const auto st = in.stat_at(name);
  if (!st) return;
  if (st->is_dir()) {
    const sys::Dir dir = in.dir_at(name);
    for (const auto& entry : dir.entries())
      drop_all(dir, entry.name, backend);
    backend.remove_empty_dir(in, name);
  } else {
    backend.drop_link(in, name);
  }
}

}  // namespace

void discard_prepared(const Step& step, std::size_t seq, ExecContext& context) {
  if (!context.backend.writes()) return;  // a dry run reports undo steps only
  context.seq = seq;
  const sys::Dir& q = context.run.quarantine();
  if (q.is_open()) {
    const std::string prefix = std::to_string(seq);
    bool dropped = false;
    for (const auto& entry : q.entries()) {
      if (!belongs_to(entry.name, prefix)) continue;
      drop_all(q, entry.name, context.backend);
      dropped = true;
    }
    if (dropped) context.backend.sync(q);
  }
  if (const Action* action = find_action(step.action)) action->abandon(step, context);
}

void discard_prepared(const RunState& run, ExecContext& context) {
  if (run.preparing) discard_prepared(*run.preparing, run.preparing_seq, context);
  // A blob being kept when the run was killed (before its rename) left its temporary.
  if (context.backend.writes() && context.run.blobs().is_open())
    sys::remove_stale_temps(context.run.blobs(), context.earlier_pids);
}

}  // namespace excise
