#include "excise/phase.hpp"

namespace excise {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::quiesce:
      return "quiesce";
    case Phase::unload:
      return "unload";
    case Phase::before_packages:
      return "before-packages";
    case Phase::packages:
      return "packages";
    case Phase::cleanup:
      return "cleanup";
    case Phase::accounts:
      return "accounts";
    case Phase::refresh:
      return "refresh";
  }
  return "unknown";
}

std::optional<Phase> phase_from_name(std::string_view name) {
  for (Phase phase : kAllPhases) {
    if (phase_name(phase) == name) return phase;
  }
  return std::nullopt;
}

}  // namespace excise
