#include "system/dpkg_info.hpp"

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

// Lines without their '\n'; a last line without '\n' counts, the empty tail does not.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t newline = text.find('\n', pos);
    if (newline == std::string_view::npos) newline = text.size();
    lines.push_back(text.substr(pos, newline - pos));
    pos = newline + 1;
  }
  return lines;
}

}  // namespace

InfoFormat parse_info_format(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  if (text.empty() || text == "0") return InfoFormat::legacy;
  if (text == "1") return InfoFormat::multiarch;
  throw Error(Failure::system,
              fmt::format("dpkg info/format: unknown database format \"{}\"", shown(text)));
}

std::string info_file_name(const DpkgPackage& package, std::string_view suffix, InfoFormat format) {
  std::string name = package.name;
  if (format == InfoFormat::multiarch && package.multi_arch == MultiArch::same &&
      !package.arch.empty()) {
    name += ":" + package.arch;
  }
  name += ".";
  name += suffix;
  return name;
}

std::string normalize_dpkg_path(std::string_view path) {
  // dpkg's path_trim_slash_slashdot: strip trailing "/" and "/." until something is left.
  while (path.size() > 1) {
    if (path.back() == '/') {
      path.remove_suffix(1);
    } else if (path.size() > 2 && path.substr(path.size() - 2) == "/.") {
      path.remove_suffix(2);
    } else {
      break;
    }
  }
  if (path == "/.") return "/";
  return std::string(path);
}

std::vector<std::string> parse_list_file(std::string_view text) {
  std::vector<std::string> paths;
  for (std::string_view line : lines_of(text)) {
    if (line.empty()) continue;
    paths.push_back(normalize_dpkg_path(line));
  }
  return paths;
}

std::vector<DpkgMd5sum> parse_md5sums_file(std::string_view text, std::string_view source) {
  std::vector<DpkgMd5sum> out;
  std::size_t number = 0;
  for (std::string_view line : lines_of(text)) {
    ++number;
    if (line.empty()) continue;
    const std::size_t space = line.find(' ');
    std::size_t start = space;
    // Two blanks, or " *" (binary mode, as md5sum writes it).
    while (start != std::string_view::npos && start < line.size() &&
           (line[start] == ' ' || line[start] == '*')) {
      ++start;
    }
    if (space == 0 || space == std::string_view::npos || start >= line.size()) {
      throw Error(Failure::system, fmt::format("{} line {}: not \"<md5>  <path>\": \"{}\"",
                                               shown(source), number, shown(line)));
    }
    std::string path(line.substr(start));
    if (path.front() != '/') path.insert(path.begin(), '/');
    out.push_back({normalize_dpkg_path(path), std::string(line.substr(0, space))});
  }
  return out;
}

std::vector<DpkgConffile> parse_conffiles_file(std::string_view text, std::string_view source) {
  std::vector<DpkgConffile> out;
  std::size_t number = 0;
  for (std::string_view line : lines_of(text)) {
    ++number;
    if (line.empty()) continue;
    DpkgConffile c;
    constexpr std::string_view kRemove = "remove-on-upgrade ";
    if (line.substr(0, kRemove.size()) == kRemove) {
      c.remove_on_upgrade = true;
      line.remove_prefix(kRemove.size());
    }
    if (line.empty() || line.front() != '/') {
      throw Error(Failure::system, fmt::format("{} line {}: not an absolute path: \"{}\"",
                                               shown(source), number, shown(line)));
    }
    c.path = std::string(line);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<DpkgDiversion> parse_diversions(std::string_view text, std::string_view source) {
  const auto lines = lines_of(text);
  if (lines.size() % 3 != 0) {
    throw Error(Failure::system,
                fmt::format("{}: {} lines, not a whole number of diversions (3 lines each)",
                            shown(source), lines.size()));
  }
  std::vector<DpkgDiversion> out;
  for (std::size_t i = 0; i < lines.size(); i += 3) {
    const std::string_view package = lines[i + 2];
    out.push_back({normalize_dpkg_path(lines[i]), normalize_dpkg_path(lines[i + 1]),
                   package == ":" ? std::string() : std::string(package)});
  }
  return out;
}

}  // namespace excise::sys
