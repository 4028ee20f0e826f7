#include "system/unit_tree.hpp"

#include <deque>

namespace excise::sys {

namespace {

// Same bound as the kernel's (MAXSYMLINKS) and systemd's chase().
constexpr int kMaxLinks = 40;

std::deque<std::string> split(std::string_view path) {
  std::deque<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  if (parts.empty()) return "/";
  std::string out;
  for (const auto& p : parts) {
    out += '/';
    out += p;
  }
  return out;
}

}  // namespace

std::string_view file_kind_name(FileKind kind) {
  switch (kind) {
    case FileKind::regular:
      return "file";
    case FileKind::directory:
      return "dir";
    case FileKind::symlink:
      return "link";
    case FileKind::other:
      break;
  }
  return "other";
}

std::string normalize_path(std::string_view path) {
  std::vector<std::string> out;
  for (auto& part : split(path)) {
    if (part == ".") continue;
    if (part == "..") {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out.push_back(std::move(part));
  }
  return join(out);
}

std::string join_link_target(std::string_view dir, std::string_view target) {
  if (!target.empty() && target.front() == '/') return normalize_path(target);
  std::string full(dir);
  full += '/';
  full += target;
  return normalize_path(full);
}

std::string link_target_path(std::string_view dir, std::string_view target) {
  if (!target.empty() && target.front() == '/') return std::string(target);
  return std::string(dir) + "/" + std::string(target);
}

std::string path_dirname(std::string_view path) {
  std::string norm = normalize_path(path);
  auto slash = norm.rfind('/');
  if (slash == 0 || slash == std::string::npos) return "/";
  return norm.substr(0, slash);
}

std::string path_basename(std::string_view path) {
  std::string norm = normalize_path(path);
  return norm.substr(norm.rfind('/') + 1);
}

bool path_starts_with(std::string_view path, std::string_view dir) {
  if (dir == "/") return !path.empty() && path.front() == '/';
  if (path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

std::optional<std::string> resolve_in_root(const UnitTree& tree, std::string_view path,
                                           bool follow_last) {
  std::vector<std::string> done;
  std::deque<std::string> todo = split(path);
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(std::move(part));
    if (todo.empty() && !follow_last) break;
    std::string current = join(done);
    auto kind = tree.kind(current);
    if (!kind || *kind != FileKind::symlink) continue;
    auto target = tree.read_link(current);
    if (!target) continue;
    if (++links > kMaxLinks) return std::nullopt;
    done.pop_back();
    if (!target->empty() && target->front() == '/') done.clear();
    auto parts = split(*target);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  return join(done);
}

}  // namespace excise::sys
