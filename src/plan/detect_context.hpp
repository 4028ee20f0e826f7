// What a kind's detect() sees and where it puts what it found. The planner sets the
// current playbook and artifact before each call, so findings carry their origin.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "excise/plan.hpp"
#include "excise/playbook.hpp"
#include "plan/ordering.hpp"
#include "plan/target.hpp"

namespace excise {

namespace sys {
class SafeRoot;
class DpkgDatabase;
struct AccountFiles;
struct ProcessTable;
}  // namespace sys

struct Proposal {
  int rank = 0;
  std::int64_t key = 0;
  std::string order_name;
  std::vector<std::string> after_steps;
};

class DetectContext {
 public:
  DetectContext(const sys::SafeRoot& root, Target target, const std::vector<Playbook>& playbooks);
  ~DetectContext();
  DetectContext(const DetectContext&) = delete;
  DetectContext& operator=(const DetectContext&) = delete;

  const sys::SafeRoot& root() const { return root_; }
  const Target& target() const { return target_; }
  const std::vector<Playbook>& playbooks() const { return playbooks_; }

  // The root's databases, read once on first use. dpkg() is null when the root has no
  // dpkg database. Throw Error when a database exists but cannot be read or parsed.
  const sys::DpkgDatabase* dpkg();
  const sys::AccountFiles& accounts();
  // Home directories of the root's passwd entries that exist as directories, sorted.
  const std::vector<std::string>& homes();
  // Every package named by any playbook of this run: their files are not conflicts.
  const std::set<std::string>& named_packages();
  // Every user any playbook of this run removes.
  const std::set<std::string>& removed_users();
  // The processes running now (live roots only), read from /proc once per plan.
  const sys::ProcessTable& processes();

  // Set by the planner before each detect().
  void begin_artifact(std::size_t playbook_index, std::size_t artifact_index);
  const Playbook& playbook() const { return playbooks_[playbook_index_]; }
  const Artifact& artifact() const { return playbook().artifacts[artifact_index_]; }
  StepOrigin origin(const SourceLoc& loc) const;

  void propose(Step step, Proposal proposal = {});
  void conflict(std::string target, std::string reason, const SourceLoc& loc);
  void block(std::string target, std::string reason, const SourceLoc& loc);
  void note(std::string text, const SourceLoc& loc);
  void fact(std::string key, std::string value);

  std::vector<ProposedStep>& proposed() { return proposed_; }
  Plan& findings() { return findings_; }  // conflicts, blocked, notes and facts so far

 private:
  const sys::SafeRoot& root_;
  Target target_;
  const std::vector<Playbook>& playbooks_;
  std::size_t playbook_index_ = 0;
  std::size_t artifact_index_ = 0;
  std::size_t emitted_ = 0;
  std::vector<ProposedStep> proposed_;
  Plan findings_;

  std::unique_ptr<sys::DpkgDatabase> dpkg_;
  bool dpkg_loaded_ = false;
  std::unique_ptr<sys::AccountFiles> accounts_;
  std::optional<std::vector<std::string>> homes_;
  std::optional<std::set<std::string>> named_packages_;
  std::optional<std::set<std::string>> removed_users_;
  std::unique_ptr<sys::ProcessTable> processes_;
};

}  // namespace excise
