// [[kernel_module]]: the product's kernel modules, by name. Detection is in three parts
// (kinds/kernel_module_detect.hpp): module files (cleanup, path.quarantine), configuration
// lines (cleanup, line.remove) and, on a live root, loaded modules (unload, module.unload);
// finish() adds one module.depmod step (refresh) for the kernel versions that lose files.
#include "kinds/kernel_module.hpp"

#include "kinds/kernel_module_detect.hpp"
#include "plan/detect_context.hpp"
#include "playbook/field_reader.hpp"
#include "system/kernel_modules.hpp"

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

// ---- Detection -------------------------------------------------------------------------

std::set<std::string> module_keys(const KernelModuleSpec& spec) {
  std::set<std::string> keys;
  for (const auto& name : spec.names)
    keys.insert(sys::module_key(name.value));
  return keys;
}

// Files first: whether an unloaded module could be loaded again on rollback depends on
// its file for the running kernel.
void KernelModuleKind::detect(const Playbook&, const Artifact& artifact,
                              DetectContext& context) const {
  const auto& spec = static_cast<const KernelModuleSpec&>(*artifact.spec);
  const auto findings = [&] {
    return context.proposed().size() + context.findings().blocked.size() +
           context.findings().conflicts.size();
  };
  const std::size_t before = findings();
  const auto files = detect_module_files(spec, artifact.loc, context);
  detect_module_config(spec, artifact.loc, context);
  const bool found = !files.empty() || findings() > before;
  detect_loaded_modules(spec, artifact.loc, files, found, context);
}

void KernelModuleKind::finish(DetectContext& context) const {
  propose_depmod(context);
}

}  // namespace excise
