// Writing results: documents on stdout, logs and errors on stderr.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "cli/common.hpp"

namespace excise {

// "excise: error: ..." on stderr; with --format json also an error document on stdout,
// so a configuration-management wrapper always has JSON to read.
void report_error(const GlobalOptions& global, const std::string& message);

// Prints a JSON document on stdout, pretty, with a final newline.
void print_json(const nlohmann::json& document);

// Writes `content` to a host file atomically (temporary file, fsync, rename), mode 0600.
void write_host_file(const std::string& path, const std::string& content);
std::string read_host_file(const std::string& path);
// A host path made absolute against the working directory (no link is resolved).
std::string absolute_host_path(const std::string& path);

}  // namespace excise
