#include "system/dpkg_splice.hpp"

#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "system/dpkg_stanza.hpp"

namespace excise::sys {
namespace {

struct SortKey {
  std::string_view name, arch;
  bool needs_arch = false;
};

// Splicing only needs where stanzas are and three fields of each, so it scans instead of
// parsing every field (a whole-status round trip per package stays cheap).
struct Located {
  DpkgStanzaSpan span;
  std::string_view text;  // the stanza's lines
};

std::vector<Located> locate(std::string_view status) {
  std::vector<Located> out;
  for (const auto& span : scan_stanzas(status)) {
    out.push_back({span, status.substr(span.offset, span.text_size)});
  }
  return out;
}

std::string_view field(std::string_view stanza_text, std::string_view name) {
  return find_field(stanza_text, name).value_or("");
}

SortKey key_of(std::string_view stanza_text, std::string_view native_arch) {
  SortKey key{field(stanza_text, "Package"), field(stanza_text, "Architecture"), false};
  const bool same = field(stanza_text, "Multi-Arch") == "same";
  const bool foreign =
      !native_arch.empty() && !key.arch.empty() && key.arch != "all" && key.arch != native_arch;
  key.needs_arch = same || foreign;
  return key;
}

int compare_bytes(std::string_view a, std::string_view b) {
  // strcmp on unsigned bytes; std::string_view::compare is char_traits<char>, which is
  // memcmp-based and so also unsigned.
  const int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// dpkg's pkg_sorter_by_nonambig_name_arch.
int compare_keys(const SortKey& a, const SortKey& b) {
  if (int c = compare_bytes(a.name, b.name)) return c;
  if (a.arch == b.arch) return 0;
  if (!a.needs_arch) return -1;
  if (!b.needs_arch) return 1;
  return compare_bytes(a.arch, b.arch);
}

std::string infer_native_arch(const std::vector<Located>& stanzas) {
  for (const auto& s : stanzas) {
    if (field(s.text, "Package") == "dpkg") return std::string(field(s.text, "Architecture"));
  }
  return {};
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

StanzaRemoval remove_stanza(std::string_view status, std::string_view package,
                            std::string_view arch) {
  const auto stanzas = locate(status);
  const Located* found = nullptr;
  std::size_t matches = 0;
  for (const auto& s : stanzas) {
    if (field(s.text, "Package") != package) continue;
    if (!arch.empty() && field(s.text, "Architecture") != arch) continue;
    ++matches;
    if (!found) found = &s;
  }
  const std::string what =
      arch.empty() ? std::string(package) : fmt::format("{}:{}", package, arch);
  if (matches == 0) {
    throw Error(Failure::system, fmt::format("dpkg status: no stanza for package {}", shown(what)));
  }
  if (matches > 1) {
    throw Error(Failure::system,
                fmt::format("dpkg status: package {} has {} stanzas; name its architecture",
                            shown(what), matches));
  }
  StanzaRemoval out;
  out.offset = found->span.offset;
  out.removed = std::string(status.substr(out.offset, found->span.end - out.offset));
  out.text = std::string(status.substr(0, out.offset));
  out.text += status.substr(found->span.end);
  return out;
}

std::string insert_stanza(std::string_view status, std::string_view stanza_bytes,
                          std::string_view native_arch) {
  const DpkgStanza stanza = parse_one_stanza(stanza_bytes, "stanza to insert");
  if (stanza.get_or("Package", "").empty()) {
    throw Error(Failure::input, "stanza to insert: no Package field");
  }
  const auto stanzas = locate(status);
  const std::string native =
      native_arch.empty() ? infer_native_arch(stanzas) : std::string(native_arch);
  const SortKey key = key_of(stanza.text, native);

  std::size_t at = status.size();
  bool before_another = false;
  for (const auto& s : stanzas) {
    const SortKey other = key_of(s.text, native);
    if (other.name == key.name && other.arch == key.arch) {
      throw Error(Failure::refused,
                  fmt::format("dpkg status already has package {}{}{}; not putting back the "
                              "saved stanza over it",
                              shown(key.name), key.arch.empty() ? "" : ":", shown(key.arch)));
    }
    if (compare_keys(key, other) < 0) {
      at = s.span.offset;
      before_another = true;
      break;
    }
  }

  std::string piece(stanza_bytes);
  std::string prefix;
  if (before_another) {
    // Another stanza follows: the piece must end with its own blank separator line.
    if (!ends_with(piece, "\n")) piece += '\n';
    if (stanza.trailer.empty()) piece += '\n';
  } else if (!status.empty()) {
    // Appending: the previous stanza must be closed by a blank line first.
    if (!ends_with(status, "\n")) prefix += '\n';
    if (!stanzas.empty() &&
        stanzas.back().span.end == stanzas.back().span.offset + stanzas.back().span.text_size) {
      prefix += '\n';
    }
  }
  std::string out(status.substr(0, at));
  out += prefix;
  out += piece;
  out += status.substr(at);
  return out;
}

}  // namespace excise::sys
