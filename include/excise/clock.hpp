// The time, as excise writes it in plans and journals: UTC, ISO 8601, to the second.
#pragma once

#include <string>

namespace excise {

std::string utc_now();          // "2026-11-27T19:05:12Z"
std::string utc_now_compact();  // "20261127T190512Z", for run ids (sorts in time order)

}  // namespace excise
