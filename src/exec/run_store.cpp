#include "exec/run_store.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/clock.hpp"
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
  meta.atime = meta.mtime = sys::now();
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
  return StateDir(std::move(*dir), std::move(*parent), name, location(root, override_path));
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
  // Ids are UTC timestamps, with "-N" added for the Nth run of one second: oldest first is
  // by name, then by N as a number (by name alone, "-10" would come before "-2" and
  // `rollback --last` would pick the wrong run).
  auto key = [](const std::string& id) -> std::pair<std::string, std::size_t> {
    const auto dash = id.rfind('-');
    const bool numbered = dash != std::string::npos && dash + 1 < id.size() &&
                          id.size() - dash <= 10 &&
                          id.find_first_not_of("0123456789", dash + 1) == std::string::npos;
    if (!numbered) return {id, 1};
    return {id.substr(0, dash), std::stoul(id.substr(dash + 1))};
  };
  std::stable_sort(ids.begin(), ids.end(),
                   [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
  return ids;
}

RunDir StateDir::create_run() {
  const sys::Dir runs_dir = runs();
  const std::string base = utc_now_compact();
  std::string id = base;
  for (int n = 2; runs_dir.stat_at(id); ++n)
    id = base + "-" + std::to_string(n);
  sys::Dir dir = *sys::open_private_dir(runs_dir, id, true);
  sys::Dir quarantine = *sys::open_private_dir(dir, "q", true);
  sys::Dir blobs = *sys::open_private_dir(dir, "blobs", true);
  return RunDir(id, std::move(dir), std::move(quarantine), std::move(blobs));
}

// The directory of an existing run, opened without creating anything: ids come from the
// command line, and "." or ".." would otherwise name the state directory or its parent.
sys::Dir StateDir::run_dir(const std::string& id) const {
  const auto runs_dir = sys::open_private_dir(dir_, "runs", false);
  const bool plain = !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos;
  const auto st = plain && runs_dir ? runs_dir->stat_at(id) : std::nullopt;
  if (!st || !st->is_dir()) {
    throw Error(Failure::usage,
                "no run " + shown(id) + " in " + shown(host_path_) + " (excise runs lists them)");
  }
  return runs_dir->dir_at(id);
}

RunDir StateDir::open_run(const std::string& id) const {
  sys::Dir dir = run_dir(id);
  auto quarantine = sys::open_private_dir(dir, "q", true);
  auto blobs = sys::open_private_dir(dir, "blobs", true);
  return RunDir(id, std::move(dir), std::move(*quarantine), std::move(*blobs));
}

void StateDir::finish_parent_times() const {
  sys::finish_state_dir(parent_, name_);
}

std::string StateDir::journal_bytes(const std::string& id) const {
  // Reading a journal (excise runs, the checks before a rollback) writes nothing. A run
  // killed while its directory was being made has no journal yet; like an empty one, it
  // recorded nothing and so changed nothing (the header comes before any change).
  const sys::Dir dir = run_dir(id);
  if (!dir.stat_at("journal")) return {};
  return dir.read_at("journal");
}

}  // namespace excise
