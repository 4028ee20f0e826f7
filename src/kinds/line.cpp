#include "kinds/line.hpp"

#include "kinds/checks.hpp"
#include "playbook/field_reader.hpp"
#include "playbook/regex_check.hpp"

namespace excise {

// ---- Reading [[line]] ---------------------------------------------------------------

std::shared_ptr<const ArtifactSpec> LineKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<LineSpec>();
  auto file = fields.string("file", Need::required, plain_path_check);
  auto match = fields.string("match", Need::required, regex_problem);
  if (fields.failed() || !file || !match) return nullptr;
  spec->file = *file;
  spec->match = *match;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
