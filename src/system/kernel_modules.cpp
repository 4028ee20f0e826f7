#include "system/kernel_modules.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace excise::sys {
namespace {

template <class T>
std::optional<T> number(std::string_view text) {
  T value{};
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool blank(char c, std::string_view blanks) {
  return blanks.find(c) != std::string_view::npos;
}

std::vector<std::string_view> words(std::string_view text, std::string_view blanks) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && blank(text[i], blanks))
      ++i;
    const std::size_t start = i;
    while (i < text.size() && !blank(text[i], blanks))
      ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// The physical lines of a text, without their '\n'.
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

}  // namespace

std::string module_key(std::string_view name) {
  std::string key(name);
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

std::optional<std::string> module_file_key(std::string_view file_name) {
  static constexpr std::array<std::string_view, 4> kSuffixes = {".ko", ".ko.gz", ".ko.xz",
                                                                ".ko.zst"};
  for (const auto suffix : kSuffixes) {
    if (file_name.size() > suffix.size() && file_name.ends_with(suffix)) {
      return module_key(file_name.substr(0, file_name.size() - suffix.size()));
    }
  }
  return std::nullopt;
}

std::optional<LoadedModule> parse_proc_modules_line(std::string_view line) {
  const auto fields = words(line, " \t");
  if (fields.size() < 6 || fields.size() > 7) return std::nullopt;
  LoadedModule m;
  m.name = fields[0];
  const auto size = number<std::uint64_t>(fields[1]);
  if (!size) return std::nullopt;
  m.size = *size;
  if (fields[2] != "-") {
    m.refcount = number<long>(fields[2]);
    if (!m.refcount) return std::nullopt;
  }
  const std::string_view users = fields[3];
  if (users != "-") {
    // Every user is followed by a comma, so the list ends with one.
    if (users.back() != ',') return std::nullopt;
    for (const auto user : words(users, ",")) {
      if (user == "[permanent]") {
        m.permanent = true;
      } else {
        m.users.emplace_back(user);
      }
    }
  }
  m.state = fields[4];
  if (m.state != "Live" && m.state != "Loading" && m.state != "Unloading") return std::nullopt;
  if (!fields[5].starts_with("0x")) return std::nullopt;
  // A seventh field is the taint flags in parentheses: "(OE)".
  if (fields.size() == 7 && !(fields[6].starts_with("(") && fields[6].ends_with(")")))
    return std::nullopt;
  return m;
}

const LoadedModule* ModuleTable::find(std::string_view name) const {
  const std::string key = module_key(name);
  for (const auto& m : modules) {
    if (module_key(m.name) == key) return &m;
  }
  return nullptr;
}

ModuleTable parse_proc_modules(std::string_view text) {
  ModuleTable table;
  const auto all = lines(text);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].empty()) continue;
    if (auto m = parse_proc_modules_line(all[i])) {
      table.modules.push_back(std::move(*m));
    } else {
      table.bad_lines.push_back(i + 1);
    }
  }
  return table;
}

std::vector<ModprobeDirective> parse_modprobe_conf(std::string_view text) {
  std::vector<ModprobeDirective> out;
  const auto all = lines(text);
  for (std::size_t i = 0; i < all.size();) {
    ModprobeDirective d;
    d.first_line = i;
    std::string logical;
    // kmod's getline_wrapped: a backslash before the newline joins the next line, with
    // nothing in between.
    for (;;) {
      std::string_view line = all[i++];
      const bool continued = line.ends_with('\\') && i < all.size();
      if (continued) line.remove_suffix(1);
      logical += line;
      if (!continued) break;
    }
    d.line_count = i - d.first_line;
    // A backslash before any other byte stands for that byte ("acme\_fs" is "acme_fs").
    std::string unescaped;
    for (std::size_t k = 0; k < logical.size(); ++k) {
      if (logical[k] == '\\' && k + 1 < logical.size()) ++k;
      unescaped += logical[k];
    }
    if (unescaped.empty() || unescaped.front() == '#') continue;
    for (const auto w : words(unescaped, " \t"))
      d.words.emplace_back(w);
    if (!d.words.empty()) out.push_back(std::move(d));
  }
  return out;
}

std::optional<std::string> modules_load_entry(std::string_view line) {
  const auto fields = words(line, " \t\r");
  if (fields.empty() || fields[0].front() == '#' || fields[0].front() == ';') return std::nullopt;
  return std::string(fields[0]);
}

}  // namespace excise::sys
