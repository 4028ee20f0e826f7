#include "kinds/group.hpp"

#include "kinds/checks.hpp"
#include "playbook/field_reader.hpp"

namespace excise {

// ---- Reading [[group]] -----------------------------------------------------------------

std::shared_ptr<const ArtifactSpec> GroupKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<GroupSpec>();
  spec->names = fields.strings("names", Need::required, account_name_check);
  if (fields.failed()) return nullptr;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
