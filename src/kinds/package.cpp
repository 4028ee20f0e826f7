#include "kinds/package.hpp"

#include "playbook/field_reader.hpp"

namespace excise {

// ---- Reading [[package]] ------------------------------------------------------------

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Debian (lower case, "+-.") and RPM (also upper case and '_') names, with an optional
// ":arch" ("amd64", "x86_64", "noarch").
std::string package_check(std::string_view text) {
  static constexpr std::string_view kRule =
      "expected a package name: letters, digits, '+', '-', '.' and '_', starting with a letter "
      "or digit, optionally followed by ':arch'";
  auto colon = text.find(':');
  std::string_view name = text.substr(0, colon);
  if (name.empty() || name.size() > 255 || !is_alnum(name[0])) return std::string(kRule);
  for (char c : name) {
    if (!is_alnum(c) && std::string_view("+-._").find(c) == std::string_view::npos) {
      return std::string(kRule);
    }
  }
  if (colon == std::string_view::npos) return {};
  std::string_view arch = text.substr(colon + 1);
  if (arch.empty()) return std::string(kRule);
  for (char c : arch) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return "expected an architecture after ':' such as amd64, i386 or x86_64";
    }
  }
  return {};
}

constexpr std::string_view kManagers[] = {"auto", "dpkg", "rpm"};
constexpr std::string_view kScripts[] = {"run", "skip"};

}  // namespace

std::shared_ptr<const ArtifactSpec> PackageKind::parse(FieldReader& fields) const {
  using Spec = PackageSpec;
  auto spec = std::make_shared<Spec>();
  for (auto& item : fields.strings("names", Need::required, package_check)) {
    auto colon = item.value.find(':');
    Spec::Name name{item.value.substr(0, colon),
                    colon == std::string::npos ? "" : item.value.substr(colon + 1)};
    spec->names.push_back({std::move(name), item.loc});
  }
  auto manager = fields.choice("manager", kManagers, "auto");
  spec->manager = {manager.value == "dpkg"  ? Spec::Manager::dpkg
                   : manager.value == "rpm" ? Spec::Manager::rpm
                                            : Spec::Manager::automatic,
                   manager.loc};
  auto scripts = fields.choice("scripts", kScripts, "run");
  spec->scripts = {scripts.value == "skip" ? Spec::Scripts::skip : Spec::Scripts::run, scripts.loc};
  if (fields.failed()) return nullptr;
  return spec;
}

// ---- Detection: not built yet (Kind::detect refuses) ---------------------------------

}  // namespace excise
