// The rules every removal of a path obeys, shared by the kinds that remove paths:
// protected paths are never removed, and a path that another package owns is kept.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "excise/playbook.hpp"
#include "system/fd.hpp"

namespace excise {

class DetectContext;

struct Owners {
  std::vector<std::string> named;    // packages a playbook of this run names
  std::vector<std::string> foreign;  // every other owner
};

class PathRules {
 public:
  explicit PathRules(DetectContext& context);
  // Protected (playbook/protected_paths.hpp), with the homes of the accounts this run
  // removes left out: a vendor's service account may live in /opt/acme.
  bool is_protected(const std::string& path) const;
  // The protected objects of this root where they really are: in an image whose /etc is
  // a link to /private/etc, the root's /etc/passwd is /private/etc/passwd, which no
  // entry of the protected list names. For `real` (an in-root path with its links
  // followed) that is such an object, or holds one, says which ("the root's /etc/passwd",
  // "a directory holding the root's /etc"); "" otherwise (SAFETY S11).
  std::string relocated_protected(const std::string& real) const;
  // Owners by the dpkg database, of the path as written, as resolved, and under the
  // names the root's top-level links give it (see dpkg_names).
  Owners owners(const std::string& path, const std::string& real) const;
  // Does any package no playbook names own something below this directory?
  bool has_foreign_below(const std::string& path, const std::string& real) const;

 private:
  // The names dpkg may know a path by. On a merged-/usr root (/lib -> usr/lib, the
  // Debian default since bookworm) dpkg records what the package shipped, often
  // /lib/systemd/system/x.service, while the file is found at /usr/lib/systemd/system/x.service;
  // dpkg itself does not know they are one file. Without the alias, a file of a package
  // no playbook names would look owned by none, and be removed instead of kept.
  std::vector<std::string> dpkg_names(const std::string& path, const std::string& real) const;

  DetectContext& context_;
  std::vector<std::string> homes_;
  // (directory a top-level link of the root leads to, that link): ("/usr/lib", "/lib").
  std::vector<std::pair<std::string, std::string>> aliases_;
  // (real in-root path, protected path as listed) for protected paths reached through a
  // link, computed on first use.
  mutable std::optional<std::vector<std::pair<std::string, std::string>>> relocated_;
};

// The fact a plan keeps for a path: identity, and size and mtime for non-directories.
std::string path_fact(const sys::Stat& stat);

// [[path]] prune_empty: a step that removes the directory if it is empty by then.
void propose_prune(const Located<std::string>& dir, DetectContext& context);
// After every artifact is detected: keep a prune step only when the directory would be
// empty once the plan's other steps ran, so that a second apply finds nothing to do.
void settle_prunes(DetectContext& context);

}  // namespace excise
