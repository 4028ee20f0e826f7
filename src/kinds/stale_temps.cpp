#include "kinds/stale_temps.hpp"

#include "system/backend.hpp"
#include "system/tree.hpp"

namespace excise {

bool drop_stale_temps(const sys::Dir& dir, ExecContext& context) {
  if (!context.backend.writes() || sys::remove_stale_temps(dir, context.earlier_pids) == 0)
    return false;
  context.changed = true;
  return true;
}

bool has_stale_temps(const sys::Dir& dir, const ExecContext& context) {
  return sys::has_stale_temps(dir, context.earlier_pids);
}

}  // namespace excise
