#include "excise/diagnostics.hpp"

#include <algorithm>
#include <tuple>

namespace excise {

std::string SourceLoc::str() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::str() const {
  return loc.str() + ": " + message;
}

void Diagnostics::error(SourceLoc loc, std::string message) {
  items_.push_back({std::move(loc), std::move(message)});
}

std::string Diagnostics::str() const {
  std::vector<const Diagnostic*> sorted;
  for (const auto& item : items_)
    sorted.push_back(&item);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    return std::tie(a->loc.file, a->loc.line, a->loc.column) <
           std::tie(b->loc.file, b->loc.line, b->loc.column);
  });
  std::string out;
  for (const auto* item : sorted)
    out += item->str() + "\n";
  return out;
}

}  // namespace excise
