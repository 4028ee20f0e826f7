// The names in one directory, read through a fresh descriptor (so the shared one keeps
// its offset) and sorted by their bytes. Names are packed in one buffer: a directory of
// a million entries costs its names plus 8 bytes each, not a std::string apiece.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace excise::sys {

class Listing {
 public:
  // Reads every entry of the directory `dirfd` except "." and "..".
  static Listing read(int dirfd, std::string_view path);

  std::size_t size() const { return entries_.size(); }
  std::string_view name(std::size_t i) const {
    return std::string_view(names_).substr(entries_[i].offset, entries_[i].length);
  }
  unsigned char type(std::size_t i) const { return entries_[i].type; }  // DT_* from getdents

  // Iteration by the walker.
  bool done() const { return next_ >= entries_.size(); }
  std::string_view take() { return name(next_++); }

 private:
  struct Entry {
    std::uint32_t offset;
    std::uint16_t length;  // NAME_MAX is 255 bytes, but ntfs3 names reach 765
    unsigned char type;
  };
  std::string names_;
  std::vector<Entry> entries_;
  std::size_t next_ = 0;
};

}  // namespace excise::sys
