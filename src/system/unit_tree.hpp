// The read-only view of a target root that the systemd/SysV scanner needs. The caller
// implements it (the safe file layer in production, a map in tests, plain POSIX calls in
// the integration test), so the scanner never touches the host by itself.
//
// Every path handed to an implementation is absolute inside the root and already has its
// parent directories resolved by the scanner (resolve_in_root below), so an implementation
// never needs to follow a symlink, and must not follow the final component.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace excise::sys {

enum class FileKind { regular, directory, symlink, other };
std::string_view file_kind_name(FileKind kind);  // "file", "dir", "link", "other"

class UnitTree {
 public:
  struct Entry {
    std::string name;
    FileKind kind = FileKind::other;
  };

  virtual ~UnitTree() = default;
  // Entries of a directory (no "." or ".."), any order; empty when absent or not a directory.
  virtual std::vector<Entry> list(std::string_view dir) const = 0;
  // A symlink's target, exact bytes; nullopt when absent or not a symlink.
  virtual std::optional<std::string> read_link(std::string_view path) const = 0;
  // lstat semantics; nullopt when absent.
  virtual std::optional<FileKind> kind(std::string_view path) const = 0;
  // A regular file's content; nullopt when absent or not a regular file.
  virtual std::optional<std::string> read(std::string_view path) const = 0;
};

// Lexical path helpers on absolute in-root paths. ".." never climbs above "/", the way
// openat2(RESOLVE_IN_ROOT) scopes it.
std::string normalize_path(std::string_view path);
// `target` as a symlink in `dir` would see it: relative to dir, or to the root if absolute.
std::string join_link_target(std::string_view dir, std::string_view target);
// The same without normalizing, so ".." can be resolved after the links before it.
std::string link_target_path(std::string_view dir, std::string_view target);
std::string path_dirname(std::string_view path);   // "/a/b" -> "/a", "/a" -> "/"
std::string path_basename(std::string_view path);  // "/a/b" -> "b", "/" -> ""
// True when `path` is `dir` or below it, component-wise.
bool path_starts_with(std::string_view path, std::string_view dir);

// Resolves symlinks found in the tree, inside the root: in the parent directories, and in
// the final component too when `follow_last`. Components that do not exist are kept as
// they are (lexically). nullopt after too many links (a loop).
std::optional<std::string> resolve_in_root(const UnitTree& tree, std::string_view path,
                                           bool follow_last);

}  // namespace excise::sys
