#include "system/dpkg_package.hpp"

#include <fmt/format.h>

#include <array>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
      ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
      ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

template <typename E, std::size_t N>
std::optional<E> lookup(const std::array<std::pair<std::string_view, E>, N>& table,
                        std::string_view word) {
  for (const auto& [name, value] : table) {
    if (name == word) return value;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<std::string_view, DpkgWant>, 5> kWants{{
    {"unknown", DpkgWant::unknown},
    {"install", DpkgWant::install},
    {"hold", DpkgWant::hold},
    {"deinstall", DpkgWant::deinstall},
    {"purge", DpkgWant::purge},
}};
// "hold" and "hold-reinstreq" are eflags from before dpkg 1.13; dpkg still reads them.
constexpr std::array<std::pair<std::string_view, DpkgEflag>, 4> kEflags{{
    {"ok", DpkgEflag::ok},
    {"reinstreq", DpkgEflag::reinstreq},
    {"hold", DpkgEflag::ok},
    {"hold-reinstreq", DpkgEflag::reinstreq},
}};
constexpr std::array<std::pair<std::string_view, DpkgState>, 8> kStates{{
    {"not-installed", DpkgState::not_installed},
    {"config-files", DpkgState::config_files},
    {"half-installed", DpkgState::half_installed},
    {"unpacked", DpkgState::unpacked},
    {"half-configured", DpkgState::half_configured},
    {"triggers-awaited", DpkgState::triggers_awaited},
    {"triggers-pending", DpkgState::triggers_pending},
    {"installed", DpkgState::installed},
}};

bool yes(std::string_view value) {
  return value == "yes";
}

}  // namespace

std::string_view state_name(DpkgState state) {
  for (const auto& [name, value] : kStates) {
    if (value == state) return name;
  }
  return "?";
}

DpkgStatus parse_status_field(std::string_view text) {
  const auto w = words(text);
  DpkgStatus status;
  std::optional<DpkgWant> want;
  std::optional<DpkgEflag> eflag;
  std::optional<DpkgState> state;
  if (w.size() == 3) {
    want = lookup(kWants, w[0]);
    eflag = lookup(kEflags, w[1]);
    state = lookup(kStates, w[2]);
  }
  if (!want || !eflag || !state) {
    throw Error(Failure::system, fmt::format("bad Status \"{}\"", shown(text)));
  }
  return {*want, *eflag, *state};
}

std::vector<DpkgConffile> parse_conffiles_field(std::string_view value) {
  std::vector<DpkgConffile> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t newline = value.find('\n', pos);
    if (newline == std::string_view::npos) newline = value.size();
    const auto w = words(value.substr(pos, newline - pos));
    pos = newline + 1;
    if (w.empty()) continue;
    DpkgConffile c;
    if (w.size() < 2) {
      throw Error(Failure::system, fmt::format("conffile \"{}\" has no checksum", shown(w[0])));
    }
    c.path = std::string(w[0]);
    c.md5 = std::string(w[1]);
    for (std::size_t k = 2; k < w.size(); ++k) {
      if (w[k] == "obsolete") {
        c.obsolete = true;
      } else if (w[k] == "remove-on-upgrade") {
        c.remove_on_upgrade = true;
      } else {
        throw Error(Failure::system,
                    fmt::format("conffile {}: unknown flag \"{}\"", shown(c.path), shown(w[k])));
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string DpkgPackage::display_name() const {
  if (multi_arch == MultiArch::same && !arch.empty()) return name + ":" + arch;
  return name;
}

DpkgPackage package_from_stanza(const DpkgStanza& stanza, std::string_view source) {
  DpkgPackage p;
  const auto name = stanza.get("Package");
  if (!name || name->empty()) {
    throw Error(Failure::system, fmt::format("{} line {}: stanza without a Package field",
                                             shown(source), stanza.line));
  }
  p.name = std::string(*name);
  // Field parsers name the field, not the package or the file: add them here.
  auto parsed = [&](std::string_view field, auto parse) {
    try {
      return parse(stanza.get_or(field, ""));
    } catch (const Error& e) {
      throw Error(Failure::system, fmt::format("{} line {}: package {}: {}", shown(source),
                                               stanza.line, shown(p.name), e.what()));
    }
  };
  auto relations = [&](std::string_view field) {
    return parsed(field, [&](std::string_view v) { return parse_relations(v, field); });
  };
  p.arch = std::string(stanza.get_or("Architecture", ""));
  const std::string_view multi_arch = stanza.get_or("Multi-Arch", "no");
  if (multi_arch == "same") {
    p.multi_arch = MultiArch::same;
  } else if (multi_arch == "foreign") {
    p.multi_arch = MultiArch::foreign;
  } else if (multi_arch == "allowed") {
    p.multi_arch = MultiArch::allowed;
  }
  p.status = parsed("Status", [&](std::string_view v) {
    return parse_status_field(v.empty() ? "unknown ok not-installed" : v);
  });
  if (auto v = stanza.get("Version"); v && !v->empty()) {
    p.version_text = std::string(*v);
    p.version = parsed("Version", [](std::string_view text) { return parse_version(text); });
  }
  p.essential = yes(stanza.get_or("Essential", "no"));
  p.is_protected = yes(stanza.get_or("Protected", "no"));
  p.priority = std::string(stanza.get_or("Priority", ""));
  p.depends = relations("Depends");
  p.pre_depends = relations("Pre-Depends");
  p.provides = relations("Provides");
  p.conffiles = parsed("Conffiles", [](std::string_view v) { return parse_conffiles_field(v); });
  return p;
}

}  // namespace excise::sys
