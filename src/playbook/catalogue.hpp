// The catalogue: the playbooks excise knows by product id, and how command-line
// arguments choose among them.
//
// Two directories, read in this order:
//   shipped  <prefix>/share/excise/playbooks   installed with excise (Origin::shipped)
//   local    /etc/excise/playbooks.d           the administrator's own (Origin::local)
// Each contributes its *.toml files, sorted by name; a directory that does not exist
// contributes nothing. A local playbook with the same product id as a shipped one
// REPLACES it, as /etc overrides /usr in systemd: that is how an administrator fixes or
// tightens a shipped playbook without waiting for a release. Every replacement is
// reported in Selection::replaced, so that `excise list` can show it.
#pragma once

#include <string>
#include <vector>

#include "excise/diagnostics.hpp"
#include "excise/playbook.hpp"

namespace excise {

inline constexpr std::string_view kLocalCatalogueDir = "/etc/excise/playbooks.d";

struct CatalogueDir {
  std::string path;
  Origin origin = Origin::shipped;
};

// The shipped directory next to the running binary (<bin>/../share/excise/playbooks),
// else the source tree's playbooks/ (a build that is not installed), then the local one.
std::vector<CatalogueDir> default_catalogue_dirs();

// The *.toml files of each directory, sorted by name within it, in the order of `dirs`.
// Names starting with '.' are skipped. A missing directory is fine; one that cannot be
// read is a diagnostic.
std::vector<PlaybookSource> list_catalogue(const std::vector<CatalogueDir>& dirs,
                                           Diagnostics& diags);

// A shipped playbook hidden by a local one with the same product id.
struct Replacement {
  std::string product;
  std::string shipped_path;
  std::string local_path;
};

struct Selection {
  std::vector<Playbook> playbooks;
  std::vector<Replacement> replaced;
};

// The whole catalogue, local replacing shipped, sorted by product id. Product ids are
// unique within the shipped set and within the local set.
Selection load_catalogue(const std::vector<CatalogueDir>& dirs, Diagnostics& diags);

// Command-line arguments to playbooks. An argument that is an existing file (not a
// directory), or contains '/', or ends in ".toml" names a playbook file (Origin::given);
// any other is a product id looked up in the catalogue. No arguments: the whole
// catalogue. The result follows the order of the arguments; a playbook named twice comes
// once; two different files for one product id are an error.
Selection select_playbooks(const std::vector<std::string>& args,
                           const std::vector<CatalogueDir>& dirs, Diagnostics& diags);

}  // namespace excise
