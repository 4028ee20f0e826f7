// The plan as a versioned JSON document (docs/json.md): what `plan --format json` prints
// and what `plan -o FILE` saves for `apply FILE`. Byte strings (targets, paths, fact
// keys and values) are carried with encode_bytes, so the document is always valid UTF-8.
#pragma once

#include <string>

#include "excise/plan.hpp"

namespace excise {

inline constexpr std::string_view kPlanFormat = "excise-plan";

json plan_to_json(const Plan& plan);
// Throws Error(input) naming the file and the offending key when the document is not
// a plan this excise can read.
Plan plan_from_json(const json& document, const std::string& file);

json step_to_json(const Step& step);
Step step_from_json(const json& value, const std::string& where);

}  // namespace excise
