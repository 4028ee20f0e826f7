// libFuzzer target over the dpkg database reader (SAFETY.md S24): parse_stanzas,
// package_from_stanza and DpkgDatabase::load with a fake reader, then the queries the
// planner makes. The input is the status file, optionally followed by "\n==\n" and the
// text every info/<package>.list returns, then "\n==\n" and the diversions file. Every
// input must load or throw excise::Error (what excise reports for a damaged database);
// any other exception, or a crash, is a finding.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "excise/error.hpp"
#include "system/dpkg_database.hpp"
#include "system/dpkg_package.hpp"
#include "system/dpkg_stanza.hpp"

namespace {

std::string_view next_part(std::string_view& rest) {
  constexpr std::string_view kSeparator = "\n==\n";
  const auto at = rest.find(kSeparator);
  const std::string_view part = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view() : rest.substr(at + kSeparator.size());
  return part;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view status = next_part(rest);
  const std::string_view list = next_part(rest);
  const std::string_view diversions = next_part(rest);

  try {
    for (const auto& stanza : excise::sys::parse_stanzas(status, "fuzz status")) {
      try {
        const auto package = excise::sys::package_from_stanza(stanza, "fuzz status");
        (void)package.display_name();
      } catch (const excise::Error&) {
      }
    }
  } catch (const excise::Error&) {
  }

  const excise::sys::DpkgFileReader reader =
      [&](std::string_view name) -> std::optional<std::string> {
    if (name == "info/format") return std::string("1\n");
    if (name == "diversions")
      return diversions.empty() ? std::nullopt : std::optional<std::string>(diversions);
    if (name.size() > 5 && name.substr(name.size() - 5) == ".list") return std::string(list);
    return std::nullopt;
  };
  try {
    const auto db = excise::sys::DpkgDatabase::load(status, reader, "amd64");
    const auto count = static_cast<std::uint32_t>(db.packages().size());
    for (std::uint32_t i = 0; i < count && i < 64; ++i) {
      const auto& p = db.packages()[i];
      (void)db.find(p.name, p.arch);
      (void)db.find_all(p.name);
      (void)db.stanza(i).bytes();
      (void)db.reverse_dependencies(i);
    }
    (void)db.owned_below("/");
    (void)db.owners("/etc/acme.conf");
    (void)db.diversion_of("/usr/bin/acme");
    std::vector<std::uint32_t> all;
    for (std::uint32_t i = 0; i < count && i < 64; ++i)
      all.push_back(i);
    (void)db.broken_by_removing(all);
  } catch (const excise::Error&) {
  }
  return 0;
}
