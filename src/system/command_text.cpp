// How commands and their results are shown to people: kept apart from command.cpp so
// that changing a message does not recompile Boost.Process.
#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/command.hpp"

namespace excise::sys {

namespace {

// The last few non-empty lines of a stream, at most about 1,000 bytes, escaped so that
// the message stays on one line.
std::string tail(std::string_view text) {
  constexpr std::size_t kLines = 5, kBytes = 1000;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  std::size_t start = text.size(), lines = 0;
  while (start > 0 && lines < kLines) {
    std::size_t nl = text.rfind('\n', start - 1);
    start = nl == std::string_view::npos ? 0 : nl;
    ++lines;
    if (nl == std::string_view::npos) break;
  }
  std::string_view out = text.substr(start);
  if (!out.empty() && out.front() == '\n') out.remove_prefix(1);
  if (out.size() > kBytes) out = out.substr(out.size() - kBytes);
  return shown(out);
}

bool plain(std::string_view arg) {
  if (arg.empty()) return false;
  for (unsigned char c : arg) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        std::string_view("_@%+=:,./-").find(static_cast<char>(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool printable(std::string_view arg) {
  if (!is_valid_utf8(arg)) return false;
  for (unsigned char c : arg) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// 'single quotes' when the text is printable, bash's $'...' with escapes otherwise, so
// that a newline or an invalid byte in an argument cannot forge a line of the log.
std::string quote(std::string_view arg) {
  if (plain(arg)) return std::string(arg);
  std::string out;
  if (printable(arg)) {
    out = "'";
    for (char c : arg)
      out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  out = "$'";
  for (unsigned char c : arg) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "'";
}

}  // namespace

std::string CommandResult::describe() const {
  if (simulated) return "not run (dry run)";
  const std::string errors = tail(err);
  const std::string suffix = errors.empty() ? "" : ": " + errors;
  if (timed_out) return fmt::format("timed out after {}s{}", timeout.count(), suffix);
  if (signal != 0) return fmt::format("killed by signal {}{}", signal, suffix);
  return fmt::format("exited {}{}", exit_code, suffix);
}

std::string show_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& arg : argv) {
    if (!out.empty()) out += ' ';
    out += quote(arg);
  }
  return out;
}

}  // namespace excise::sys
