// systemd unit names: validity, templates and instances, and the globs playbooks use.
#pragma once

#include <string>
#include <string_view>

namespace excise::sys {

enum class UnitNameForm {
  invalid,
  plain,
  templ,
  instance
};  // "a.service", "a@.service", "a@b.service"

// systemd's rules: "<prefix>[@<instance>].<type>" with a known type, at most 255 bytes,
// letters, digits and ":-_.\" (plus "@" in the instance).
UnitNameForm unit_name_form(std::string_view name);
inline bool is_unit_name(std::string_view name) {
  return unit_name_form(name) != UnitNameForm::invalid;
}

// "a@b.service" -> "a@.service"; any other name is returned unchanged.
std::string unit_template_of(std::string_view name);
// "a@b.service" -> "b"; "" for a plain name or a template.
std::string unit_instance_of(std::string_view name);
// ("a@.service", "b") -> "a@b.service"; unchanged when `name` has no "@".
std::string unit_with_instance(std::string_view name, std::string_view instance);

// systemd's unit_validate_alias_symlink_or_warn: may a link named `link_name` inside the
// search path point to a unit file named `target_name`? Not to itself, not across unit
// types, templates only to templates, an instance to its template or the same instance.
bool valid_alias_link(std::string_view link_name, std::string_view target_name);

// Throws Error(input) for a glob that cannot name a unit or init script: empty, with a
// "/" or a NUL byte.
void check_name_glob(std::string_view glob, std::string_view what);
// `*`, `?` and `[...]` (with `!` or `^` to negate) over the whole name; "\" is literal
// because systemd escapes bytes in names as "\x2d".
bool name_glob_match(std::string_view glob, std::string_view name);

}  // namespace excise::sys
