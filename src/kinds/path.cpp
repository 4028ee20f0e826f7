#include "kinds/path.hpp"

#include "kinds/checks.hpp"
#include "playbook/field_reader.hpp"

namespace excise {

// ---- Reading [[path]] ---------------------------------------------------------------

std::shared_ptr<const ArtifactSpec> PathKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<PathSpec>();
  for (auto& glob : fields.strings("globs", Need::required, removal_glob_check)) {
    spec->globs.push_back({parse_path_glob(glob.value), glob.loc});
  }
  spec->prune_empty = fields.strings("prune_empty", Need::optional, removal_path_check);
  if (fields.failed()) return nullptr;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
