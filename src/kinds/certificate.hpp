// [[certificate]]: CA certificates the product put in the root's trust anchors.
#pragma once

#include "excise/kind.hpp"

namespace excise {

struct CertificateSpec : ArtifactSpec {
  Located<std::string> subject;  // a text glob on the certificate subject: "Acme Root CA*"
};

class CertificateKind final : public Kind {
 public:
  std::string_view name() const override { return "certificate"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return false; }
};

}  // namespace excise
