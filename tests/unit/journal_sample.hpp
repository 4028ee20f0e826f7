// A sample journal for the journal tests: records carrying hostile byte strings, framed,
// with the offset of each record; and sweep helpers.
#pragma once

#include <fmt/format.h>

#include <boost/crc.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "excise/bytes.hpp"
#include "exec/journal.hpp"

namespace excise::testing {

inline std::vector<std::string> hostile_names() {
  return {
      "/home/alice/a\nb",
      "/opt/tab\there",
      std::string("/nul\0byte", 9),
      "/bad\xff\xfe-not-utf8",
      "/50%/%41",
      "-rf",
      "/glob/*?[x]",
      "/\"quoted\"\\back\\slash",
      "/caf\xc3\xa9",
      "/\xe2\x80\xa8line-separator\r",
      "/" + std::string(255, 'x'),
  };
}

// A header and one step record per hostile name: 12 records.
inline std::vector<json> sample_records() {
  json header = journal_header();
  header["run"] = "20261127T190000Z-ab12";
  header["root"] = encode_bytes("/mnt/image\n");
  std::vector<json> records{header};
  int step = 0;
  for (const auto& name : hostile_names()) {
    records.push_back(json{{"type", "step-begin"},
                           {"step", ++step},
                           {"action", "quarantine"},
                           {"path", encode_bytes(name)}});
  }
  return records;
}

struct Sample {
  std::string bytes;
  std::vector<std::size_t> starts;  // starts[i]: offset of record i; starts.back() == size
};

inline Sample frame_all(const std::vector<json>& records) {
  Sample sample;
  for (const auto& record : records) {
    sample.starts.push_back(sample.bytes.size());
    sample.bytes += frame_record(record);
  }
  sample.starts.push_back(sample.bytes.size());
  return sample;
}

inline std::vector<json> first_n(const std::vector<json>& records, std::size_t count) {
  return {records.begin(), records.begin() + static_cast<std::ptrdiff_t>(count)};
}

// Index of the record holding byte `offset`.
inline std::size_t record_at(const Sample& sample, std::size_t offset) {
  std::size_t k = 0;
  while (sample.starts[k + 1] <= offset)
    ++k;
  return k;
}

// Collects the first few failures of a sweep so that one CHECK reports them.
struct Failures {
  std::vector<std::string> items;
  std::size_t count = 0;
  void add(std::string what) {
    if (count++ < 5) items.push_back(std::move(what));
  }
  std::string text() const {
    std::string all = fmt::format("{} failures:", count);
    for (const auto& item : items)
      all += "\n  " + item;
    return all;
  }
};

inline const std::string kHeaderText = R"({"format":"excise-journal","type":"run","version":1})";

// Frames a text as the writer would, without going through frame_record, so that the
// reader can be shown lines frame_record refuses to write.
inline std::string frame_text(std::string_view text) {
  boost::crc_32_type crc;
  crc.process_bytes(text.data(), text.size());
  return fmt::format("{:08x} {}\n", crc.checksum(), text);
}

}  // namespace excise::testing
