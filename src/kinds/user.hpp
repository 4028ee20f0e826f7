// [[user]]: user accounts of the product (the accounts phase removes users first).
#pragma once

#include "excise/kind.hpp"

namespace excise {

struct UserSpec : ArtifactSpec {
  std::vector<Located<std::string>> names;
};

class UserKind final : public Kind {
 public:
  std::string_view name() const override { return "user"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
};

}  // namespace excise
