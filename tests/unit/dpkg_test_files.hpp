// Reading this machine's dpkg files for the read-only real-system tests.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace excise::test {

inline std::optional<std::string> read_host_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace excise::test
