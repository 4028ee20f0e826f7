// Paths, names and lines are byte strings: a std::string holds their exact bytes,
// never re-encoded. These helpers show them to people and carry them through JSON.
#pragma once

#include <string>
#include <string_view>

namespace excise {

// True when the bytes are well-formed UTF-8.
bool is_valid_utf8(std::string_view bytes);

// For people: printable text stays as is; backslash, control bytes and bytes that are
// not UTF-8 become C escapes (\\, \n, \t, \xNN), and so do valid UTF-8 characters that
// a terminal acts on or that reorder a line (C1 controls, bidi controls, line
// separators: \u009b, \u202e). The result is unambiguous.
std::string shown(std::string_view bytes);

// For JSON: valid UTF-8 passes through, except '%'; every byte that is not part of a
// valid UTF-8 sequence, and '%' itself, becomes %XX. decode_bytes reverses it exactly.
std::string encode_bytes(std::string_view bytes);
// Throws excise::Error (input) on a malformed escape.
std::string decode_bytes(std::string_view text);

// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

}  // namespace excise
