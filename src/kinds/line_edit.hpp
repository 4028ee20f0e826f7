// Removing lines from a text file, and putting them back, byte for byte: a line is its
// bytes up to and including its '\n' (the last one may lack it). Pure functions.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace excise {

// Lines longer than this are never matched: std::regex recurses per character.
inline constexpr std::size_t kMaxMatchedLine = 8192;

std::vector<std::string> split_lines(std::string_view text);

struct LineRemoval {
  std::string text;                  // what is left
  std::vector<std::size_t> removed;  // indices of the removed lines in the original
  std::vector<std::string> lines;    // their bytes
  std::size_t too_long = 0;          // lines skipped because they are too long to match
};

// Every line the regex finds a match in (std::regex_search on the line without its '\n').
LineRemoval remove_matching_lines(std::string_view text, const std::regex& pattern);

struct LineRestore {
  std::string text;
  std::vector<std::string> notes;
};

// Puts back what remove_matching_lines took from `before`, into `current`: exactly
// `before` when current is still what the removal left; otherwise each removed line goes
// back after the nearest line that preceded it in `before` and is still in `current`
// (or at the top), unless an identical line is already there.
LineRestore restore_lines(std::string_view before, const LineRemoval& removal,
                          std::string_view current);

}  // namespace excise
