// [[process]]: running processes of the product, identified by their executable.
#pragma once

#include <chrono>

#include "excise/kind.hpp"
#include "playbook/glob.hpp"

namespace excise {

struct ProcessSpec : ArtifactSpec {
  // The identity: the path of the executable (a glob), never the name alone (SAFETY.md S21).
  std::vector<Located<PathGlob>> exe;
  // Optional extra filter on the process name (text globs).
  std::vector<Located<std::string>> names;
  // How long to wait after SIGTERM before SIGKILL.
  Located<std::chrono::seconds> timeout{std::chrono::seconds(10), {}};
};

class ProcessKind final : public Kind {
 public:
  std::string_view name() const override { return "process"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
};

}  // namespace excise
