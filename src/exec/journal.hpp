// The journal of a run: append-only, versioned, one checksummed record per line,
// written and made durable before the step it announces acts, and again when it ends.
//
// Framing of one record: "<crc32 of the JSON text, 8 lower-case hex digits> <JSON>\n".
// JSON never contains a raw newline, so a record is a line. Byte strings inside records
// are carried with encode_bytes (excise/bytes.hpp), so the JSON is always valid UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "system/safe_root.hpp"

namespace excise {

using json = nlohmann::json;

inline constexpr std::string_view kJournalFormat = "excise-journal";
inline constexpr int kJournalVersion = 1;

// One framed record, with its trailing newline.
std::string frame_record(const json& record);

struct JournalRead {
  std::vector<json> records;  // every complete record that passed its check, in order
  // The file ends in an incomplete record (no newline): a crash while appending. Such a
  // record was never made durable, so the step it announced never started; it is ignored.
  bool torn_tail = false;
  std::uint64_t valid_bytes = 0;  // length of the prefix made of good records
  // Non-empty when a complete record fails its checksum or does not parse: nothing after
  // the last good record may be trusted. Names the record number and byte offset.
  std::string corruption;
};
JournalRead parse_journal(std::string_view bytes);

// Where the executor writes. Dry-run uses NullJournal.
class Journal {
 public:
  virtual ~Journal() = default;
  // Durable when it returns. A failed write or fsync throws Error(system) and is never
  // retried: the run must stop before its next change (SAFETY.md S15).
  virtual void append(const json& record) = 0;
};

class NullJournal : public Journal {
 public:
  void append(const json&) override {}
};

// Appends to `dir/name` (created 0600 if absent) with write + fdatasync per record.
class FileJournal : public Journal {
 public:
  FileJournal(const sys::Dir& dir, std::string_view name);
  void append(const json& record) override;

 private:
  sys::Fd fd_;
  std::string path_;
};

}  // namespace excise
