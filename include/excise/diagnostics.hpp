// Where a playbook said something, and what is wrong with it, as FILE:LINE:COL: message.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace excise {

struct SourceLoc {
  std::string file;
  std::uint32_t line = 0;  // 1-based; 0 when unknown
  std::uint32_t column = 0;

  // "FILE:LINE:COL", or "FILE" when the position is unknown.
  std::string str() const;
  friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
};

struct Diagnostic {
  SourceLoc loc;
  std::string message;

  std::string str() const;  // "FILE:LINE:COL: message"
};

// Collects every problem found, so that one run reports them all.
class Diagnostics {
 public:
  void error(SourceLoc loc, std::string message);
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // Sorted by file, line, column; one per line.
  std::string str() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace excise
