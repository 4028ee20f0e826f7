// The journal's bytes: framing records, and reading them back with every check.
#include <fmt/format.h>

#include <boost/crc.hpp>
#include <optional>
#include <stdexcept>

#include "exec/journal.hpp"

namespace excise {
namespace {

std::uint32_t crc32_of(std::string_view text) {
  boost::crc_32_type crc;
  crc.process_bytes(text.data(), text.size());
  return crc.checksum();
}

// Exactly 8 lower-case hex digits: the only spelling frame_record writes, so any other
// is damage, not a variant.
std::optional<std::uint32_t> parse_crc(std::string_view hex) {
  if (hex.size() != 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : hex) {
    std::uint32_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint32_t>(c - 'a' + 10);
    } else {
      return std::nullopt;
    }
    value = value << 4 | digit;
  }
  return value;
}

constexpr std::size_t kTextStart = 9;  // "xxxxxxxx " then the JSON text

// The checksum stated by a frame that starts `bytes`, if it is well-formed.
std::optional<std::uint32_t> stated_crc(std::string_view bytes) {
  if (bytes.size() <= kTextStart || bytes[8] != ' ') return std::nullopt;
  return parse_crc(bytes.substr(0, 8));
}

// What is wrong with one complete line (without its newline), or "" when it is a good
// record, which is then left in `out`.
std::string check_line(std::string_view line, json& out) {
  const auto crc = stated_crc(line);
  if (!crc) return "is not framed as \"<crc32> <json>\"";
  const std::string_view text = line.substr(kTextStart);
  if (crc32_of(text) != *crc) return "fails its checksum";
  try {
    out = json::parse(text);
  } catch (const json::exception&) {
    // parse_error, and out_of_range for a number too large for any JSON number type
    // (found by fuzz_journal).
    return "passes its checksum but is not JSON";
  }
  if (!out.is_object()) return "passes its checksum but is not a JSON object";
  return "";
}

std::string check_header(const json& record) {
  const auto field = [&](const char* key) {
    const auto found = record.find(key);
    return found == record.end() ? json() : *found;
  };
  if (field("type") != "run" || field("format") != kJournalFormat) {
    return fmt::format("is not an excise journal header (type \"run\", format \"{}\")",
                       kJournalFormat);
  }
  const json version = field("version");
  if (!version.is_number_integer() || version.get<std::int64_t>() < 1) {
    return fmt::format("has journal version {}, which no excise writes", version.dump());
  }
  return "";
}

// A final line without its newline is normally a torn write, that is a prefix of one
// frame: the only place its text can pass the stated checksum is its very end (the whole
// record, written but never acknowledged). If the checksum passes earlier and another
// byte follows, a complete record was there and its newline was damaged (the record may
// even have merged with a torn one after it): dropping it as torn would silently lose a
// durable record. Returns where that newline should be, or 0. A NUL there still counts
// as torn: a crash can leave the last page unwritten (zeros) under a size that already
// covers it, and one damaged bit cannot turn '\n' into NUL.
std::size_t damaged_newline_in(std::string_view tail) {
  const auto crc = stated_crc(tail);
  if (!crc) return 0;
  boost::crc_32_type running;
  for (std::size_t end = kTextStart + 1; end < tail.size(); ++end) {
    running.process_byte(static_cast<unsigned char>(tail[end - 1]));
    if (running.checksum() == *crc && tail[end] != '\0') return end;
  }
  return 0;
}

std::string untrusted_after(std::size_t number) {
  return number == 1 ? "nothing in the journal can be trusted"
                     : fmt::format("the journal cannot be trusted after record {}", number - 1);
}

}  // namespace

std::string frame_record(const json& record) {
  if (!record.is_object()) throw std::invalid_argument("a journal record must be a JSON object");
  // strict: a string that is not UTF-8 is a caller that forgot encode_bytes; it throws
  // rather than being replaced, which would change the bytes a rollback restores.
  const std::string text = record.dump(-1, ' ', false, json::error_handler_t::strict);
  return fmt::format("{:08x} {}\n", crc32_of(text), text);
}

json journal_header() {
  return json{{"type", "run"}, {"format", kJournalFormat}, {"version", kJournalVersion}};
}

JournalRead parse_journal(std::string_view bytes) {
  JournalRead read;
  std::size_t offset = 0;
  for (std::size_t number = 1; offset < bytes.size(); ++number) {
    const auto newline = bytes.find('\n', offset);
    std::string problem;
    json record;
    if (newline == std::string_view::npos) {
      const std::string_view tail = bytes.substr(offset);
      const std::size_t damaged = damaged_newline_in(tail);
      if (damaged == 0) {
        read.torn_tail = true;
        break;
      }
      problem = fmt::format(
          "passes its checksum but has byte 0x{:02x} where its newline "
          "belongs",
          static_cast<unsigned char>(tail[damaged]));
    } else {
      problem = check_line(bytes.substr(offset, newline - offset), record);
      if (problem.empty() && number == 1) problem = check_header(record);
      if (problem.empty() && number == 1) {
        const auto version = record.at("version").get<std::int64_t>();
        if (version > kJournalVersion) {
          // Not damage: a newer excise wrote it. Say so plainly, without record numbers.
          read.corruption = fmt::format("journal version {} is newer than this excise reads ({})",
                                        version, kJournalVersion);
          break;
        }
      }
    }
    if (!problem.empty()) {
      read.corruption = fmt::format("record {} at byte {} {}; {}", number, offset, problem,
                                    untrusted_after(number));
      break;
    }
    read.records.push_back(std::move(record));
    offset = newline + 1;
    read.valid_bytes = offset;
  }
  return read;
}

}  // namespace excise
