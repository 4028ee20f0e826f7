#include "kinds/service.hpp"

#include <algorithm>
#include <array>

#include "playbook/field_reader.hpp"
#include "playbook/glob.hpp"

namespace excise {

// ---- Reading [[service]] ------------------------------------------------------------

namespace {

constexpr std::array<std::string_view, 11> kUnitSuffixes = {
    ".service",   ".socket", ".timer", ".target", ".path",  ".mount",
    ".automount", ".swap",   ".slice", ".scope",  ".device"};

bool is_unit_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view(":-_.\\@").find(c) != std::string_view::npos;
}

std::string unit_check(std::string_view unit) {
  if (auto problem = text_glob_problem(unit); !problem.empty()) return problem;
  if (unit.size() > 255) return "a unit name is at most 255 bytes";
  auto suffix = std::find_if(kUnitSuffixes.begin(), kUnitSuffixes.end(), [&](auto s) {
    return unit.size() > s.size() && unit.substr(unit.size() - s.size()) == s;
  });
  if (suffix == kUnitSuffixes.end()) {
    return "expected a systemd unit name with its type, such as \"acme-agent.service\"";
  }
  for (char c : unit) {
    if (!is_unit_char(c) && std::string_view("*?[]!^").find(c) == std::string_view::npos) {
      return "'" + std::string(1, c) + "' is not allowed in a unit name";
    }
  }
  if (is_broad_pattern(unit.substr(0, unit.size() - suffix->size()))) {
    return "would match every " + std::string(*suffix) + " unit";
  }
  return {};
}

std::string init_script_check(std::string_view name) {
  bool ok = name[0] != '.' && name[0] != '-';
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("_.+@-").find(c) != std::string_view::npos);
  }
  if (ok) return {};
  return "expected the name of a script in /etc/init.d: letters, digits, '_', '.', '+', '@' "
         "and '-', not starting with '.' or '-'";
}

}  // namespace

std::shared_ptr<const ArtifactSpec> ServiceKind::parse(FieldReader& fields) const {
  auto spec = std::make_shared<ServiceSpec>();
  spec->units = fields.strings("units", Need::optional, unit_check);
  spec->init_scripts = fields.strings("init_scripts", Need::optional, init_script_check);
  if (!fields.has("units") && !fields.has("init_scripts")) {
    fields.error(fields.table_loc(), "at least one of 'units' and 'init_scripts' is required");
  }
  if (fields.failed()) return nullptr;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
