// The per-package files under <admindir>/info and the diversions file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "system/dpkg_package.hpp"

namespace excise::sys {

// info/format "1" (dpkg >= 1.16.2, multiarch) qualifies Multi-Arch: same packages'
// info files with their architecture; the legacy format 0 never does.
enum class InfoFormat { legacy, multiarch };
// The content of info/format (absent: pass ""); throws Error(system) for an unknown one.
InfoFormat parse_info_format(std::string_view text);

// "acme.list" or "libacme1:amd64.list", the way dpkg names them (pkg_infodb_get_file).
std::string info_file_name(const DpkgPackage& package, std::string_view suffix,
                           InfoFormat format = InfoFormat::multiarch);

// A path the way dpkg stores it: "/." is the root "/", trailing slashes go.
std::string normalize_dpkg_path(std::string_view path);

// info/<pkg>.list: one path per line, normalized; blank lines skipped.
std::vector<std::string> parse_list_file(std::string_view text);

struct DpkgMd5sum {
  std::string path;  // absolute: md5sums files store "usr/bin/x", we return "/usr/bin/x"
  std::string md5;
};
// info/<pkg>.md5sums: "<md5>  <path>" per line. Throws Error(system) naming `source` and
// the line for a line without a path.
std::vector<DpkgMd5sum> parse_md5sums_file(std::string_view text, std::string_view source);

// info/<pkg>.conffiles: one path per line, optionally preceded by "remove-on-upgrade".
// The md5 of the returned entries is empty (it lives in the status Conffiles field).
std::vector<DpkgConffile> parse_conffiles_file(std::string_view text, std::string_view source);

struct DpkgDiversion {
  std::string from;     // the path packages ship
  std::string to;       // where the diverted file is put instead
  std::string package;  // the diverting package; empty for a local diversion (":")
};
// <admindir>/diversions: three lines per diversion. Throws Error(system) naming `source`
// when the line count is not a multiple of three.
std::vector<DpkgDiversion> parse_diversions(std::string_view text, std::string_view source);

}  // namespace excise::sys
