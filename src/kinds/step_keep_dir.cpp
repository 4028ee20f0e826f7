#include "kinds/step_keep_dir.hpp"

#include "exec/run_store.hpp"
#include "system/backend.hpp"

namespace excise {

sys::Dir step_keep_dir(ExecContext& context, const std::string& suffix, bool create) {
  const sys::Dir& q = context.run.quarantine();
  const std::string name = std::to_string(context.seq) + "." + suffix;
  if (!q.is_open()) return sys::Dir::placeholder(q.child_path(name));
  if (create && !q.stat_at(name)) {
    sys::FileMeta meta;
    meta.mode = 0700;
    context.backend.make_dir(q, name, meta);
  }
  if (!q.stat_at(name)) return sys::Dir::placeholder(q.child_path(name));
  return q.dir_at(name);
}

}  // namespace excise
