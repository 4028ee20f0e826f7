// The trust store of Debian's ca-certificates, and the step that rebuilds it once the
// product's anchors are gone (certificate.rebuild, refresh phase, once per plan).
#pragma once

#include <string>

#include "exec/action.hpp"
#include "plan/target.hpp"

namespace excise {

namespace sys {
class SafeRoot;
}

namespace trust_store {
inline constexpr const char* kLocalDir = "/usr/local/share/ca-certificates";  // admin, vendors
inline constexpr const char* kPackagedDir = "/usr/share/ca-certificates";     // packages
inline constexpr const char* kConf = "/etc/ca-certificates.conf";  // which packaged ones are on
inline constexpr const char* kCertsDir = "/etc/ssl/certs";         // links, hash links, PEMs
inline constexpr const char* kBundle = "/etc/ssl/certs/ca-certificates.crt";
inline constexpr const char* kTool = "/usr/sbin/update-ca-certificates";
inline constexpr const char* kHooksDir = "/etc/ca-certificates/update.d";
}  // namespace trust_store

// How the bundle and the hash links are regenerated on this target:
//   "update-ca-certificates"  live: `update-ca-certificates --fresh`, hooks and all;
//   "chroot"                  offline, when the root can run its own tool: the same
//                             command chrooted into the root in its own namespaces, so its
//                             hooks run inside the root, never on the host;
//   "native"                  otherwise: excise rewrites the bundle without the removed
//                             certificates' PEM blocks (their links went in cleanup), and
//                             no hook runs. `why` says what the root lacks.
// Never the tool with its directory options pointed into the root from the host: it
// writes the link targets as host paths (--certsdir /mnt/img/usr/share/... gives links
// to "/mnt/img/usr/share/..."), compares the image's links against those host paths on
// --fresh, tests and rehashes the image's absolute links against the HOST's files
// (`test -f`, `openssl rehash` follow /usr/share/ca-certificates/... on the host), keeps
// its temporary files in the host's /tmp, and would run the image's hooks on the host.
struct RebuildMethod {
  std::string name;
  std::string why;
};
RebuildMethod choose_rebuild(const sys::SafeRoot& root, const Target& target);

const Action& certificate_rebuild_action();

}  // namespace excise
