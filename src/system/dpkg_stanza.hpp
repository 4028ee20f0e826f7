// deb822 stanzas as dpkg writes them (status, available, updates/NNNN): fields separated
// by blank lines. Each stanza keeps its exact bytes so the status file can be spliced
// (rollback) without re-serialising anything dpkg wrote.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace excise::sys {

struct DpkgField {
  std::string name;  // as written ("Package"); compare with iequals
  // The first line's value with surrounding blanks removed, then each continuation line
  // after a '\n', verbatim (leading blank included, as in " /etc/a.conf 0123...").
  std::string value;
};

struct DpkgStanza {
  std::size_t offset = 0;  // where `text` starts in the parsed input
  std::size_t line = 0;    // 1-based line number of its first line, for messages
  std::string text;        // its lines, each with its '\n' (the last may lack one at EOF)
  std::string trailer;     // the blank lines after it, up to the next stanza or EOF
  std::vector<DpkgField> fields;

  // The value of a field (names are case-insensitive), or nullopt when absent.
  std::optional<std::string_view> get(std::string_view name) const;
  std::string_view get_or(std::string_view name, std::string_view fallback) const;
  // text + trailer: what a splice removes and puts back.
  std::string bytes() const { return text + trailer; }
  std::size_t end() const { return offset + text.size() + trailer.size(); }
};

bool iequals(std::string_view a, std::string_view b);

// Where the stanzas are, without parsing their fields (cheap: splicing needs only this).
struct DpkgStanzaSpan {
  std::size_t offset = 0;     // first byte of its first line
  std::size_t text_size = 0;  // its lines
  std::size_t end = 0;        // after the blank lines that follow it
  std::size_t line = 0;       // 1-based number of its first line
};
std::vector<DpkgStanzaSpan> scan_stanzas(std::string_view text);

// The first-line value of a field in one stanza's text (name case-insensitive), without
// parsing the others; nullopt when absent.
std::optional<std::string_view> find_field(std::string_view stanza_text, std::string_view name);

// Splits `text` into stanzas. Blank lines before the first stanza belong to no stanza.
// Lines starting with '#' are kept in the stanza's bytes but are not fields. A line that
// is neither a field, a continuation nor a comment throws Error(system) naming `source`
// and the line number.
std::vector<DpkgStanza> parse_stanzas(std::string_view text, std::string_view source);

// Exactly one stanza (for a journaled stanza being put back); throws Error(input) if the
// bytes hold none or several.
DpkgStanza parse_one_stanza(std::string_view bytes, std::string_view source);

}  // namespace excise::sys
