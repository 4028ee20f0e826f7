// The inside of FieldReader, and the small toml++ helpers the loader shares with it.
// Only src/playbook/ includes this: toml++ types stay out of every public header.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

#include "excise/diagnostics.hpp"
#include "playbook/field_reader.hpp"

namespace excise {

struct FieldReader::Impl {
  const toml::table& table;
  std::string file;
  std::string section;
  Diagnostics& diags;
  std::vector<std::string> asked;  // in the order asked, without repeats
  std::size_t errors = 0;
};

SourceLoc loc_of(const std::string& file, const toml::source_region& region);
// "string", "integer", "float", "boolean", "date", "time", "date-time", "array", "table".
std::string_view toml_type_name(const toml::node& node);

}  // namespace excise
