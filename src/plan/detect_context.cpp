#include "plan/detect_context.hpp"

#include "system/safe_root.hpp"

namespace excise {

void DetectContext::begin_artifact(std::size_t playbook_index, std::size_t artifact_index) {
  playbook_index_ = playbook_index;
  artifact_index_ = artifact_index;
  emitted_ = 0;
}

StepOrigin DetectContext::origin(const SourceLoc& loc) const {
  return {playbook().product.id, artifact().id, loc};
}

void DetectContext::propose(Step step, Proposal proposal) {
  ProposedStep p;
  p.step = std::move(step);
  p.playbook_index = playbook_index_;
  p.artifact_index = artifact_index_;
  p.emit_index = emitted_++;
  p.rank = proposal.rank;
  p.key = proposal.key;
  p.order_name = std::move(proposal.order_name);
  p.after_steps = std::move(proposal.after_steps);
  proposed_.push_back(std::move(p));
}

void DetectContext::conflict(std::string target, std::string reason, const SourceLoc& loc) {
  findings_.conflicts.push_back({std::move(target), std::move(reason), origin(loc)});
}

void DetectContext::block(std::string target, std::string reason, const SourceLoc& loc) {
  findings_.blocked.push_back({std::move(target), std::move(reason), origin(loc)});
}

void DetectContext::note(std::string text, const SourceLoc& loc) {
  findings_.notes.push_back({std::move(text), origin(loc)});
}

void DetectContext::fact(std::string key, std::string value) {
  findings_.facts[std::move(key)] = std::move(value);
}

}  // namespace excise
