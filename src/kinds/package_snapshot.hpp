// What it takes to put a purged package back exactly as dpkg saw it, without running any
// of its maintainer scripts: the status stanza (and the whole status file as it was), the
// package's info/ files, and its files themselves. Files are kept by hard links in the
// run's quarantine (no copy, and the inode keeps owner, times and xattrs), copied only
// across file systems. Directories keep their metadata in the manifest.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "exec/action.hpp"

namespace excise {

struct PackageRef {
  std::string name;
  std::string arch;  // empty when the name alone is unambiguous
};
PackageRef package_ref_of(const Step& step);

// Takes the snapshot into quarantine/<seq>/ and blobs; returns the undo data.
json take_package_snapshot(const PackageRef& package, ExecContext& context);

// Puts files, info files and the status stanza back. Idempotent; notes conflicts.
void restore_package_snapshot(const PackageRef& package, const json& undo, ExecContext& context);

}  // namespace excise
