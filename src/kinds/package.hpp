// [[package]]: packages of the product, removed through the package manager.
#pragma once

#include "excise/kind.hpp"

namespace excise {

struct PackageSpec : ArtifactSpec {
  enum class Manager { automatic, dpkg, rpm };
  enum class Scripts { run, skip };
  struct Name {
    std::string name;  // "acme-agent"
    std::string arch;  // "amd64" from "acme-agent:amd64", or ""
  };
  std::vector<Located<Name>> names;  // any order: removal goes dependents first
  Located<Manager> manager{Manager::automatic, {}};
  Located<Scripts> scripts{Scripts::run, {}};  // skip: never run the maintainer scripts
};

class PackageKind final : public Kind {
 public:
  std::string_view name() const override { return "package"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
  // Purges that run the vendor's scripts learn what to protect from them (package_protect.hpp).
  void finish(DetectContext& context) const override;
};

}  // namespace excise
