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

// One framed record, with its trailing newline. The record must be a JSON object whose
// strings are valid UTF-8 (byte strings go through encode_bytes): anything else is a bug
// and throws (std::invalid_argument, or nlohmann's type_error for a bad string).
std::string frame_record(const json& record);

// {"type":"run","format":"excise-journal","version":1}: the first record of every journal.
// The executor adds the run's own fields (id, root, start time...).
json journal_header();

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
// Never returns a record that did not pass. A last line without its newline is a torn
// tail, except when a complete record inside it passes its checksum and is followed by a
// byte other than NUL where its newline belongs: that is a damaged newline, reported as
// corruption, since calling it torn would silently drop a durable record. (NUL stays
// torn: a crash can leave the last page unwritten, zeros under a size that covers it.)
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
//
// Opening: the name must be a regular file with one link, owned by us, not a symlink
// (system/state_file.hpp). A created (or still empty) file gets an fsync of its directory, so
// the file itself survives a crash. An existing journal is read first: if it ends in a
// torn tail that tail is cut off (it was never durable, so nothing depended on it), so
// that our first record does not glue onto it and turn into corruption; if it is corrupt,
// the constructor throws Error(input) rather than append after records nobody can trust.
// That is why the descriptor is O_RDWR | O_APPEND, not write-only.
//
// Appending: the first record of an empty journal must be a header (journal_header()).
// Fail points "journal.before-write", "journal.after-write", "journal.after-sync".
//
// Failure: any failed write or fdatasync (or an injected one) throws
// Error(system, "journal <path>: <what> failed: <strerror>") and poisons the object:
// every later append throws at once without writing. An fsync failure is never retried,
// because after one the kernel may already have marked the unwritten pages clean
// (Rebello et al., ATC'20). A write that fails midway (ENOSPC, EFBIG, EIO after a short
// write) leaves a partial last line; the file then ends in a torn tail, which
// parse_journal ignores and the next FileJournal on the file cuts off. A record whose
// framing throws (a bug) writes nothing and does not poison.
class FileJournal : public Journal {
 public:
  FileJournal(const sys::Dir& dir, std::string_view name);
  void append(const json& record) override;

  const std::string& path() const { return path_; }
  bool poisoned() const { return poisoned_; }

 private:
  void write_all(std::string_view bytes);

  sys::Fd fd_;
  std::string path_;
  bool empty_ = true;  // no record yet: the next one must be the header
  bool poisoned_ = false;
};

}  // namespace excise
