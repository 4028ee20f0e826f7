// Damage of every kind to a journal's bytes (SAFETY.md S16): truncation at every offset,
// every single-bit flip, and random multi-bit damage. The rule under test: the reader
// never returns a record that was not written, returns every record before the damage,
// and says so when a complete record is damaged.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <random>
#include <string>
#include <vector>

#include "exec/journal.hpp"
#include "journal_sample.hpp"

using namespace excise;
using namespace excise::testing;

TEST_CASE("journal: truncation at every byte reads as the complete-record prefix") {
  const auto records = sample_records();
  const Sample sample = frame_all(records);
  Failures failures;
  std::size_t variants = 0;
  for (std::size_t cut = 0; cut <= sample.bytes.size(); ++cut, ++variants) {
    const JournalRead read = parse_journal(std::string_view(sample.bytes).substr(0, cut));
    std::size_t complete = 0;
    while (sample.starts[complete + 1] <= cut && complete < records.size())
      ++complete;
    const bool at_boundary = sample.starts[complete] == cut;
    if (!read.corruption.empty() || read.records != first_n(records, complete) ||
        read.valid_bytes != sample.starts[complete] || read.torn_tail == at_boundary) {
      failures.add(fmt::format("cut {}: {} records, torn {}, valid {}, corruption '{}'", cut,
                               read.records.size(), read.torn_tail, read.valid_bytes,
                               read.corruption));
    }
  }
  CHECK_MESSAGE(failures.count == 0, failures.text());
  CHECK(variants == sample.bytes.size() + 1);
  MESSAGE("truncation variants: " << variants << " over " << records.size() << " records");
}

namespace {

// What one damaged copy of `sample` must read as, when its first damaged byte is `first`
// and `tail_start` is where the sample's torn tail (if any) begins. Returns "" if it does.
std::string judge(const Sample& sample, const std::vector<json>& records, std::size_t first,
                  std::size_t tail_start, const JournalRead& read) {
  const auto got =
      fmt::format("{} records, torn {}, valid {}, corruption '{}'", read.records.size(),
                  read.torn_tail, read.valid_bytes, read.corruption);
  if (first >= tail_start) {
    // Damage inside a torn tail cannot always be seen (nothing checksums a prefix), but it
    // must never cost a complete record.
    if (read.records != records || read.valid_bytes != tail_start) return got;
    return read.torn_tail || !read.corruption.empty() ? "" : got;
  }
  const std::size_t k = record_at(sample, first);
  if (read.records != first_n(records, k) || read.valid_bytes != sample.starts[k]) return got;
  if (read.corruption.empty() && !read.torn_tail) return got;
  return "";
}

}  // namespace

TEST_CASE("journal: every single-bit flip is reported or lands in the torn tail") {
  const auto records = sample_records();
  Sample sample = frame_all(records);
  const std::size_t complete_size = sample.bytes.size();
  SUBCASE("journal of complete records: every flip is reported, naming its record") {
    Failures failures;
    std::size_t variants = 0;
    for (std::size_t at = 0; at < complete_size; ++at) {
      for (int bit = 0; bit < 8; ++bit, ++variants) {
        std::string damaged = sample.bytes;
        damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
        const JournalRead read = parse_journal(damaged);
        std::string problem = judge(sample, records, at, complete_size, read);
        // Stronger than judge: with no torn tail every flip must be reported, and the
        // message must name the damaged record and where it starts.
        const std::size_t k = record_at(sample, at);
        const auto named = fmt::format("record {} at byte {} ", k + 1, sample.starts[k]);
        if (problem.empty() && (read.torn_tail || read.corruption.find(named) != 0)) {
          problem = fmt::format("not reported as {}: torn {}, '{}'", named, read.torn_tail,
                                read.corruption);
        }
        if (!problem.empty()) failures.add(fmt::format("byte {} bit {}: {}", at, bit, problem));
      }
    }
    CHECK_MESSAGE(failures.count == 0, failures.text());
    CHECK(variants == 8 * complete_size);
    MESSAGE("single-bit flips, complete journal: " << variants << " over " << complete_size
                                                   << " bytes");
  }
  SUBCASE("journal ending in a torn record: flips before it are reported, in it never cost") {
    const std::string torn = frame_record(json{{"type", "step-end"}, {"step", 11}}).substr(0, 20);
    sample.bytes += torn;
    Failures failures;
    std::size_t variants = 0;
    std::size_t in_tail_reported = 0;
    for (std::size_t at = 0; at < sample.bytes.size(); ++at) {
      for (int bit = 0; bit < 8; ++bit, ++variants) {
        std::string damaged = sample.bytes;
        damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit));
        const JournalRead read = parse_journal(damaged);
        std::string problem = judge(sample, records, at, complete_size, read);
        if (problem.empty() && at < complete_size && read.corruption.empty()) {
          problem = "a flip in a complete record was not reported";
        }
        if (at >= complete_size && !read.corruption.empty()) ++in_tail_reported;
        if (!problem.empty()) failures.add(fmt::format("byte {} bit {}: {}", at, bit, problem));
      }
    }
    CHECK_MESSAGE(failures.count == 0, failures.text());
    MESSAGE("single-bit flips, journal with torn tail: "
            << variants << " (" << in_tail_reported << " of " << 8 * torn.size()
            << " flips inside the torn tail were still reported)");
  }
}

