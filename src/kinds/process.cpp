#include "kinds/process.hpp"

#include "kinds/checks.hpp"
#include "playbook/field_reader.hpp"

namespace excise {

// ---- Reading [[process]] ------------------------------------------------------------

std::shared_ptr<const ArtifactSpec> ProcessKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<ProcessSpec>();
  for (auto& exe : fields.strings("exe", Need::required, removal_glob_check)) {
    spec->exe.push_back({parse_path_glob(exe.value), exe.loc});
  }
  spec->names = fields.strings("names", Need::optional, text_glob_problem);
  spec->timeout = fields.duration("timeout", std::chrono::seconds(10));
  if (fields.failed()) return nullptr;
  return spec;
}

}  // namespace excise
