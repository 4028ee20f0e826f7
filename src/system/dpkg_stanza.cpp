#include "system/dpkg_stanza.hpp"

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

// Deb822 lets parsers treat lines of only spaces and tabs as separators; so do we, so a
// stray blank never glues two stanzas together.
bool is_blank_line(std::string_view line) {
  for (char c : line) {
    if (!is_blank(c)) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::string_view> DpkgStanza::get(std::string_view name) const {
  for (const auto& field : fields) {
    if (iequals(field.name, name)) return std::string_view(field.value);
  }
  return std::nullopt;
}

std::string_view DpkgStanza::get_or(std::string_view name, std::string_view fallback) const {
  return get(name).value_or(fallback);
}

std::vector<DpkgStanzaSpan> scan_stanzas(std::string_view text) {
  std::vector<DpkgStanzaSpan> spans;
  bool in_trailer = false;  // between the last stanza's lines and the next stanza
  std::size_t pos = 0;
  std::size_t line_number = 0;
  while (pos < text.size()) {
    const std::size_t newline = text.find('\n', pos);
    const std::size_t next = newline == std::string_view::npos ? text.size() : newline + 1;
    ++line_number;
    if (is_blank_line(
            text.substr(pos, newline == std::string_view::npos ? text.npos : newline - pos))) {
      in_trailer = true;
    } else {
      if (spans.empty() || in_trailer) {
        spans.push_back({pos, 0, 0, line_number});
        in_trailer = false;
      }
      spans.back().text_size = next - spans.back().offset;
    }
    if (!spans.empty()) spans.back().end = next;
    pos = next;
  }
  return spans;
}

std::optional<std::string_view> find_field(std::string_view stanza_text, std::string_view name) {
  std::size_t pos = 0;
  while (pos < stanza_text.size()) {
    std::size_t newline = stanza_text.find('\n', pos);
    if (newline == std::string_view::npos) newline = stanza_text.size();
    const std::string_view line = stanza_text.substr(pos, newline - pos);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        iequals(line.substr(0, name.size()), name)) {
      return trim(line.substr(name.size() + 1));
    }
    pos = newline + 1;
  }
  return std::nullopt;
}

std::vector<DpkgStanza> parse_stanzas(std::string_view text, std::string_view source) {
  const auto spans = scan_stanzas(text);
  std::vector<DpkgStanza> stanzas(spans.size());
  for (std::size_t k = 0; k < spans.size(); ++k) {
    const DpkgStanzaSpan& span = spans[k];
    DpkgStanza& stanza = stanzas[k];
    stanza.offset = span.offset;
    stanza.line = span.line;
    stanza.text = std::string(text.substr(span.offset, span.text_size));
    stanza.trailer = std::string(
        text.substr(span.offset + span.text_size, span.end - span.offset - span.text_size));
    std::size_t pos = 0;
    std::size_t line_number = span.line;
    const std::string_view lines = stanza.text;
    for (; pos < lines.size(); ++line_number) {
      std::size_t newline = lines.find('\n', pos);
      if (newline == std::string_view::npos) newline = lines.size();
      const std::string_view line = lines.substr(pos, newline - pos);
      pos = newline + 1;
      if (line.front() == '#') continue;  // a comment: kept in the bytes, not a field
      if (is_blank(line.front())) {
        if (stanza.fields.empty()) {
          throw Error(Failure::system, fmt::format("{} line {}: continuation line outside a field",
                                                   shown(source), line_number));
        }
        stanza.fields.back().value += '\n';
        stanza.fields.back().value += line;
        continue;
      }
      const std::size_t colon = line.find(':');
      const std::string_view name =
          colon == std::string_view::npos ? std::string_view{} : line.substr(0, colon);
      if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) {
        throw Error(Failure::system, fmt::format("{} line {}: not a field: \"{}\"", shown(source),
                                                 line_number, shown(line)));
      }
      stanza.fields.push_back({std::string(name), std::string(trim(line.substr(colon + 1)))});
    }
  }
  return stanzas;
}

DpkgStanza parse_one_stanza(std::string_view bytes, std::string_view source) {
  std::vector<DpkgStanza> stanzas;
  try {
    stanzas = parse_stanzas(bytes, source);
  } catch (const Error& e) {
    throw Error(Failure::input, e.what());
  }
  if (stanzas.size() != 1 || stanzas.front().offset != 0) {
    throw Error(Failure::input,
                fmt::format("{}: expected one dpkg stanza, found {}{}", shown(source),
                            stanzas.size(), stanzas.size() == 1 ? " after blank lines" : ""));
  }
  return std::move(stanzas.front());
}

}  // namespace excise::sys
