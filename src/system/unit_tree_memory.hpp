// An in-memory UnitTree for tests: a map from absolute in-root paths to files, symlinks and
// directories. Parent directories are created implicitly; nothing is ever followed.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "system/unit_tree.hpp"

namespace excise::sys {

class MemoryUnitTree : public UnitTree {
 public:
  MemoryUnitTree& file(std::string_view path, std::string_view content = "[Unit]\n");
  MemoryUnitTree& link(std::string_view path, std::string_view target);
  MemoryUnitTree& dir(std::string_view path);
  MemoryUnitTree& other(std::string_view path);  // a device, fifo or socket

  // Every node, parents before children: lets a test build the same tree on disk.
  void visit(const std::function<void(const std::string& path, FileKind kind,
                                      const std::string& data)>& fn) const;

  std::vector<Entry> list(std::string_view dir) const override;
  std::optional<std::string> read_link(std::string_view path) const override;
  std::optional<FileKind> kind(std::string_view path) const override;
  std::optional<std::string> read(std::string_view path) const override;

 private:
  struct Node {
    FileKind kind = FileKind::directory;
    std::string data;  // content of a file, target of a symlink
  };
  void put(std::string_view path, Node node);
  const Node* find(std::string_view path) const;

  std::map<std::string, Node> nodes_;  // normalized path -> node; "/" is implicit
};

}  // namespace excise::sys
