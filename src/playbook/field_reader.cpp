#include "playbook/field_reader.hpp"

#include <algorithm>

#include "excise/bytes.hpp"
#include "playbook/field_reader_impl.hpp"

namespace excise {
namespace {

constexpr std::chrono::seconds kMaxDuration = std::chrono::hours(24);

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (auto word : words)
    out += (out.empty() ? "" : ", ") + std::string(word);
  return out;
}

// Levenshtein distance over bytes; the words are short keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// "5m" -> 300 seconds; nullopt when the text is not a number with one unit.
std::optional<std::int64_t> parse_duration_text(std::string_view text) {
  if (text.size() < 2 || text.size() > 10) return std::nullopt;
  std::int64_t unit = 0;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    default:
      return std::nullopt;
  }
  std::int64_t number = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + (c - '0');
  }
  return number * unit;
}

}  // namespace

std::string quoted(std::string_view value) {
  return "\"" + shown(value) + "\"";
}

SourceLoc loc_of(const std::string& file, const toml::source_region& region) {
  return SourceLoc{file, static_cast<std::uint32_t>(region.begin.line),
                   static_cast<std::uint32_t>(region.begin.column)};
}

std::string_view toml_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::array:
      return "array";
    case toml::node_type::table:
      return "table";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string closest_word(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& candidate : candidates) {
    std::size_t d = edit_distance(word, candidate);
    if (d < best_distance && 2 * d <= candidate.size()) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

FieldReader::FieldReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FieldReader::~FieldReader() = default;

const std::string& FieldReader::section() const {
  return impl_->section;
}

SourceLoc FieldReader::table_loc() const {
  return loc_of(impl_->file, impl_->table.source());
}

bool FieldReader::has(std::string_view key) const {
  return impl_->table.contains(key);
}

SourceLoc FieldReader::key_loc(std::string_view key) const {
  const toml::node* node = impl_->table.get(key);
  return node ? loc_of(impl_->file, node->source()) : table_loc();
}

SourceLoc FieldReader::item_loc(std::string_view key, std::size_t index) const {
  const toml::array* array = impl_->table.get_as<toml::array>(key);
  if (!array || index >= array->size()) return key_loc(key);
  return loc_of(impl_->file, (*array)[index].source());
}

void FieldReader::error(const SourceLoc& loc, std::string_view problem) {
  std::string prefix = impl_->section.empty() ? "" : impl_->section + ": ";
  impl_->diags.error(loc, prefix + std::string(problem));
  ++impl_->errors;
}

void FieldReader::key_error(std::string_view key, std::string_view problem) {
  error(key_loc(key), "key '" + std::string(key) + "': " + std::string(problem));
}

void FieldReader::item_error(std::string_view key, std::size_t index, std::string_view problem) {
  error(item_loc(key, index), "key '" + std::string(key) + "' item " + std::to_string(index + 1) +
                                  ": " + std::string(problem));
}

bool FieldReader::failed() const {
  return impl_->errors > 0;
}

const std::vector<std::string>& FieldReader::asked_keys() const {
  return impl_->asked;
}

bool FieldReader::require(std::string_view key) {
  if (std::find(impl_->asked.begin(), impl_->asked.end(), key) == impl_->asked.end()) {
    impl_->asked.emplace_back(key);
  }
  if (has(key)) return true;
  error(table_loc(), "missing required key '" + std::string(key) + "'");
  return false;
}

// Asks for a key: remembers it, and reports it when it is required and absent.
static const toml::node* ask(FieldReader& reader, FieldReader::Impl& impl, std::string_view key,
                             Need need) {
  if (std::find(impl.asked.begin(), impl.asked.end(), key) == impl.asked.end()) {
    impl.asked.emplace_back(key);
  }
  const toml::node* node = impl.table.get(key);
  if (!node && need == Need::required) {
    reader.error(reader.table_loc(), "missing required key '" + std::string(key) + "'");
  }
  return node;
}

std::optional<Located<std::string>> FieldReader::string(std::string_view key, Need need,
                                                        const ValueCheck& check) {
  const toml::node* node = ask(*this, *impl_, key, need);
  if (!node) return std::nullopt;
  if (!node->is_string()) {
    key_error(key, "expected a string, got " + std::string(toml_type_name(*node)));
    return std::nullopt;
  }
  const std::string& value = node->as_string()->get();
  std::string problem;
  if (value.empty()) {
    problem = "must not be empty";
  } else if (value.find('\0') != std::string::npos) {
    problem = quoted(value) + ": contains a NUL byte";
  } else if (check) {
    problem = check(value);
    if (!problem.empty()) problem = quoted(value) + ": " + problem;
  }
  if (!problem.empty()) {
    key_error(key, problem);
    return std::nullopt;
  }
  return Located<std::string>{value, loc_of(impl_->file, node->source())};
}

std::vector<Located<std::string>> FieldReader::strings(std::string_view key, Need need,
                                                       const ValueCheck& check, ListRules rules) {
  std::vector<Located<std::string>> out;
  const toml::node* node = ask(*this, *impl_, key, need);
  if (!node) return out;
  const toml::array* array = node->as_array();
  if (!array) {
    key_error(key, "expected an array of strings, got " + std::string(toml_type_name(*node)));
    return out;
  }
  if (array->empty() && !rules.allow_empty) key_error(key, "must not be empty");
  std::vector<const std::string*> seen;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    if (!item.is_string()) {
      item_error(key, i, "expected a string, got " + std::string(toml_type_name(item)));
      seen.push_back(nullptr);  // keeps seen[k] at item k
      continue;
    }
    const std::string& value = item.as_string()->get();
    std::string problem;
    if (value.empty() && !rules.allow_empty_items) {
      problem = "must not be empty";
    } else if (value.find('\0') != std::string::npos) {
      problem = quoted(value) + ": contains a NUL byte";
    } else if (check && !(problem = check(value)).empty()) {
      problem = quoted(value) + ": " + problem;
    } else if (rules.unique) {
      for (std::size_t k = 0; k < seen.size(); ++k) {
        if (seen[k] && *seen[k] == value) {
          problem = quoted(value) + ": duplicate of item " + std::to_string(k + 1);
          break;
        }
      }
    }
    seen.push_back(&value);
    if (!problem.empty()) {
      item_error(key, i, problem);
      continue;
    }
    out.push_back({value, loc_of(impl_->file, item.source())});
  }
  return out;
}

