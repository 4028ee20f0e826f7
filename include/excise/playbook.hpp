// A loaded, validated playbook: one banned product and the artifacts it leaves behind.
// Every value keeps the place in the file it came from, for errors and for --explain.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "excise/diagnostics.hpp"

namespace excise {

template <class T>
struct Located {
  T value;
  SourceLoc loc;
};

// Where a playbook came from: the catalogue shipped with excise, the local catalogue
// (/etc/excise/playbooks.d), or a file named on the command line.
enum class Origin { shipped, local, given };
std::string_view origin_name(Origin origin);

struct Product {
  std::string id;  // [a-z0-9][a-z0-9-]*
  std::string name;
  std::string vendor;
  std::vector<std::string> platforms;
  std::vector<std::string> banned_by;
  std::vector<std::string> references;
  SourceLoc loc;
};

// The kind-specific content of an artifact table; each kind defines its own
// (src/kinds/<kind>.hpp) and reads it back with static_cast after checking `kind`.
struct ArtifactSpec {
  virtual ~ArtifactSpec() = default;
};

struct Artifact {
  std::string kind;  // the table name: "path", "package", ...
  std::string id;    // given in the file, or "<kind>#<n>" (n counts that kind from 1)
  bool id_given = false;
  std::vector<Located<std::string>> after;
  SourceLoc loc;  // the [[kind]] header
  std::shared_ptr<const ArtifactSpec> spec;
};

struct Playbook {
  std::string path;  // as given or found
  Origin origin = Origin::given;
  std::string sha256;  // of the file's bytes, for plan fingerprints
  int schema = 1;
  Product product;
  std::vector<Artifact> artifacts;  // in file order
};

struct PlaybookSource {
  std::string path;
  Origin origin = Origin::given;
};

// Reads and validates each file. Every problem of every file goes to `diags` as
// FILE:LINE:COL: message; the result holds only the playbooks that had none.
// Also checks across files: product ids unique in one load.
std::vector<Playbook> load_playbooks(const std::vector<PlaybookSource>& sources,
                                     Diagnostics& diags);

// Parses one playbook from memory (the loader's core; used by tests and the fuzzer).
std::vector<Playbook> load_playbook_text(std::string_view text, const PlaybookSource& source,
                                         Diagnostics& diags);

}  // namespace excise
