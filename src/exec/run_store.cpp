#include "exec/run_store.hpp"

#include <chrono>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "system/backend.hpp"
#include "system/private_dir.hpp"

namespace excise {
namespace {

constexpr std::string_view kDefaultParent = "/var/lib";
constexpr std::string_view kDefaultName = "excise";

std::pair<std::string, std::string> split_path(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string timestamp_id() {
  const auto now = std::chrono::system_clock::now();
  return fmt::format("{:%Y%m%dT%H%M%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(now)));
}

sys::Timespec now_timespec() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return {ts.tv_sec, ts.tv_nsec};
}

}  // namespace

RunDir::RunDir(std::string id, sys::Dir dir, sys::Dir quarantine, sys::Dir blobs)
    : id_(std::move(id)),
      dir_(std::move(dir)),
      quarantine_(std::move(quarantine)),
      blobs_(std::move(blobs)) {}

RunDir RunDir::placeholder(std::string id, const std::string& state_path) {
  const std::string dir = state_path + "/runs/" + id;
  return RunDir(id, sys::Dir::placeholder(dir), sys::Dir::placeholder(dir + "/q"),
                sys::Dir::placeholder(dir + "/blobs"));
}

std::string RunDir::put_blob(sys::Backend& backend, std::string_view content) {
  std::string digest = sha256_hex(content);
  if (!blobs_.is_open()) {
    dry_blobs_[digest] = std::string(content);
    return digest;
  }
  if (blobs_.stat_at(digest)) return digest;
  sys::FileMeta meta;
  meta.mode = 0600;
  meta.atime = meta.mtime = now_timespec();
  backend.write_file(blobs_, digest, content, meta);
  return digest;
}

std::string RunDir::get_blob(const std::string& digest) const {
  if (const auto it = dry_blobs_.find(digest); it != dry_blobs_.end()) return it->second;
  if (!blobs_.is_open() || !blobs_.stat_at(digest)) {
    throw Error(Failure::input, "run " + id_ + ": saved pre-image " + digest + " is missing from " +
                                    shown(blobs_.path()));
  }
  std::string content = blobs_.read_at(digest);
  if (sha256_hex(content) != digest) {
    throw Error(Failure::input, "run " + id_ + ": saved pre-image " +
                                    shown(blobs_.child_path(digest)) +
                                    " is damaged (its checksum does not match)");
  }
  return content;
}

std::string StateDir::location(const sys::SafeRoot& root, const std::string& override_path) {
  if (!override_path.empty()) return override_path;
  const std::string prefix = root.path() == "/" ? "" : root.path();
  return prefix + std::string(kDefaultParent) + "/" + std::string(kDefaultName);
}

std::optional<StateDir> StateDir::open(const sys::SafeRoot& root, const std::string& override_path,
                                       bool create, bool keep_parent_times) {
  std::optional<sys::Dir> parent;
  std::string name(kDefaultName);
  if (override_path.empty()) {
    parent = root.open_dir(kDefaultParent);
    if (!parent && create) {
      parent = sys::open_or_make_dir(sys::open_or_make_dir(root.root(), "var"), "lib");
    }
  } else {
    if (override_path.empty() || override_path[0] != '/') {
      throw Error(Failure::usage, "--state-dir must be an absolute path: " + shown(override_path));
    }
    const auto [dir, base] = split_path(override_path);
    static const sys::SafeRoot host("/");
    parent = host.open_dir(dir);
    name = base;
    if (!parent) {
      throw Error(Failure::usage,
                  "--state-dir " + shown(override_path) + ": " + shown(dir) + " does not exist");
    }
  }
  if (!parent) return std::nullopt;
  auto dir = sys::open_state_dir(*parent, name, create, keep_parent_times);
  if (!dir) return std::nullopt;
  return StateDir(std::move(*dir), std::move(*parent), name);
}

sys::Dir StateDir::runs() const {
  return *sys::open_private_dir(dir_, "runs", true);
}

std::vector<std::string> StateDir::run_ids() const {
  std::vector<std::string> ids;
  const auto runs_dir = sys::open_private_dir(dir_, "runs", false);
  if (!runs_dir) return ids;
  for (const auto& entry : runs_dir->entries()) {
    if (runs_dir->stat_at(entry.name).value_or(sys::Stat{}).is_dir()) ids.push_back(entry.name);
  }
  return ids;  // ids are UTC timestamps: sorted by name is oldest first
}

RunDir StateDir::create_run() {
  const sys::Dir runs_dir = runs();
  const std::string base = timestamp_id();
  std::string id = base;
  for (int n = 2; runs_dir.stat_at(id); ++n)
    id = base + "-" + std::to_string(n);
  sys::Dir dir = *sys::open_private_dir(runs_dir, id, true);
  sys::Dir quarantine = *sys::open_private_dir(dir, "q", true);
  sys::Dir blobs = *sys::open_private_dir(dir, "blobs", true);
  return RunDir(id, std::move(dir), std::move(quarantine), std::move(blobs));
}

RunDir StateDir::open_run(const std::string& id) const {
  const auto runs_dir = sys::open_private_dir(dir_, "runs", false);
  if (id.empty() || id.find('/') != std::string::npos || !runs_dir || !runs_dir->stat_at(id)) {
    throw Error(Failure::usage,
                "no run " + shown(id) + " in " + shown(dir_.path()) + " (excise runs lists them)");
  }
  sys::Dir dir = runs_dir->dir_at(id);
  auto quarantine = sys::open_private_dir(dir, "q", true);
  auto blobs = sys::open_private_dir(dir, "blobs", true);
  return RunDir(id, std::move(dir), std::move(*quarantine), std::move(*blobs));
}

void StateDir::finish_parent_times() const {
  sys::finish_state_dir(parent_, name_);
}

std::string StateDir::journal_bytes(const std::string& id) const {
  const RunDir run = open_run(id);
  // A run killed while its directory was being made has no journal yet; like an empty
  // one, it recorded nothing and so changed nothing (the header comes before any change).
  if (!run.dir().stat_at("journal")) return {};
  return run.dir().read_at("journal");
}

}  // namespace excise
