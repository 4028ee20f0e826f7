#include "system/unit_name.hpp"

#include <fnmatch.h>

#include <array>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {

namespace {

constexpr std::array<std::string_view, 11> kUnitTypes = {"service",   "socket", "device", "mount",
                                                         "automount", "swap",   "target", "path",
                                                         "timer",     "slice",  "scope"};

constexpr std::size_t kUnitNameMax = 255;

bool valid_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '-' || c == '_' || c == '.' || c == '\\';
}

bool all_valid(std::string_view s, bool allow_at) {
  for (char c : s)
    if (!valid_char(c) && !(allow_at && c == '@')) return false;
  return true;
}

std::string_view type_of(std::string_view name) {
  return name.substr(name.rfind('.') + 1);
}

bool type_may_alias(std::string_view type) {
  for (std::string_view t : {"service", "socket", "target", "device", "timer", "path"})
    if (t == type) return true;
  return false;
}

bool type_may_template(std::string_view type) {
  return type != "device" && type_may_alias(type);
}

}  // namespace

UnitNameForm unit_name_form(std::string_view name) {
  if (name.empty() || name.size() > kUnitNameMax) return UnitNameForm::invalid;
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return UnitNameForm::invalid;
  std::string_view type = name.substr(dot + 1);
  bool known = false;
  for (auto t : kUnitTypes)
    known = known || t == type;
  if (!known) return UnitNameForm::invalid;
  std::string_view stem = name.substr(0, dot);
  auto at = stem.find('@');
  if (at == std::string_view::npos)
    return all_valid(stem, false) ? UnitNameForm::plain : UnitNameForm::invalid;
  if (at == 0 || !all_valid(stem.substr(0, at), false)) return UnitNameForm::invalid;
  std::string_view instance = stem.substr(at + 1);
  if (instance.empty()) return UnitNameForm::templ;
  return all_valid(instance, true) ? UnitNameForm::instance : UnitNameForm::invalid;
}

std::string unit_template_of(std::string_view name) {
  if (unit_name_form(name) != UnitNameForm::instance) return std::string(name);
  auto at = name.find('@');
  auto dot = name.rfind('.');
  return std::string(name.substr(0, at + 1)) + std::string(name.substr(dot));
}

std::string unit_instance_of(std::string_view name) {
  if (unit_name_form(name) != UnitNameForm::instance) return {};
  auto at = name.find('@');
  auto dot = name.rfind('.');
  return std::string(name.substr(at + 1, dot - at - 1));
}

std::string unit_with_instance(std::string_view name, std::string_view instance) {
  auto at = name.find('@');
  auto dot = name.rfind('.');
  if (at == std::string_view::npos || dot == std::string_view::npos || dot < at)
    return std::string(name);
  return std::string(name.substr(0, at + 1)) + std::string(instance) +
         std::string(name.substr(dot));
}

bool valid_alias_link(std::string_view link_name, std::string_view target_name) {
  UnitNameForm src = unit_name_form(link_name);
  if (src == UnitNameForm::invalid || !type_may_alias(type_of(link_name))) return false;
  if (src != UnitNameForm::plain && !type_may_template(type_of(link_name))) return false;
  if (link_name == target_name) return false;  // a self-alias: systemd says ELOOP
  UnitNameForm dst = unit_name_form(target_name);
  if (dst == UnitNameForm::invalid) return false;
  if (dst != src && !(src == UnitNameForm::instance && dst == UnitNameForm::templ)) return false;
  if (dst == UnitNameForm::instance && unit_instance_of(link_name) != unit_instance_of(target_name))
    return false;
  return type_of(link_name) == type_of(target_name);
}

void check_name_glob(std::string_view glob, std::string_view what) {
  if (glob.empty()) throw Error(Failure::input, std::string(what) + " glob is empty");
  if (glob.find('/') != std::string_view::npos || glob.find('\0') != std::string_view::npos)
    throw Error(Failure::input, std::string(what) + " glob '" + shown(glob) +
                                    "' must be a name, without '/' or NUL");
}

bool name_glob_match(std::string_view glob, std::string_view name) {
  // fnmatch wants NUL-terminated strings; check_name_glob keeps NUL out of globs and
  // names come from directory entries, which cannot hold one.
  std::string g(glob), n(name);
  return fnmatch(g.c_str(), n.c_str(), FNM_NOESCAPE) == 0;
}

}  // namespace excise::sys
