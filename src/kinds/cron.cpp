#include "kinds/cron.hpp"

#include "playbook/field_reader.hpp"
#include "playbook/regex_check.hpp"

namespace excise {

// ---- Reading [[cron]] ---------------------------------------------------------------

std::shared_ptr<const ArtifactSpec> CronKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<CronSpec>();
  auto match = fields.string("match", Need::required, regex_problem);
  if (fields.failed() || !match) return nullptr;
  spec->match = *match;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
