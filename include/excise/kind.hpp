// An artifact kind: how its table is read, how it is found on a root, and the actions
// that remove it and put it back. Each kind lives in one file of src/kinds/ and is
// listed once in src/kinds/registry.cpp.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "excise/playbook.hpp"

namespace excise {

class FieldReader;    // playbook/field_reader.hpp: typed access to one TOML table
class DetectContext;  // plan/detect_context.hpp: the root, its databases, the findings

class Kind {
 public:
  virtual ~Kind() = default;
  // The TOML table name, e.g. "path" for [[path]].
  virtual std::string_view name() const = 0;
  // Reads the kind's own keys (the loader has taken id and after). Reports problems
  // through the reader; returns null when the table is unusable.
  virtual std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const = 0;
  // False while this build cannot detect the kind: the planner then refuses the
  // playbook with an explicit error instead of silently ignoring the artifact.
  virtual bool detection_built() const = 0;
  // Finds what the artifact names on the target and records steps, conflicts,
  // blocked items and the facts used.
  virtual void detect(const Playbook& playbook, const Artifact& artifact,
                      DetectContext& context) const;
  // Called once after every artifact of every playbook was detected, for decisions that
  // need the whole plan (a directory pruned only if the other steps leave it empty).
  virtual void finish(DetectContext&) const {}
};

const Kind* find_kind(std::string_view name);
std::span<const Kind* const> all_kinds();

}  // namespace excise
