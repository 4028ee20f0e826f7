// [[cron]]: cron entries of the product (etc/crontab, etc/cron.d/*, the crontab spool).
#pragma once

#include "excise/kind.hpp"

namespace excise {

struct CronSpec : ArtifactSpec {
  Located<std::string> match;  // ECMAScript regex; every matching entry goes
};

class CronKind final : public Kind {
 public:
  std::string_view name() const override { return "cron"; }
  std::shared_ptr<const ArtifactSpec> parse(FieldReader& fields) const override;
  bool detection_built() const override { return true; }
  void detect(const Playbook& playbook, const Artifact& artifact,
              DetectContext& context) const override;
};

}  // namespace excise
