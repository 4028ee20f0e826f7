// The phases of a removal, in the order they run (PLAYBOOKS.md, "Phases").
#pragma once

#include <optional>
#include <string_view>

namespace excise {

enum class Phase : int {
  quiesce = 0,
  unload,
  before_packages,
  packages,
  cleanup,
  accounts,
  refresh,
};

inline constexpr Phase kAllPhases[] = {Phase::quiesce,  Phase::unload,  Phase::before_packages,
                                       Phase::packages, Phase::cleanup, Phase::accounts,
                                       Phase::refresh};

std::string_view phase_name(Phase phase);  // "before-packages"
std::optional<Phase> phase_from_name(std::string_view name);

}  // namespace excise
