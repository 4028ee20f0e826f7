// File metadata in journals: mode, owner, times (ns) and xattrs, exact.
#pragma once

#include <nlohmann/json.hpp>

#include "system/fd.hpp"

namespace excise {

nlohmann::json meta_to_json(const sys::FileMeta& meta);
sys::FileMeta meta_from_json(const nlohmann::json& j);

}  // namespace excise
