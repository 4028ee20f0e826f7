// One pass over a scope's unit directories and Debian's helper state: every entry, with
// its symlink target read and resolved inside the root. The scanner and the is-enabled
// rules work on this snapshot instead of asking the tree again.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "system/unit_paths.hpp"
#include "system/unit_tree.hpp"

namespace excise::sys {

struct IndexedEntry {
  std::string name;
  std::string path;  // canonical directory + "/" + name
  FileKind kind = FileKind::other;
  std::string target;    // symlink target as stored; empty unless a symlink
  std::string lexical;   // target made absolute against the link's directory (no link followed)
  std::string resolved;  // target with every link followed inside the root; empty on a loop

  bool is_link() const { return kind == FileKind::symlink; }
  bool to_dev_null() const {
    return is_link() && (lexical == "/dev/null" || resolved == "/dev/null");
  }
};

// A "<unit>.wants/", ".requires/" or ".upholds/" directory.
struct DependencyDir {
  std::string owner;  // "multi-user.target"
  std::string name;   // "multi-user.target.wants"
  std::string path;
  std::vector<IndexedEntry> entries;
};

// A "<unit>.d/" directory of drop-ins.
struct DropInDir {
  std::string unit;
  std::string path;
  std::vector<IndexedEntry> entries;
};

struct IndexedDir {
  UnitSearchDir search;  // the table entry this came from
  std::string path;      // canonical: symlinks in it resolved inside the root
  std::map<std::string, IndexedEntry> entries;  // top level, every kind
  std::vector<DependencyDir> deps;
  std::vector<DropInDir> dropins;
};

// A file below deb-systemd-helper's state directories.
struct HelperEntry {
  std::string rel;  // relative to the state directory: "multi-user.target.wants/a.service"
  IndexedEntry entry;
};

struct DebianHelperState {
  std::vector<IndexedEntry> also;    // <unit>.dsh-also
  std::vector<HelperEntry> enabled;  // the mirror of the links it created
  std::vector<HelperEntry> masked;   // the mirror of the masks it created
};

struct ScopeIndex {
  UnitScope scope = UnitScope::system;
  std::string persistent_config;  // canonical
  std::vector<IndexedDir> dirs;   // precedence order; a directory reached twice is kept once
  DebianHelperState debian;
};

// Canonical form of a directory path: every symlink in it followed inside the root.
std::string canonical_path(const UnitTree& tree, std::string_view path);

// Reads one entry of `dir` (canonical).
IndexedEntry index_entry(const UnitTree& tree, const std::string& dir, const UnitTree::Entry& e);

ScopeIndex index_scope(const UnitTree& tree, UnitScope scope);

}  // namespace excise::sys
