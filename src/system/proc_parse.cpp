#include "system/proc_parse.hpp"

#include <charconv>
#include <vector>

namespace excise::sys {
namespace {

template <class T>
std::optional<T> number(std::string_view text) {
  T value{};
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t'))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\n' && text[i] != '\t')
      ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// The lines of a text, without their '\n'.
std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo (octal).
std::optional<std::string> unescape_octal(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 3 >= text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t k = 1; k <= 3; ++k) {
      const char c = text[i + k];
      if (c < '0' || c > '7') return std::nullopt;
      value = value * 8 + (c - '0');
    }
    out += static_cast<char>(value);
    i += 3;
  }
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
      open == 0 || text[open - 1] != ' ') {
    return std::nullopt;
  }
  ProcStat stat;
  const auto pid = number<int>(text.substr(0, open - 1));
  if (!pid || *pid <= 0) return std::nullopt;
  stat.pid = *pid;
  stat.comm = std::string(text.substr(open + 1, close - open - 1));
  const auto rest = split_spaces(text.substr(close + 1));
  // rest[0] is field 3 (state), rest[19] is field 22 (starttime).
  if (rest.size() < 20 || rest[0].size() != 1) return std::nullopt;
  stat.state = rest[0][0];
  const auto ppid = number<int>(rest[1]);
  const auto pgrp = number<int>(rest[2]);
  const auto session = number<int>(rest[3]);
  const auto flags = number<std::uint64_t>(rest[6]);
  const auto start = number<std::uint64_t>(rest[19]);
  if (!ppid || !pgrp || !session || !flags || !start || *ppid < 0) return std::nullopt;
  stat.ppid = *ppid;
  stat.pgrp = *pgrp;
  stat.session = *session;
  stat.flags = *flags;
  stat.start_time = *start;
  return stat;
}

std::optional<ProcUids> parse_proc_status_uids(std::string_view text) {
  for (const auto line : lines(text)) {
    if (line.substr(0, 4) != "Uid:") continue;
    const auto fields = split_spaces(line.substr(4));
    if (fields.size() != 4) return std::nullopt;
    std::uint32_t v[4];
    for (std::size_t i = 0; i < 4; ++i) {
      const auto n = number<std::uint32_t>(fields[i]);
      if (!n) return std::nullopt;
      v[i] = *n;
    }
    return ProcUids{v[0], v[1], v[2], v[3]};
  }
  return std::nullopt;
}

ExeLink parse_exe_link(std::string_view text) {
  constexpr std::string_view kSuffix = " (deleted)";
  if (text.size() > kSuffix.size() && text.substr(text.size() - kSuffix.size()) == kSuffix) {
    return {std::string(text.substr(0, text.size() - kSuffix.size())), true};
  }
  return {std::string(text), false};
}

std::string parse_comm(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return std::string(text);
}

std::string parse_argv0(std::string_view text) {
  return std::string(text.substr(0, text.find('\0')));
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::optional<std::string> parse_unified_cgroup(std::string_view text) {
  for (const auto line : lines(text)) {
    if (line.substr(0, 3) == "0::" && line.size() > 3 && line[3] == '/') {
      return std::string(line.substr(3));
    }
  }
  return std::nullopt;
}

std::optional<std::string> find_cgroup2_mount(std::string_view mountinfo) {
  // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
  for (const auto line : lines(mountinfo)) {
    const auto fields = split_spaces(line);
    std::size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-")
      ++dash;
    if (dash < 6 || dash + 1 >= fields.size()) continue;
    if (fields[dash + 1] != "cgroup2" || fields[3] != "/") continue;
    return unescape_octal(fields[4]);
  }
  return std::nullopt;
}

std::optional<ServiceCgroup> service_of_cgroup(std::string_view cgroup_path) {
  constexpr std::string_view kService = ".service";
  // Walk the components from the deepest up: a service's own sub-cgroups belong to it.
  std::string_view path = cgroup_path;
  while (path.size() > 1) {
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) break;
    const auto name = path.substr(slash + 1);
    if (ends_with(name, kService) && name.size() > kService.size()) {
      return ServiceCgroup{std::string(name), std::string(path)};
    }
    // A slice or scope below a service is another manager's (user@1000.service runs a
    // user's whole session): that service is not this process's.
    if (ends_with(name, ".slice") || ends_with(name, ".scope")) return std::nullopt;
    path = path.substr(0, slash);
  }
  return std::nullopt;
}

std::optional<bool> parse_cgroup_populated(std::string_view events) {
  for (const auto line : lines(events)) {
    if (line == "populated 0") return false;
    if (line == "populated 1") return true;
  }
  return std::nullopt;
}

}  // namespace excise::sys
