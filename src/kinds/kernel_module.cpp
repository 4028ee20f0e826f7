#include "kinds/kernel_module.hpp"

#include "playbook/field_reader.hpp"

namespace excise {

// ---- Reading [[kernel_module]] ------------------------------------------------------

namespace {

std::string module_check(std::string_view name) {
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '-')) {
      return "expected a kernel module name: letters, digits, '_' and '-'";
    }
  }
  // MODULE_NAME_LEN is 64 - sizeof(unsigned long): 55 bytes and the NUL.
  if (name.size() > 55) return "a kernel module name is at most 55 bytes";
  return {};
}

}  // namespace

std::shared_ptr<const ArtifactSpec> KernelModuleKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<KernelModuleSpec>();
  spec->names = fields.strings("names", Need::required, module_check);
  if (fields.failed()) return nullptr;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
