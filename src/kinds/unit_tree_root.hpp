// The systemd scanner's read-only view (system/unit_tree.hpp) served by SafeRoot: the
// scanner sees the target root and nothing else. A path that cannot be followed safely
// reads as absent.
#pragma once

#include "system/safe_root.hpp"
#include "system/unit_tree.hpp"

namespace excise {

class SafeRootUnitTree final : public sys::UnitTree {
 public:
  explicit SafeRootUnitTree(const sys::SafeRoot& root) : root_(root) {}
  std::vector<Entry> list(std::string_view dir) const override;
  std::optional<std::string> read_link(std::string_view path) const override;
  std::optional<sys::FileKind> kind(std::string_view path) const override;
  std::optional<std::string> read(std::string_view path) const override;

 private:
  std::optional<sys::Resolved> resolve(std::string_view path) const;
  const sys::SafeRoot& root_;
};

}  // namespace excise
