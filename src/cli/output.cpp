#include "cli/output.hpp"

#include <unistd.h>

#include <iostream>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

std::pair<std::string, std::string> split(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// The host seen through the same safe layer as any root; relative paths start at the
// working directory.
std::pair<sys::Dir, std::string> host_parent(const std::string& path) {
  static const sys::SafeRoot host("/");
  const auto [dir, name] = split(absolute_host_path(path));
  auto parent = host.open_dir(dir);
  if (!parent || name.empty()) {
    throw Error(Failure::usage, shown(path) + ": no such directory: " + shown(dir));
  }
  return {std::move(*parent), name};
}

}  // namespace

std::string absolute_host_path(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buffer[4096];
  if (::getcwd(buffer, sizeof buffer) == nullptr) {
    throw Error(Failure::system, "cannot find the working directory");
  }
  return std::string(buffer) + "/" + path;
}

void report_error(const GlobalOptions& global, const std::string& message) {
  std::cerr << "excise: error: " << message;
  if (message.empty() || message.back() != '\n') std::cerr << "\n";
  if (global.format == OutputFormat::json) {
    print_json({{"format", "excise-error"},
                {"error", encode_bytes(message)},
                {"changed", false},
                {"exit_code", 1}});  // as in every other document: the one exit code of errors
  }
}

void print_json(const nlohmann::json& document) {
  std::cout << document.dump(2) << "\n";
}

void write_host_file(const std::string& path, const std::string& content) {
  const auto [dir, name] = host_parent(path);
  sys::FileMeta meta;
  meta.mode = 0600;
  meta.uid = ::geteuid();
  meta.gid = ::getegid();
  const auto now = ::time(nullptr);
  meta.atime = meta.mtime = {now, 0};
  sys::write_file_atomic(dir, name, content, meta);
}

std::string read_host_file(const std::string& path) {
  const auto [dir, name] = host_parent(path);
  const auto stat = dir.stat_at(name);
  if (!stat) throw Error(Failure::usage, "no such file: " + shown(path));
  if (!stat->is_regular()) throw Error(Failure::usage, shown(path) + " is not a regular file");
  return dir.read_at(name);
}

}  // namespace excise
