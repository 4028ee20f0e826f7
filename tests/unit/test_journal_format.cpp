// The journal's bytes: framing, reading, and what damage of every kind reads as (S16).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "excise/bytes.hpp"
#include "exec/journal.hpp"
#include "journal_sample.hpp"

using namespace excise;

using namespace excise::testing;

TEST_CASE("journal: frame_record writes crc32, a space, compact JSON and a newline") {
  // 561bacaf is zlib.crc32(b'{"a":1}'), computed independently.
  CHECK(frame_record(json{{"a", 1}}) == "561bacaf {\"a\":1}\n");
  const std::string framed = frame_record(sample_records()[1]);
  CHECK(framed.find('\n') == framed.size() - 1);
  CHECK(is_valid_utf8(framed));
}

TEST_CASE("journal: frame_record refuses what the reader would refuse") {
  CHECK_THROWS_AS(frame_record(json::array({1, 2})), std::invalid_argument);
  CHECK_THROWS_AS(frame_record(json(5)), std::invalid_argument);
  // A raw byte string is a caller that forgot encode_bytes: a bug, never written.
  CHECK_THROWS_AS(frame_record(json{{"path", "/bad\xff"}}), json::type_error);
}

TEST_CASE("journal: records with hostile byte strings round-trip exactly") {
  const auto records = sample_records();
  const Sample sample = frame_all(records);
  const JournalRead read = parse_journal(sample.bytes);
  CHECK(read.corruption.empty());
  CHECK_FALSE(read.torn_tail);
  CHECK(read.valid_bytes == sample.bytes.size());
  REQUIRE(read.records == records);
  const auto names = hostile_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    CHECK(decode_bytes(read.records[i + 1]["path"].get<std::string>()) == names[i]);
  }
  CHECK(decode_bytes(read.records[0]["root"].get<std::string>()) == "/mnt/image\n");
}

TEST_CASE("journal: an empty file is an empty journal") {
  const JournalRead read = parse_journal("");
  CHECK(read.records.empty());
  CHECK_FALSE(read.torn_tail);
  CHECK(read.corruption.empty());
  CHECK(read.valid_bytes == 0);
}

TEST_CASE("journal: the first record must be this format's header") {
  const std::string step = frame_text(R"({"type":"step-begin","step":1})");
  SUBCASE("missing header") {
    const JournalRead read = parse_journal(step + step);
    CHECK(read.records.empty());
    CHECK(read.corruption ==
          "record 1 at byte 0 is not an excise journal header (type \"run\", format "
          "\"excise-journal\"); nothing in the journal can be trusted");
  }
  SUBCASE("another format") {
    const auto read = parse_journal(frame_text(R"({"type":"run","format":"dpkg","version":1})"));
    CHECK(read.records.empty());
    CHECK(read.corruption.find("is not an excise journal header") != std::string::npos);
  }
  SUBCASE("a newer version") {
    const auto read =
        parse_journal(frame_text(R"({"type":"run","format":"excise-journal","version":2})") + step);
    CHECK(read.records.empty());
    CHECK(read.corruption == "journal version 2 is newer than this excise reads (1)");
  }
  SUBCASE("versions no excise writes") {
    for (const char* version : {"0", "-1", "\"1\"", "1.0", "null"}) {
      const auto read = parse_journal(frame_text(
          fmt::format(R"({{"type":"run","format":"excise-journal","version":{}}})", version)));
      CAPTURE(version);
      CHECK(read.records.empty());
      CHECK(read.corruption.find("which no excise writes") != std::string::npos);
    }
  }
  SUBCASE("not a journal at all") {
    const auto read = parse_journal("root:x:0:0:root:/root:/bin/bash\n");
    CHECK(read.corruption ==
          "record 1 at byte 0 is not framed as \"<crc32> <json>\"; nothing in the journal "
          "can be trusted");
  }
  SUBCASE("the header alone is a good journal") {
    const auto read = parse_journal(frame_text(kHeaderText));
    CHECK(read.corruption.empty());
    CHECK(read.records.size() == 1);
  }
}

TEST_CASE("journal: damaged framing names the record and its byte offset") {
  const std::string header = frame_text(kHeaderText);
  const std::string good = frame_text(R"({"type":"step-begin","step":1})");
  const std::string prefix = header + good;
  const auto at = prefix.size();
  struct Case {
    std::string line, problem;
  };
  const std::string body = R"({"type":"step-end","step":1})";
  const std::string crc = frame_record(json::parse(body)).substr(0, 8);
  const std::vector<Case> cases = {
      {crc + " " + body + "x\n", "fails its checksum"},
      // 561bacaf {"a":1} is a good record; the writer never spells hex in capitals.
      {"561BACAF {\"a\":1}\n", "is not framed as \"<crc32> <json>\""},
      {"561bacaf  {\"a\":1}\n", "fails its checksum"},
      {crc + body + "\n", "is not framed as \"<crc32> <json>\""},
      {"\n", "is not framed as \"<crc32> <json>\""},
      {crc + " " + body + "\r\n", "fails its checksum"},
  };
  for (const auto& c : cases) {
    const auto read = parse_journal(prefix + c.line + good);
    CAPTURE(c.line);
    CHECK(read.records.size() == 2);
    CHECK(read.valid_bytes == at);
    CHECK(read.corruption == fmt::format("record 3 at byte {} {}; the journal cannot be trusted "
                                         "after record 2",
                                         at, c.problem));
  }
}

TEST_CASE("journal: a checksummed line that is not a JSON object is corruption") {
  const std::string header = frame_text(kHeaderText);
  struct Case {
    std::string text, problem;
  };
  const std::vector<Case> cases = {
      {"[1,2]", "passes its checksum but is not a JSON object"},
      {"\"text\"", "passes its checksum but is not a JSON object"},
      {"{\"a\":", "passes its checksum but is not JSON"},
      {"{\"a\":1} {}", "passes its checksum but is not JSON"},
      {"{\"path\":\"\xff\"}", "passes its checksum but is not JSON"},  // not UTF-8
      {"", "is not framed as \"<crc32> <json>\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto read = parse_journal(header + frame_text(c.text) + header);
    CHECK(read.records.size() == 1);
    CHECK(read.corruption == fmt::format("record 2 at byte {} {}; the journal cannot be trusted "
                                         "after record 1",
                                         header.size(), c.problem));
  }
}
