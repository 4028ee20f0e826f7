// libFuzzer target over the journal reader (SAFETY.md S16, S24): parse_journal, then
// run_state over what it accepts. Two ways to use the input, chosen by its first byte:
//   even: the bytes as they would be on disk (framing, checksums, torn tails, damage);
//   odd:  each line is taken as a record's JSON text and framed here with its correct
//         checksum, so that the fuzzer reaches run_state with records that pass every
//         check of the framing (a crc32 is no defence against a crafted journal).
// Every input must give records or a corruption message, and run_state must either
// describe the run or throw excise::Error (its message is what rollback prints); any
// other exception, or a crash, is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <boost/crc.hpp>

#include "excise/error.hpp"
#include "exec/journal.hpp"
#include "exec/run_state.hpp"

namespace {

std::string frame_lines(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    boost::crc_32_type crc;
    crc.process_bytes(line.data(), line.size());
    out += fmt::format("{:08x} ", crc.checksum());
    out += line;
    if (newline == std::string_view::npos) break;  // no newline: a torn tail stays torn
    out += '\n';
    text.remove_prefix(newline + 1);
  }
  return out;
}

void check(std::string_view bytes) {
  const excise::JournalRead read = excise::parse_journal(bytes);
  // The good prefix is what the reader says it is, and reads back the same.
  if (read.valid_bytes > bytes.size()) __builtin_trap();
  if (read.corruption.empty() && !read.torn_tail && read.valid_bytes != bytes.size())
    __builtin_trap();
  const excise::JournalRead again = excise::parse_journal(bytes.substr(0, read.valid_bytes));
  if (!again.corruption.empty() || again.torn_tail || again.records != read.records)
    __builtin_trap();
  // Every accepted record frames back into a record the reader accepts.
  for (const auto& record : read.records) {
    const excise::JournalRead one = excise::parse_journal(excise::frame_record(record));
    if (one.records.size() != 1 || one.records[0] != record) {
      // Only the first record must be a header; a lone later record fails that check.
      if (one.corruption.find("not an excise journal header") == std::string::npos)
        __builtin_trap();
    }
  }
  if (!read.corruption.empty() || read.records.empty()) return;
  try {
    const excise::RunState state = excise::run_state(read.records);
    (void)excise::run_phase_name(state.phase);
  } catch (const excise::Error&) {
    // A clear refusal: what rollback reports.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    check(frame_lines(text));
  } else {
    check(text);
  }
  return 0;
}
