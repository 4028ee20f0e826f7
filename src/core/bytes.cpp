#include "excise/bytes.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>

#include "excise/error.hpp"

namespace excise {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the valid UTF-8 sequence starting at s[i], or 0 if the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t len;
  std::uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void append_hex_escape(std::string& out, char prefix_a, char prefix_b, unsigned char c) {
  if (prefix_a) out += prefix_a;
  if (prefix_b) out += prefix_b;
  out += kHex[c >> 4];
  out += kHex[c & 0xF];
}

// The code point of the valid UTF-8 sequence of `len` bytes at s[i].
std::uint32_t code_point(std::string_view s, std::size_t i, std::size_t len) {
  static constexpr unsigned char kLead[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  std::uint32_t cp = static_cast<unsigned char>(s[i]) & kLead[len];
  for (std::size_t k = 1; k < len; ++k)
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

// Valid UTF-8 that a terminal would act on or that changes how a line reads: the C1
// controls (U+009B is CSI, an escape sequence on its own), line and paragraph
// separators, and the bidirectional controls ("Trojan Source": U+202E shows
// "acme-\u202etxt.exe" as "acme-exe.txt"). A hostile file name must not do that to
// the person reading a plan (SAFETY S10).
bool hidden_meaning(std::uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
         cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

// "\\u202e": four hex digits (every code point hidden_meaning names fits).
std::string fmt_u(std::uint32_t cp) {
  std::string out = "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += kHex[(cp >> shift) & 0xF];
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool is_valid_utf8(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t len = utf8_sequence_length(bytes, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string shown(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\t') {
      out += "\\t";
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      append_hex_escape(out, '\\', 'x', c);
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else if (const std::size_t len = utf8_sequence_length(bytes, i); len > 0) {
      if (const std::uint32_t cp = code_point(bytes, i, len); hidden_meaning(cp)) {
        out += fmt_u(cp);
      } else {
        out.append(bytes.substr(i, len));
      }
      i += len;
    } else {
      append_hex_escape(out, '\\', 'x', c);
      ++i;
    }
  }
  return out;
}

std::string encode_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '%') {
      append_hex_escape(out, '%', 0, c);
      ++i;
    } else if (const std::size_t len = utf8_sequence_length(bytes, i); len > 0) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      append_hex_escape(out, '%', 0, c);
      ++i;
    }
  }
  return out;
}

std::string decode_bytes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      throw Error(Failure::input, "malformed byte escape at the end of \"" + shown(text) + "\"");
    }
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) {
      throw Error(Failure::input, "malformed byte escape in \"" + shown(text) + "\"");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw Error(Failure::system, "sha256: OpenSSL EVP_Digest failed");
  }
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i)
    append_hex_escape(out, 0, 0, digest[i]);
  return out;
}

}  // namespace excise
