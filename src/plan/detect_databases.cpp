// The root's databases, as the kinds see them during detection: read once, on first use.
#include <algorithm>

#include "excise/error.hpp"
#include "kinds/package.hpp"
#include "kinds/user.hpp"
#include "plan/detect_context.hpp"
#include "playbook/protected_paths.hpp"
#include "system/accounts.hpp"
#include "system/dpkg_database.hpp"
#include "system/dpkg_root.hpp"
#include "system/process.hpp"
#include "system/safe_root.hpp"

namespace excise {

DetectContext::DetectContext(const sys::SafeRoot& root, Target target,
                             const std::vector<Playbook>& playbooks)
    : root_(root), target_(std::move(target)), playbooks_(playbooks) {}

DetectContext::~DetectContext() = default;

const sys::DpkgDatabase* DetectContext::dpkg() {
  if (!dpkg_loaded_) {
    dpkg_loaded_ = true;
    if (auto db = sys::load_dpkg_database(root_))
      dpkg_ = std::make_unique<sys::DpkgDatabase>(std::move(*db));
  }
  return dpkg_.get();
}

const sys::ProcessTable& DetectContext::processes() {
  if (!target_.live) throw Error(Failure::input, "an offline root has no running processes");
  if (!processes_) processes_ = std::make_unique<sys::ProcessTable>(sys::scan_processes());
  return *processes_;
}

const sys::AccountFiles& DetectContext::accounts() {
  if (!accounts_) {
    accounts_ = std::make_unique<sys::AccountFiles>();
    auto read = [&](const char* path) { return root_.read_file(path); };
    accounts_->passwd = read("/etc/passwd").value_or("");
    accounts_->group = read("/etc/group").value_or("");
    accounts_->shadow = read("/etc/shadow");
    accounts_->gshadow = read("/etc/gshadow");
  }
  return *accounts_;
}

const std::vector<std::string>& DetectContext::homes() {
  if (!homes_) {
    homes_.emplace();
    for (const auto& home : sys::all_homes(accounts())) {
      if (!is_usable_home(home)) continue;  // "~/*" must never become "/usr/sbin/*"
      try {
        if (root_.open_dir(home)) homes_->push_back(home);
      } catch (const sys::UnsafePath&) {
        // A home reached only through an unsafe link is no home of this root.
      }
    }
    std::sort(homes_->begin(), homes_->end());
    homes_->erase(std::unique(homes_->begin(), homes_->end()), homes_->end());
  }
  return *homes_;
}

const std::set<std::string>& DetectContext::named_packages() {
  if (!named_packages_) {
    named_packages_.emplace();
    for (const auto& playbook : playbooks_) {
      for (const auto& artifact : playbook.artifacts) {
        if (artifact.kind != "package") continue;
        for (const auto& n : static_cast<const PackageSpec&>(*artifact.spec).names) {
          named_packages_->insert(n.value.name);
        }
      }
    }
  }
  return *named_packages_;
}

const std::set<std::string>& DetectContext::removed_users() {
  if (!removed_users_) {
    removed_users_.emplace();
    for (const auto& playbook : playbooks_) {
      for (const auto& artifact : playbook.artifacts) {
        if (artifact.kind != "user") continue;
        for (const auto& n : static_cast<const UserSpec&>(*artifact.spec).names)
          removed_users_->insert(n.value);
      }
    }
  }
  return *removed_users_;
}

}  // namespace excise
