#include "kinds/glob_expand.hpp"

#include <algorithm>
#include <map>

namespace excise {
namespace {

using Type = GlobComponent::Type;

struct Expander {
  const sys::SafeRoot& root;
  GlobExpansion out;
  std::map<std::string, std::size_t> seen;

  template <class F>
  void guarded(const std::string& path, F&& f) {
    try {
      f();
    } catch (const sys::UnsafePath& e) {
      out.unsafe.emplace_back(path, e.what());
    }
  }

  std::optional<sys::Dir> open_dir(const std::string& path) {
    std::optional<sys::Dir> dir;
    guarded(path, [&] { dir = root.open_dir(path); });
    return dir;
  }

  void add_match(const std::string& path) {
    guarded(path, [&] {
      auto resolved = root.resolve(path);
      if (!resolved || !resolved->stat || seen.count(path)) return;
      seen[path] = out.matches.size();
      out.matches.push_back({path, std::move(*resolved)});
    });
  }

  // Every directory below `path` (and `path` itself), not through symlinks, not into mounts.
  std::vector<std::string> all_dirs(const std::string& path) {
    std::vector<std::string> dirs;
    auto top = open_dir(path);
    if (!top) return dirs;
    const std::uint64_t dev = top->stat().dev;
    std::vector<std::pair<std::string, sys::Dir>> stack{{path, *top}};
    while (!stack.empty()) {
      auto [p, dir] = std::move(stack.back());
      stack.pop_back();
      dirs.push_back(p);
      for (const auto& entry : dir.entries()) {
        const auto st = dir.stat_at(entry.name);
        if (!st || !st->is_dir() || st->dev != dev || st->mount_root) continue;
        if (auto child = dir.find_dir(entry.name))
          stack.emplace_back(join_path(p, entry.name), *child);
      }
    }
    return dirs;
  }

  std::vector<std::string> step(const std::vector<std::string>& frontier, const GlobComponent& c,
                                bool last) {
    std::vector<std::string> next;
    for (const auto& dir_path : frontier) {
      if (c.type == Type::literal) {
        const std::string child = join_path(dir_path, c.text);
        if (last) {
          add_match(child);
        } else if (open_dir(child)) {
          next.push_back(child);
        }
        continue;
      }
      if (c.type == Type::any_depth && !last) {
        for (auto& d : all_dirs(dir_path))
          next.push_back(std::move(d));
        continue;
      }
      // A pattern, or a trailing "**" (every entry below; the planner keeps the topmost).
      auto dir = open_dir(dir_path);
      if (!dir) continue;
      for (const auto& entry : dir->entries()) {
        if (c.type == Type::pattern && !match_component(c.text, entry.name)) continue;
        const std::string child = join_path(dir_path, entry.name);
        if (last) {
          add_match(child);
        } else if (open_dir(child)) {
          next.push_back(child);
        }
      }
    }
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    return next;
  }
};

}  // namespace

std::string join_path(const std::string& dir, std::string_view name) {
  return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
}

GlobExpansion expand_glob(const sys::SafeRoot& root, const PathGlob& glob) {
  Expander e{root, {}, {}};
  std::vector<std::string> frontier{"/"};
  for (std::size_t i = 0; i < glob.components.size() && !frontier.empty(); ++i) {
    frontier = e.step(frontier, glob.components[i], i + 1 == glob.components.size());
  }
  std::sort(e.out.matches.begin(), e.out.matches.end(),
            [](const GlobMatch& a, const GlobMatch& b) { return a.path < b.path; });
  return std::move(e.out);
}

}  // namespace excise
