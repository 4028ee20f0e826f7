#include "kinds/certificate.hpp"

#include "playbook/field_reader.hpp"
#include "playbook/glob.hpp"
#include "system/certificates.hpp"

namespace excise {

// ---- Reading [[certificate]] --------------------------------------------------------

namespace {

std::string subject_check(std::string_view subject) {
  if (auto problem = text_glob_problem(subject); !problem.empty()) return problem;
  if (is_broad_pattern(subject)) return "would match every certificate";
  return {};
}

}  // namespace

std::shared_ptr<const ArtifactSpec> CertificateKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<CertificateSpec>();
  auto subject = fields.string("subject", Need::required, subject_check);
  if (fields.failed() || !subject) return nullptr;
  spec->subject = *subject;
  return spec;
}

bool certificate_matches(std::string_view subject_glob, const sys::Certificate& certificate) {
  if (match_text_glob(subject_glob, certificate.subject)) return true;
  for (const auto& cn : certificate.common_names) {
    if (match_text_glob(subject_glob, cn)) return true;
  }
  return false;
}

}  // namespace excise
