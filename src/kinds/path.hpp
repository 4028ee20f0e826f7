// [[path]]: files and directories of the product.
#pragma once

#include "excise/kind.hpp"
#include "playbook/glob.hpp"

namespace excise {

struct PathSpec : ArtifactSpec {
  std::vector<Located<PathGlob>> globs;  // a directory matched goes as a whole
  // Directories removed afterwards only if nothing is left inside (plain absolute paths).
  std::vector<Located<std::string>> prune_empty;
};

class PathKind final : public Kind {
 public:
  std::string_view name() const override { return "path"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
  void finish(DetectContext& context) const override;
};

}  // namespace excise
