#include <doctest/doctest.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

using namespace excise;

TEST_CASE("bytes: shown escapes what a terminal would hide") {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"/opt/acme", "/opt/acme"},
      {"a\nb", "a\\nb"},
      {"tab\there", "tab\\there"},
      {"back\\slash", "back\\\\slash"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
      {"bad\xff", "bad\\xff"},
      {"\x7f", "\\x7f"},
  };
  for (const auto& c : cases)
    CHECK(shown(c.in) == c.out);
}

TEST_CASE(
    "safety: bytes: shown escapes valid UTF-8 that acts on a terminal or reorders text (S10)") {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      {"\xc2\x9b"
       "31mred",
       "\\u009b31mred"},                                    // C1 CSI
      {"\xc2\x85", "\\u0085"},                              // NEL
      {"acme-\xe2\x80\xaetxt.exe", "acme-\\u202etxt.exe"},  // right-to-left override
      {"\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069"},     // isolates
      {"a\xe2\x80\xa8"
       "b",
       "a\\u2028b"},            // line separator
      {"\xd8\x9c", "\\u061c"},  // Arabic letter mark
      {"\xc2\xa0nbsp \xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d",
       "\xc2\xa0nbsp \xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x8d"},
      {"\\u202e", "\\\\u202e"},  // the text of an escape is not the escape
  };
  for (const auto& c : cases)
    CHECK(shown(c.in) == c.out);
}

TEST_CASE("bytes: encode_bytes round-trips every byte value") {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  CHECK(decode_bytes(encode_bytes(all)) == all);
  CHECK(encode_bytes("50%") == "50%25");
  CHECK(encode_bytes("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(encode_bytes("\xff") == "%ff");
  CHECK(is_valid_utf8(encode_bytes(all)));
  CHECK_THROWS_AS(decode_bytes("%4"), Error);
  CHECK_THROWS_AS(decode_bytes("%zz"), Error);
}

TEST_CASE("bytes: utf8 validation rejects overlong and surrogate forms") {
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("\xe2\x82\xac"));
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
  CHECK_FALSE(is_valid_utf8("\xe2\x82"));      // truncated
}

TEST_CASE("bytes: sha256 of the empty string") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