TEST_CASE("journal: random multi-bit damage never yields a record that was not written") {
  const auto records = sample_records();
  const Sample sample = frame_all(records);
  std::mt19937 random(20261127);  // fixed: a failure must reproduce
  std::uniform_int_distribution<std::size_t> where(0, sample.bytes.size() - 1);
  std::uniform_int_distribution<int> bit(0, 7), flips(2, 4);
  Failures failures;
  constexpr int kVariants = 4000;
  for (int variant = 0; variant < kVariants; ++variant) {
    std::string damaged = sample.bytes;
    for (int n = flips(random); n > 0; --n) {
      const std::size_t at = where(random);
      damaged[at] = static_cast<char>(damaged[at] ^ (1 << bit(random)));
    }
    // Two flips of one bit undo each other: the damage starts at the first changed byte.
    std::size_t first = 0;
    while (first < damaged.size() && damaged[first] == sample.bytes[first])
      ++first;
    if (first == damaged.size()) continue;
    const std::string problem =
        judge(sample, records, first, sample.bytes.size(), parse_journal(damaged));
    if (!problem.empty()) failures.add(fmt::format("variant {}: {}", variant, problem));
  }
  CHECK_MESSAGE(failures.count == 0, failures.text());
  MESSAGE("multi-bit damage variants: " << kVariants);
}

TEST_CASE("journal: a damaged final newline is corruption, a zeroed one a torn tail") {
  const auto records = sample_records();
  const Sample sample = frame_all(records);
  const std::size_t last = sample.starts[records.size() - 1];
  SUBCASE("any non-NUL byte in place of the last newline") {
    for (const char byte : {'\x0b', '*', 'J', ' ', '\x8a'}) {
      std::string damaged = sample.bytes;
      damaged.back() = byte;
      const JournalRead read = parse_journal(damaged);
      CHECK(read.records == first_n(records, records.size() - 1));
      CHECK_FALSE(read.torn_tail);
      CHECK(read.corruption ==
            fmt::format("record {} at byte {} passes its checksum but has byte 0x{:02x} where "
                        "its newline belongs; the journal cannot be trusted after record {}",
                        records.size(), last, static_cast<unsigned char>(byte),
                        records.size() - 1));
    }
  }
  SUBCASE("NUL: a crash left the last page unwritten") {
    std::string damaged = sample.bytes;
    damaged.back() = '\0';
    const JournalRead read = parse_journal(damaged);
    CHECK(read.corruption.empty());
    CHECK(read.torn_tail);
    CHECK(read.records == first_n(records, records.size() - 1));
  }
  SUBCASE("zeros after the last good record are a torn tail") {
    const JournalRead read = parse_journal(sample.bytes + std::string(4096, '\0'));
    CHECK(read.corruption.empty());
    CHECK(read.torn_tail);
    CHECK(read.records == records);
  }
  SUBCASE("a whole record without its newline is torn: its append never returned") {
    const JournalRead read =
        parse_journal(std::string_view(sample.bytes).substr(0, sample.bytes.size() - 1));
    CHECK(read.corruption.empty());
    CHECK(read.torn_tail);
    CHECK(read.records == first_n(records, records.size() - 1));
  }
}
