// [[kernel_module]]: kernel modules of the product.
#pragma once

#include "excise/kind.hpp"

namespace excise {

struct KernelModuleSpec : ArtifactSpec {
  // Module names as the kernel knows them ("acme_fsfilter"). The kernel treats '-' and '_'
  // in module names as the same character; detection should too.
  std::vector<Located<std::string>> names;
};

class KernelModuleKind final : public Kind {
 public:
  std::string_view name() const override { return "kernel_module"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
  // One depmod step for every kernel version whose module files the plan removes.
  void finish(DetectContext& context) const override;
};

}  // namespace excise
