// S16 on real journals: what excise wrote while applying and rolling back the reference
// scenario of the fault sweep (tests/fuzz/seeds/journal, made by a real run), read back
// after truncation at every byte offset and a bit flip at every byte, then interpreted by
// run_state as rollback does. The synthetic-sample tests (test_journal_damage.cpp) check
// the reader's rules; these check that real records, with their real sizes and nesting,
// never yield a partly read record and that the interpretation only ever sees the intact
// prefix.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "excise/error.hpp"
#include "exec/journal.hpp"
#include "exec/run_state.hpp"

using namespace excise;

namespace {

std::string seed_journal(const std::string& name) {
  std::string source = EXCISE_SOURCE_CATALOGUE;
  const std::string path =
      source.substr(0, source.rfind('/')) + "/tests/fuzz/seeds/journal/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::size_t> record_starts(const std::string& bytes) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if (bytes[i] == '\n') starts.push_back(i + 1);
  return starts;  // starts.back() == bytes.size() for a journal that ends in a newline
}

std::size_t begins_in(const std::vector<json>& records) {
  std::size_t n = 0;
  for (const auto& r : records)
    n += r.value("type", "") == "begin" ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("real journals: truncation at every byte offset") {
  std::size_t variants = 0;
  for (const char* name : {"resumed", "small-rolled-back-twice"}) {
    CAPTURE(name);
    const std::string bytes = seed_journal(name);
    const auto starts = record_starts(bytes);
    REQUIRE(starts.back() == bytes.size());
    const JournalRead whole = parse_journal(bytes);
    REQUIRE(whole.corruption.empty());
    REQUIRE(whole.records.size() == starts.size() - 1);
    std::size_t complete = 0, bad = 0;
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut, ++variants) {
      while (complete + 1 < starts.size() && starts[complete + 1] <= cut)
        ++complete;
      const JournalRead read = parse_journal(std::string_view(bytes).substr(0, cut));
      const bool at_boundary = starts[complete] == cut;
      const std::vector<json> prefix(whole.records.begin(), whole.records.begin() + complete);
      if (!read.corruption.empty() || read.torn_tail == at_boundary || read.records != prefix ||
          read.valid_bytes != starts[complete]) {
        if (++bad <= 5)
          FAIL_CHECK(fmt::format("cut {}: {} records, torn {}, '{}'", cut, read.records.size(),
                                 read.torn_tail, read.corruption));
        continue;
      }
      if (read.records.empty()) continue;
      // Rollback's view: exactly the steps whose "begin" is complete, nothing of the rest.
      const RunState state = run_state(read.records);
      if (state.steps.size() != begins_in(prefix) && ++bad <= 5)
        FAIL_CHECK(fmt::format("cut {}: {} steps seen for {} begin records", cut,
                               state.steps.size(), begins_in(prefix)));
    }
    CHECK(bad == 0);
  }
  MESSAGE("truncations of real journals: " << variants);
}

TEST_CASE("real journals: a flipped bit anywhere is refused, naming its record") {
  std::size_t variants = 0;
  for (const char* name : {"resumed", "small-rolled-back-twice"}) {
    CAPTURE(name);
    const std::string bytes = seed_journal(name);
    const auto starts = record_starts(bytes);
    std::size_t k = 0, bad = 0;
    for (std::size_t at = 0; at < bytes.size(); ++at) {
      while (starts[k + 1] <= at)
        ++k;
      // Every byte, one bit each (the bit moves along), plus all 8 bits of each newline.
      std::vector<int> bits{static_cast<int>((at * 5) % 8)};
      if (bytes[at] == '\n') bits = {0, 1, 2, 3, 4, 5, 6, 7};
      for (const int bit : bits) {
        ++variants;
        std::string damaged = bytes;
        damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
        const JournalRead read = parse_journal(damaged);
        const std::string named = fmt::format("record {} at byte {} ", k + 1, starts[k]);
        const bool ok = read.corruption.rfind(named, 0) == 0 && read.records.size() == k &&
                        read.valid_bytes == starts[k];
        if (!ok && ++bad <= 5)
          FAIL_CHECK(fmt::format("byte {} bit {}: {} records, torn {}, '{}'", at, bit,
                                 read.records.size(), read.torn_tail, read.corruption));
      }
    }
    CHECK(bad == 0);
  }
  MESSAGE("bit flips of real journals: " << variants);
}

TEST_CASE("run_state: a begin record without its step is an input error, not a crash") {
  const std::vector<json> records = {journal_header(), json{{"type", "begin"}, {"seq", 1u}}};
  CHECK_THROWS_WITH_AS(run_state(records), "journal record 2: 'begin' without its 'step'", Error);
}

TEST_CASE("run_state: a run that ended at a failed prepare names that step as prepared") {
  // Its prepare may have made links it could not drop (the same fault stopped that too):
  // rollback and the next apply drop them (exec/residue.hpp), as for a killed run.
  const JournalRead read = parse_journal(seed_journal("applied"));
  REQUIRE(read.corruption.empty());
  std::vector<json> records;
  for (const auto& r : read.records) {
    if (r.value("type", "") == "begin" && r.value("seq", 0u) == 2u) break;
    records.push_back(r);
  }
  json end = {{"type", "end"}, {"status", "failed"}, {"error", "step 2 failed"}};
  records.push_back(end);
  CHECK_FALSE(run_state(records).preparing.has_value());  // failed as it acted: begun
  records.back()["failed_in_prepare"] = 2u;
  const RunState failed = run_state(records);
  REQUIRE(failed.preparing.has_value());
  CHECK(failed.preparing_seq == 2);
  records.back()["failed_in_prepare"] = 5u;  // not the step after the last begun one
  CHECK_FALSE(run_state(records).preparing.has_value());
}
