#include "kinds/user.hpp"

#include "kinds/checks.hpp"
#include "playbook/field_reader.hpp"

namespace excise {

// ---- Reading [[user]] ------------------------------------------------------------------

std::shared_ptr<const ArtifactSpec> UserKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<UserSpec>();
  spec->names = fields.strings("names", Need::required, account_name_check);
  if (fields.failed()) return nullptr;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
