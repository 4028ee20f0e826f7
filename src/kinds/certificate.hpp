// [[certificate]]: CA certificates the product put in the root's trust anchors.
#pragma once

#include "excise/kind.hpp"

namespace excise {

namespace sys {
struct Certificate;
}

struct CertificateSpec : ArtifactSpec {
  Located<std::string> subject;  // a text glob on the certificate subject: "Acme Root CA*"
};

// The subject glob matches a certificate when it matches, as a whole, either the value of
// one of its CN attributes ("Acme Root CA") or its whole subject line in the RFC 2253
// form of system/certificates.hpp ("CN=Acme Root CA,O=Acme Ltd,C=US"). Bytes, case
// sensitive, the text-glob syntax of playbook/glob.hpp.
bool certificate_matches(std::string_view subject_glob, const sys::Certificate& certificate);

class CertificateKind final : public Kind {
 public:
  std::string_view name() const override { return "certificate"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
  // One trust store rebuild for every [[certificate]] of every playbook.
  void finish(DetectContext& context) const override;
};

}  // namespace excise
