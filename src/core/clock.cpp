#include "excise/clock.hpp"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace excise {
namespace {

std::tm now_tm() {
  return fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()));
}

}  // namespace

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now_tm());
}
std::string utc_now_compact() {
  return fmt::format("{:%Y%m%dT%H%M%SZ}", now_tm());
}

}  // namespace excise
