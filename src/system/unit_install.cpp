#include "system/unit_install.hpp"

#include "system/unit_name.hpp"

namespace excise::sys {

namespace {

constexpr std::string_view kSpace = " \t\n\r";

std::string_view trim(std::string_view s) {
  auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

// systemd's extract_first_word with EXTRACT_UNQUOTE, minus escapes: words split on
// whitespace, quotes group and are removed.
std::vector<std::string> words(std::string_view value) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : value) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (kSpace.find(c) != std::string_view::npos) {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(word));
  return out;
}

void assign(std::vector<std::string>& list, std::string_view value, std::string_view unit,
            bool expand) {
  auto ws = words(value);
  if (ws.empty()) {
    list.clear();  // "WantedBy=" resets what earlier lines and files said
    return;
  }
  for (auto& w : ws)
    list.push_back(expand ? expand_unit_specifiers(w, unit) : w);
}

// The logical lines of a unit file: continuation lines (trailing "\") joined with a
// space, comment lines dropped, even inside a continuation, as systemd's parser does.
std::vector<std::string> logical_lines(std::string_view text) {
  std::vector<std::string> out;
  std::string pending;
  bool continuing = false;
  std::size_t i = 0;
  while (i <= text.size()) {
    auto nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = trim(text.substr(i, nl - i));
    i = nl + 1;
    if (!line.empty() && (line.front() == '#' || line.front() == ';')) continue;
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1);
      pending += ' ';
      continuing = true;
      continue;
    }
    pending += line;
    if (continuing || !pending.empty()) out.push_back(std::move(pending));
    pending.clear();
    continuing = false;
  }
  if (continuing) out.push_back(std::move(pending));
  return out;
}

}  // namespace

std::string expand_unit_specifiers(std::string_view word, std::string_view unit_name) {
  auto dot = unit_name.rfind('.');
  std::string_view stem =
      unit_name.substr(0, dot == std::string_view::npos ? unit_name.size() : dot);
  auto at = stem.find('@');
  std::string_view prefix = stem.substr(0, at);
  std::string instance = unit_instance_of(unit_name);
  auto dash = prefix.rfind('-');
  std::string_view last = dash == std::string_view::npos ? prefix : prefix.substr(dash + 1);

  std::string out;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '%' || i + 1 == word.size()) {
      out += word[i];
      continue;
    }
    char spec = word[++i];
    switch (spec) {
      case 'n':
        out += unit_name;
        break;
      case 'N':
        out += stem;
        break;
      case 'p':
        out += prefix;
        break;
      case 'i':
        out += instance;
        break;
      case 'j':
        out += last;
        break;
      case '%':
        out += '%';
        break;
      default:
        out += '%';
        out += spec;
    }
  }
  return out;
}

void parse_install_section(std::string_view text, std::string_view unit_name,
                           InstallSection& into) {
  bool in_install = false;
  for (const auto& line : logical_lines(text)) {
    std::string_view l = trim(line);
    if (l.empty()) continue;
    if (l.front() == '[') {
      in_install = l == "[Install]";
      continue;
    }
    if (!in_install) continue;
    auto eq = l.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = trim(l.substr(0, eq));
    std::string_view value = trim(l.substr(eq + 1));
    if (key == "WantedBy")
      assign(into.wanted_by, value, unit_name, false);
    else if (key == "RequiredBy")
      assign(into.required_by, value, unit_name, false);
    else if (key == "UpheldBy")
      assign(into.upheld_by, value, unit_name, false);
    else if (key == "Alias")
      assign(into.alias, value, unit_name, false);
    else if (key == "Also" && !value.empty())  // systemd's Also= has no reset
      assign(into.also, value, unit_name, true);
    else if (key == "DefaultInstance" && unit_name_form(unit_name) == UnitNameForm::templ)
      into.default_instance = expand_unit_specifiers(value, unit_name);
  }
}

}  // namespace excise::sys
