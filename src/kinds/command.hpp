// [[command]]: a program the playbook runs, such as the vendor's uninstaller. Needs an id.
#pragma once

#include <chrono>
#include <optional>

#include "excise/kind.hpp"
#include "excise/phase.hpp"

namespace excise {

struct CommandSpec : ArtifactSpec {
  std::vector<Located<std::string>> run;  // argv, run[0] absolute; never a shell string
  Located<Phase> phase{Phase::before_packages, {}};
  std::optional<Located<std::string>> if_exists;  // run only when this path exists
  Located<std::chrono::seconds> timeout{std::chrono::seconds(300), {}};
  std::vector<Located<std::string>> undo;  // argv; empty: the step cannot be undone

  bool undoable() const { return !undo.empty(); }
};

class CommandKind final : public Kind {
 public:
  std::string_view name() const override { return "command"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
};

}  // namespace excise
