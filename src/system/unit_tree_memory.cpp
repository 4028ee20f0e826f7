#include "system/unit_tree_memory.hpp"

#include "excise/error.hpp"

namespace excise::sys {

MemoryUnitTree& MemoryUnitTree::file(std::string_view path, std::string_view content) {
  put(path, Node{FileKind::regular, std::string(content)});
  return *this;
}

MemoryUnitTree& MemoryUnitTree::link(std::string_view path, std::string_view target) {
  put(path, Node{FileKind::symlink, std::string(target)});
  return *this;
}

MemoryUnitTree& MemoryUnitTree::dir(std::string_view path) {
  put(path, Node{FileKind::directory, {}});
  return *this;
}

MemoryUnitTree& MemoryUnitTree::other(std::string_view path) {
  put(path, Node{FileKind::other, {}});
  return *this;
}

void MemoryUnitTree::put(std::string_view path, Node node) {
  std::string norm = normalize_path(path);
  if (norm == "/") throw Error(Failure::input, "MemoryUnitTree: cannot replace /");
  // Parents become directories; a test that puts a file under a file has a bug.
  for (std::string parent = path_dirname(norm); parent != "/"; parent = path_dirname(parent)) {
    auto [it, inserted] = nodes_.try_emplace(parent, Node{});
    if (!inserted && it->second.kind != FileKind::directory)
      throw Error(Failure::input, "MemoryUnitTree: parent is not a directory: " + parent);
  }
  // Replacing a directory that has children would leave them orphaned.
  auto below = nodes_.lower_bound(norm + "/");
  if (node.kind != FileKind::directory && below != nodes_.end() &&
      below->first.compare(0, norm.size() + 1, norm + "/") == 0)
    throw Error(Failure::input, "MemoryUnitTree: directory is not empty: " + norm);
  nodes_[norm] = std::move(node);
}

const MemoryUnitTree::Node* MemoryUnitTree::find(std::string_view path) const {
  auto it = nodes_.find(normalize_path(path));
  return it == nodes_.end() ? nullptr : &it->second;
}

void MemoryUnitTree::visit(const std::function<void(const std::string& path, FileKind kind,
                                                    const std::string& data)>& fn) const {
  // Map order puts "/a" before "/a/b" except when a sibling sorts between them ("/a-x"
  // before "/a/"), which is harmless: parents still precede their children.
  for (const auto& [path, node] : nodes_)
    fn(path, node.kind, node.data);
}

std::vector<UnitTree::Entry> MemoryUnitTree::list(std::string_view dir) const {
  std::string norm = normalize_path(dir);
  if (norm != "/") {
    const Node* node = find(norm);
    if (!node || node->kind != FileKind::directory) return {};
  }
  std::string prefix = norm == "/" ? "/" : norm + "/";
  std::vector<Entry> out;
  for (auto it = nodes_.lower_bound(prefix);
       it != nodes_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    if (rest.find('/') == std::string_view::npos)
      out.push_back({std::string(rest), it->second.kind});
  }
  return out;
}

std::optional<std::string> MemoryUnitTree::read_link(std::string_view path) const {
  const Node* node = find(path);
  if (!node || node->kind != FileKind::symlink) return std::nullopt;
  return node->data;
}

std::optional<FileKind> MemoryUnitTree::kind(std::string_view path) const {
  if (normalize_path(path) == "/") return FileKind::directory;
  const Node* node = find(path);
  if (!node) return std::nullopt;
  return node->kind;
}

std::optional<std::string> MemoryUnitTree::read(std::string_view path) const {
  const Node* node = find(path);
  if (!node || node->kind != FileKind::regular) return std::nullopt;
  return node->data;
}

}  // namespace excise::sys
