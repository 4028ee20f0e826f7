// excise list: the catalogue, one product per line: id, name, vendor, where it came from.
#include <fmt/format.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise {

int run_list(const GlobalOptions& global) {
  Diagnostics diags;
  const Selection selection = load_catalogue(catalogue_dirs(global), diags);
  nlohmann::json products = nlohmann::json::array();
  std::string text;
  for (const auto& p : selection.playbooks) {
    std::string replaces;
    for (const auto& r : selection.replaced) {
      if (r.product == p.product.id) replaces = r.shipped_path;
    }
    products.push_back({{"id", p.product.id},
                        {"name", p.product.name},
                        {"vendor", p.product.vendor},
                        {"origin", std::string(origin_name(p.origin))},
                        {"path", encode_bytes(p.path)},
                        {"replaces", encode_bytes(replaces)}});
    text += fmt::format("{:<24} {:<40} {:<24} {} {}{}\n", p.product.id, p.product.name,
                        p.product.vendor, origin_name(p.origin), shown(p.path),
                        replaces.empty() ? "" : " (replaces " + shown(replaces) + ")");
  }
  if (global.format == OutputFormat::json) {
    print_json({{"format", "excise-catalogue"},
                {"format_version", 1},
                {"products", products},
                {"errors", diags.size()},
                {"changed", false}});
  } else {
    std::cout << text;
  }
  if (!diags.empty()) {
    std::cerr << diags.str();
    return 1;
  }
  return 0;
}

}  // namespace excise
