// FileJournal: the durable journal on disk (see journal.hpp for the rules it keeps).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "excise/bytes.hpp"
#include "exec/fail_points.hpp"
#include "exec/journal.hpp"
#include "system/state_file.hpp"

namespace excise {
namespace {

using sys::open_state_file;
using sys::state_file_path;
using sys::StateFile;
using sys::sync_dir;
using sys::system_failure;

constexpr std::string_view kWhat = "journal";

std::string read_all(int fd, const std::string& path) {
  std::string bytes;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(bytes.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw system_failure(kWhat, path, "read", errno);
    }
    if (n == 0) return bytes;
    bytes.append(buffer, static_cast<std::size_t>(n));
  }
}

bool is_current_header(const json& record) {
  const auto has = [&](const char* key, const json& expected) {
    const auto found = record.find(key);
    return found != record.end() && *found == expected;
  };
  return record.is_object() && has("type", "run") && has("format", kJournalFormat) &&
         has("version", kJournalVersion);
}

}  // namespace

FileJournal::FileJournal(const sys::Dir& dir, std::string_view name)
    : path_(state_file_path(dir, name)) {
  StateFile file = open_state_file(dir, name, O_RDWR | O_APPEND, kWhat);
  fd_ = std::move(file.fd);
  if (file.size > 0) {
    const JournalRead read = parse_journal(read_all(fd_.get(), path_));
    if (!read.corruption.empty()) {
      throw Error(Failure::input, fmt::format("journal {}: {}; not appending to it", shown(path_),
                                              read.corruption));
    }
    if (read.torn_tail) {
      if (::ftruncate(fd_.get(), static_cast<off_t>(read.valid_bytes)) != 0) {
        throw system_failure(kWhat, path_, "ftruncate", errno);
      }
      if (::fdatasync(fd_.get()) != 0) throw system_failure(kWhat, path_, "fdatasync", errno);
    }
    empty_ = read.records.empty();
  }
  // A journal with no record yet may have been created by us or by a run that crashed
  // before syncing its directory: either way the entry is not known to be durable.
  if (empty_) sync_dir(dir, "journal directory");
}

void FileJournal::write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_.get(), bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw system_failure(kWhat, path_, "write", errno);
    }
    // A regular file never accepts zero bytes of a non-empty write; guard the loop anyway.
    if (n == 0) throw system_failure(kWhat, path_, "write", EIO);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void FileJournal::append(const json& record) {
  if (poisoned_) {
    throw Error(Failure::system,
                fmt::format("journal {} is unusable after an earlier failure", shown(path_)));
  }
  if (empty_ && !is_current_header(record)) {
    throw std::invalid_argument("the first record of journal " + shown(path_) +
                                " must be its header (journal_header())");
  }
  const std::string frame = frame_record(record);  // a bug throws here, nothing written
  try {
    fail_point("journal.before-write");
    write_all(frame);
    fail_point("journal.after-write");
    // fdatasync, not fsync: it still writes the size change that makes the record
    // readable; only timestamps are left to the kernel.
    if (::fdatasync(fd_.get()) != 0) throw system_failure(kWhat, path_, "fdatasync", errno);
    fail_point("journal.after-sync");
  } catch (...) {
    // Whatever the file holds now, we cannot say it is durable, and retrying an fsync
    // after a failure proves nothing: stop appending for good.
    poisoned_ = true;
    throw;
  }
  empty_ = false;
}

}  // namespace excise
