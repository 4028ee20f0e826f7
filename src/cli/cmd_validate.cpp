// excise validate: load playbooks and report every problem of every file as
// FILE:LINE:COL: message, including kinds this build cannot detect yet.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "excise/bytes.hpp"
#include "excise/kind.hpp"

namespace excise {

int run_validate(const GlobalOptions& global, const ValidateOptions& options) {
  Diagnostics diags;
  const Selection selection = select_playbooks(options.playbooks, catalogue_dirs(global), diags);
  for (const auto& playbook : selection.playbooks) {
    for (const auto& artifact : playbook.artifacts) {
      const Kind* kind = find_kind(artifact.kind);
      if (kind != nullptr && !kind->detection_built()) {
        diags.error(artifact.loc, "[[" + artifact.kind + "]] " + artifact.id +
                                      ": this excise cannot detect artifacts of kind '" +
                                      artifact.kind + "' yet, so it would refuse to plan " +
                                      playbook.product.id);
      }
    }
  }
  if (global.format == OutputFormat::json) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& d : diags.items()) {
      errors.push_back({{"file", encode_bytes(d.loc.file)},
                        {"line", d.loc.line},
                        {"column", d.loc.column},
                        {"message", encode_bytes(d.message)}});
    }
    nlohmann::json valid = nlohmann::json::array();
    for (const auto& p : selection.playbooks)
      valid.push_back({{"product", p.product.id}, {"path", encode_bytes(p.path)}});
    print_json({{"format", "excise-validate"},
                {"format_version", 1},
                {"ok", diags.empty()},
                {"playbooks", valid},
                {"errors", errors},
                {"changed", false}});
  } else {
    std::cerr << diags.str();
    if (diags.empty()) std::cout << "ok: " << selection.playbooks.size() << " playbook(s) valid\n";
  }
  return diags.empty() ? 0 : 1;
}

}  // namespace excise
