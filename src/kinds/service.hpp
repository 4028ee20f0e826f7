// [[service]]: the product's systemd units and SysV init scripts.
#pragma once

#include "excise/kind.hpp"

namespace excise {

struct ServiceSpec : ArtifactSpec {
  // Unit names, globs allowed in the name but not in the type suffix: "acme-agent.service",
  // "acme-*.timer". A backslash is the glob escape: a unit name that holds a literal one
  // ("foo\x2dbar.service") needs it doubled in the glob.
  std::vector<Located<std::string>> units;
  // Script names: etc/init.d/NAME and the etc/rc?.d links to it.
  std::vector<Located<std::string>> init_scripts;
};

class ServiceKind final : public Kind {
 public:
  std::string_view name() const override { return "service"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
};

}  // namespace excise
