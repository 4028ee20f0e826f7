#include "kinds/unit_tree_root.hpp"

namespace excise {
namespace {

sys::FileKind kind_of(const sys::Stat& st) {
  if (st.is_regular()) return sys::FileKind::regular;
  if (st.is_dir()) return sys::FileKind::directory;
  if (st.is_symlink()) return sys::FileKind::symlink;
  return sys::FileKind::other;
}

}  // namespace

std::optional<sys::Resolved> SafeRootUnitTree::resolve(std::string_view path) const {
  try {
    auto resolved = root_.resolve(path);
    if (resolved && resolved->stat) return resolved;
  } catch (const sys::UnsafePath&) {
  }
  return std::nullopt;
}

std::vector<sys::UnitTree::Entry> SafeRootUnitTree::list(std::string_view dir) const {
  std::vector<Entry> out;
  const auto resolved = resolve(dir);
  if (!resolved || !resolved->stat->is_dir()) return out;
  const sys::Dir d = resolved->parent.dir_at(resolved->name);
  for (const auto& entry : d.entries()) {
    const auto st = d.stat_at(entry.name);
    if (st) out.push_back({entry.name, kind_of(*st)});
  }
  return out;
}

std::optional<std::string> SafeRootUnitTree::read_link(std::string_view path) const {
  const auto resolved = resolve(path);
  if (!resolved || !resolved->stat->is_symlink()) return std::nullopt;
  return resolved->parent.link_at(resolved->name);
}

std::optional<sys::FileKind> SafeRootUnitTree::kind(std::string_view path) const {
  const auto resolved = resolve(path);
  if (!resolved) return std::nullopt;
  return kind_of(*resolved->stat);
}

std::optional<std::string> SafeRootUnitTree::read(std::string_view path) const {
  const auto resolved = resolve(path);
  if (!resolved || !resolved->stat->is_regular()) return std::nullopt;
  return resolved->parent.read_at(resolved->name, 4u << 20);
}

}  // namespace excise
