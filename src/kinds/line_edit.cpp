#include "kinds/line_edit.hpp"

#include <algorithm>

namespace excise {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start + 1));
    start = end + 1;
  }
  return lines;
}

LineRemoval remove_matching_lines(std::string_view text, const std::regex& pattern) {
  LineRemoval out;
  const auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view body = lines[i];
    if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
    bool match = false;
    if (body.size() > kMaxMatchedLine) {
      ++out.too_long;
    } else {
      match = std::regex_search(body.begin(), body.end(), pattern);
    }
    if (match) {
      out.removed.push_back(i);
      out.lines.push_back(lines[i]);
    } else {
      out.text += lines[i];
    }
  }
  return out;
}

LineRestore restore_lines(std::string_view before, const LineRemoval& removal,
                          std::string_view current) {
  // As apply left it, or as it was before (apply killed before its rename).
  if (current == removal.text || current == before) return {std::string(before), {}};
  const auto original = split_lines(before);
  auto lines = split_lines(current);
  // A line put back without its '\n' would glue onto the next one.
  if (!lines.empty() && lines.back().back() != '\n') lines.back() += '\n';
  LineRestore out;
  for (std::size_t r = 0; r < removal.removed.size(); ++r) {
    std::string line = removal.lines[r];
    if (line.back() != '\n') line += '\n';
    if (std::find(lines.begin(), lines.end(), line) != lines.end()) continue;  // already back
    // The nearest earlier line of `before` that is here now (kept, or already put back).
    std::size_t insert_at = 0;
    for (std::size_t k = removal.removed[r]; k-- > 0;) {
      std::string anchor = original[k];
      if (anchor.back() != '\n') anchor += '\n';
      const auto it = std::find(lines.begin(), lines.end(), anchor);
      if (it != lines.end()) {
        insert_at = static_cast<std::size_t>(it - lines.begin()) + 1;
        break;
      }
    }
    lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(insert_at), line);
    out.notes.push_back("put back a line into a file that changed since apply");
  }
  if (out.notes.empty()) {
    out.text = std::string(current);  // every line is back already: not a byte changes
    return out;
  }
  for (const auto& l : lines)
    out.text += l;
  return out;
}

}  // namespace excise
