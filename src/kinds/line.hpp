// [[line]]: lines of a file that the product added (e.g. /etc/ld.so.preload).
#pragma once

#include "excise/kind.hpp"

namespace excise {

struct LineSpec : ArtifactSpec {
  Located<std::string> file;   // a plain absolute path
  Located<std::string> match;  // ECMAScript regex; every line it matches goes
};

class LineKind final : public Kind {
 public:
  std::string_view name() const override { return "line"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
};

}  // namespace excise
