// [[group]]: groups of the product (the accounts phase removes them after users).
#pragma once

#include "excise/kind.hpp"

namespace excise {

struct GroupSpec : ArtifactSpec {
  std::vector<Located<std::string>> names;
};

class GroupKind final : public Kind {
 public:
  std::string_view name() const override { return "group"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
};

}  // namespace excise
