// SysV init: /etc/init.d scripts and the /etc/rc?.d links that start and stop them.
#pragma once

#include <string>
#include <vector>

#include "system/systemd_units.hpp"

namespace excise::sys {

// init_script artifacts for /etc/init.d/NAME, rc_link artifacts for every
// /etc/rc[0-6S].d/[SK][0-9][0-9]NAME whatever it points to, for NAME matching a glob.
// Directories that are symlinks (Red Hat's /etc/rc3.d -> rc.d/rc3.d) are followed inside
// the root and reported by their real path.
std::vector<UnitArtifact> scan_sysv(const UnitTree& tree, const std::vector<std::string>& globs);

}  // namespace excise::sys