std::optional<Located<std::string>> FieldReader::choice(std::string_view key,
                                                        std::span<const std::string_view> allowed,
                                                        Need need) {
  const toml::node* node = ask(*this, *impl_, key, need);
  if (!node) return std::nullopt;
  if (!node->is_string()) {
    key_error(key, "expected a string, got " + std::string(toml_type_name(*node)));
    return std::nullopt;
  }
  const std::string& value = node->as_string()->get();
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    key_error(key, quoted(value) + ": expected one of " + joined(allowed));
    return std::nullopt;
  }
  return Located<std::string>{value, loc_of(impl_->file, node->source())};
}

Located<std::string> FieldReader::choice(std::string_view key,
                                         std::span<const std::string_view> allowed,
                                         std::string_view fallback) {
  auto value = choice(key, allowed, Need::optional);
  return value ? *value : Located<std::string>{std::string(fallback), table_loc()};
}

std::optional<Located<bool>> FieldReader::boolean(std::string_view key, Need need) {
  const toml::node* node = ask(*this, *impl_, key, need);
  if (!node) return std::nullopt;
  if (!node->is_boolean()) {
    key_error(key, "expected a boolean, got " + std::string(toml_type_name(*node)));
    return std::nullopt;
  }
  return Located<bool>{node->as_boolean()->get(), loc_of(impl_->file, node->source())};
}

Located<bool> FieldReader::boolean(std::string_view key, bool fallback) {
  auto value = boolean(key, Need::optional);
  return value ? *value : Located<bool>{fallback, table_loc()};
}

std::optional<Located<std::int64_t>> FieldReader::integer(std::string_view key, Need need) {
  const toml::node* node = ask(*this, *impl_, key, need);
  if (!node) return std::nullopt;
  if (!node->is_integer()) {
    key_error(key, "expected an integer, got " + std::string(toml_type_name(*node)));
    return std::nullopt;
  }
  return Located<std::int64_t>{node->as_integer()->get(), loc_of(impl_->file, node->source())};
}

std::optional<Located<std::chrono::seconds>> FieldReader::duration(std::string_view key,
                                                                   Need need) {
  const toml::node* node = ask(*this, *impl_, key, need);
  if (!node) return std::nullopt;
  std::optional<std::int64_t> seconds;
  std::string shown_value;
  if (node->is_integer()) {
    seconds = node->as_integer()->get();
    shown_value = std::to_string(*seconds);
  } else if (node->is_string()) {
    shown_value = quoted(node->as_string()->get());
    seconds = parse_duration_text(node->as_string()->get());
    if (!seconds) {
      key_error(key, shown_value + ": expected a duration such as \"300s\", \"5m\" or \"1h\"");
      return std::nullopt;
    }
  } else {
    key_error(key, "expected a duration such as \"300s\" or an integer of seconds, got " +
                       std::string(toml_type_name(*node)));
    return std::nullopt;
  }
  if (*seconds < 1 || *seconds > kMaxDuration.count()) {
    key_error(key, shown_value + ": a duration must be between 1s and 24h");
    return std::nullopt;
  }
  return Located<std::chrono::seconds>{std::chrono::seconds(*seconds),
                                       loc_of(impl_->file, node->source())};
}

Located<std::chrono::seconds> FieldReader::duration(std::string_view key,
                                                    std::chrono::seconds fallback) {
  auto value = duration(key, Need::optional);
  return value ? *value : Located<std::chrono::seconds>{fallback, table_loc()};
}

void FieldReader::report_unknown_keys() {
  for (auto&& [key, node] : impl_->table) {
    const std::string name(key.str());
    if (std::find(impl_->asked.begin(), impl_->asked.end(), name) != impl_->asked.end()) continue;
    std::string problem = "unknown key '" + shown(name) + "'";
    if (auto near = closest_word(name, impl_->asked); !near.empty()) {
      problem += ": did you mean '" + near + "'?";
    } else if (!impl_->asked.empty()) {
      problem += " (known keys: ";
      for (std::size_t i = 0; i < impl_->asked.size(); ++i) {
        problem += (i ? ", " : "") + impl_->asked[i];
      }
      problem += ")";
    }
    error(loc_of(impl_->file, key.source()), problem);
  }
}

}  // namespace excise
