#include "exec/fail_points.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::fail_points {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

std::optional<Action> action_named(std::string_view word) {
  if (word == "kill") return Action::kill;
  if (word == "eio") return Action::eio;
  if (word == "enospc") return Action::enospc;
  if (word == "exit") return Action::exit;
  return std::nullopt;
}

[[noreturn]] void bad_entry(std::string_view entry, std::string_view why) {
  throw Error(Failure::usage,
              fmt::format("{} entry \"{}\": {}; expected name:N=action (or name:N+=action) "
                          "with action kill, eio, enospc or exit",
                          kVariable, shown(entry), why));
}

Rule parse_entry(std::string_view entry) {
  const auto colon = entry.find(':');
  if (colon == std::string_view::npos) bad_entry(entry, "no ':' after the point name");
  Rule rule;
  rule.name = std::string(entry.substr(0, colon));
  if (rule.name.empty()) bad_entry(entry, "empty point name");
  for (char c : rule.name) {
    if (!is_name_char(c)) bad_entry(entry, "point names use letters, digits, '.', '-', '_'");
  }
  std::string_view rest = entry.substr(colon + 1);
  const auto equals = rest.find('=');
  if (equals == std::string_view::npos) bad_entry(entry, "no '=' before the action");
  std::string_view count = rest.substr(0, equals);
  if (!count.empty() && count.back() == '+') {
    rule.and_later = true;
    count.remove_suffix(1);
  }
  const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), rule.hit);
  if (count.empty() || ec != std::errc() || end != count.data() + count.size() || rule.hit == 0) {
    bad_entry(entry, "the hit number must be a whole number from 1");
  }
  const auto action = action_named(rest.substr(equals + 1));
  if (!action) bad_entry(entry, "unknown action");
  rule.action = *action;
  return rule;
}

std::vector<Rule> rules_from_environment() {
  const char* text = std::getenv(std::string(kVariable).c_str());
  return text ? parse(text) : std::vector<Rule>{};
}

// The process-wide state. Built at the first use, which is when the variable is read;
// if it is malformed the constructor throws and the next use tries (and throws) again.
struct Registry {
  Registry() : rules(rules_from_environment()), on(!rules.empty()) {}
  std::mutex mutex;
  std::vector<Rule> rules;
  std::map<std::string, std::uint64_t, std::less<>> hits;
  std::atomic<bool> on;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

[[noreturn]] void perform(Action action, std::string_view name) {
  switch (action) {
    case Action::kill:
      std::raise(SIGKILL);
      _exit(137);  // not reached: SIGKILL cannot be caught
    case Action::exit:
      _exit(99);
    case Action::eio:
      throw Error(Failure::system, fmt::format("fail point {}: injected EIO", name));
    case Action::enospc:
      throw Error(Failure::system, fmt::format("fail point {}: injected ENOSPC", name));
  }
  _exit(99);
}

}  // namespace

std::vector<Rule> parse(std::string_view text) {
  std::vector<Rule> rules;
  if (text.empty()) return rules;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const auto entry =
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (entry.empty()) bad_entry(entry, "empty entry");
    rules.push_back(parse_entry(entry));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return rules;
}

void check_environment() {
  registry();
}

void reload_from_environment() {
  Registry& r = registry();
  auto rules = rules_from_environment();  // throws before changing anything
  std::lock_guard lock(r.mutex);
  r.rules = std::move(rules);
  r.hits.clear();
  r.on.store(!r.rules.empty());
}

std::uint64_t hit_count(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const auto found = r.hits.find(name);
  return found == r.hits.end() ? 0 : found->second;
}

bool enabled() {
  return registry().on.load(std::memory_order_relaxed);
}

void hit(std::string_view name) {
  Registry& r = registry();
  std::optional<Action> action;
  {
    std::lock_guard lock(r.mutex);
    if (!r.on.load()) return;
    auto found = r.hits.find(name);
    if (found == r.hits.end()) found = r.hits.emplace(std::string(name), 0).first;
    const std::uint64_t n = ++found->second;
    for (const Rule& rule : r.rules) {
      if (rule.name == name && (n == rule.hit || (rule.and_later && n > rule.hit))) {
        action = rule.action;
        break;
      }
    }
  }
  if (action) perform(*action, name);  // outside the lock: it may throw or never return
}

}  // namespace excise::fail_points
