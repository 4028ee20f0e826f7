// The paths excise never removes, in one list, and the checks built on it.
//
// At load time, a removal glob (path globs, process executables) is rejected when it COULD
// match a protected path. The check is conservative: where a wildcard of the glob meets a
// wildcard of the list ("/*/acme" against "/home/*"), the two are taken to match. A glob
// whose last component matches nearly any name ("*", "?*", "[a-z]*") is also rejected when
// the directory it lists could be protected: "/usr/bin/*" takes every file of /usr/bin
// although no single one of them is on the list, and "/opt/*" every vendor's directory.
//
// At plan time, the planner checks every concrete path it resolved with
// is_protected_path, passing the target root's home directories.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "playbook/glob.hpp"

namespace excise {

struct ProtectedEntry {
  std::string_view pattern;  // a path glob: "/", "/*", "/home/*", "~", "/etc/passwd", ...
  std::string_view note;     // why, when the pattern alone does not say: "a home directory"
  bool home = false;         // a home directory (not a system path)
};

// The list itself. Every entry's parent is protected too (a test checks it), so that a
// home directory that is not itself protected never has a protected path below it.
// Entries are literal paths, or "*" for a whole component: against a "*", any pattern
// component of a glob meets, which is then exact rather than merely conservative.
std::span<const ProtectedEntry> protected_entries();

// "" when the glob is safe to remove; otherwise the problem, e.g.
// "could match the protected path /etc/passwd" or
// "could match everything in the protected directory /usr/bin".
std::string removal_glob_problem(const PathGlob& glob);

// For the planner: is this concrete path protected? `path` is canonical and absolute
// ("/opt/acme"); a path that is not canonical counts as protected. `homes` are the target
// root's home directories (each is protected itself); the planner may leave out the homes
// of accounts the playbook removes (a vendor's service account living in /opt/acme).
bool is_protected_path(std::string_view path, std::span<const std::string> homes = {});

// A passwd home directory that "~" may stand for: canonical, absolute, and neither the
// root nor a protected system directory (Debian's daemon has /usr/sbin, bin has /bin:
// "~/*" must not become "/usr/sbin/*").
bool is_usable_home(std::string_view home);

}  // namespace excise
