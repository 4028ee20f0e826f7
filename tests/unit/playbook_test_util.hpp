// Helpers shared by the playbook tests: the fixture directory, and loading a text.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "excise/playbook.hpp"

namespace excise::test {

// tests/fixtures/playbooks of the source tree (EXCISE_SOURCE_CATALOGUE is <src>/playbooks,
// which may not exist yet: cut the name rather than go through "..").
inline std::string playbook_fixtures() {
  std::string source = EXCISE_SOURCE_CATALOGUE;
  return source.substr(0, source.rfind('/')) + "/tests/fixtures/playbooks";
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Loaded {
  std::vector<Playbook> playbooks;
  std::string errors;  // Diagnostics::str(): sorted "FILE:LINE:COL: message" lines
};

inline Loaded load_text(std::string_view text, const std::string& path = "t.toml") {
  Diagnostics diags;
  Loaded out;
  out.playbooks = load_playbook_text(text, {path, Origin::given}, diags);
  out.errors = diags.str();
  return out;
}

// A playbook text with a valid top (schema, product) followed by `artifacts`.
inline std::string with_product(std::string_view artifacts) {
  return "schema = 1\n[product]\nid = \"p\"\nname = \"P\"\n" + std::string(artifacts);
}

}  // namespace excise::test
