// excise's state for one target root: <state>/lock and <state>/runs/<id>/ holding the
// run's journal, its quarantine (q/) and pre-image blobs (blobs/). By default <state>
// is <root>/var/lib/excise, reached through the root's SafeRoot so that a hostile image
// cannot redirect it; --state-dir names another (host) directory.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exec/journal.hpp"
#include "system/safe_root.hpp"

namespace excise {

namespace sys {
class Backend;
}

class RunDir {
 public:
  // A run that exists on disk.
  RunDir(std::string id, sys::Dir dir, sys::Dir quarantine, sys::Dir blobs);
  // A dry run: nothing exists, every directory is a placeholder.
  static RunDir placeholder(std::string id, const std::string& state_path);

  const std::string& id() const { return id_; }
  const sys::Dir& dir() const { return dir_; }
  const sys::Dir& quarantine() const { return quarantine_; }
  const sys::Dir& blobs() const { return blobs_; }

  // Keeps `content` as blobs/<sha256>, durably, and returns the digest. A dry run keeps
  // it in memory instead, so that later steps read what earlier ones "kept".
  std::string put_blob(sys::Backend& backend, std::string_view content);
  // Reads a blob back and checks its digest. Throws Error(input) when it is missing or damaged.
  std::string get_blob(const std::string& digest) const;

 private:
  std::string id_;
  sys::Dir dir_, quarantine_, blobs_;
  std::map<std::string, std::string> dry_blobs_;
};

class StateDir {
 public:
  // nullopt when the state directory does not exist and `create` is false.
  // keep_parent_times: see finish_parent_times.
  static std::optional<StateDir> open(const sys::SafeRoot& root, const std::string& override_path,
                                      bool create, bool keep_parent_times = false);
  // Where it would be, for messages and dry-run placeholders.
  static std::string location(const sys::SafeRoot& root, const std::string& override_path);

  const sys::Dir& dir() const { return dir_; }
  // The host path, for people: dir().path() is the path inside the root.
  const std::string& host_path() const { return host_path_; }
  std::vector<std::string> run_ids() const;  // oldest first
  RunDir create_run();
  RunDir open_run(const std::string& id) const;  // throws Error(usage) for an unknown id
  // "" when the run has no journal (stopped before creating it).
  std::string journal_bytes(const std::string& id) const;
  // Puts back the times of the state directory's parent if its creation could not
  // (sys::open_state_dir keeps them for later). A rollback calls it last, since a step it
  // undid may have put back the parent's times as they were after that creation.
  void finish_parent_times() const;

 private:
  StateDir(sys::Dir dir, sys::Dir parent, std::string name, std::string host_path)
      : dir_(std::move(dir)),
        parent_(std::move(parent)),
        name_(std::move(name)),
        host_path_(std::move(host_path)) {}
  sys::Dir run_dir(const std::string& id) const;
  sys::Dir runs() const;
  sys::Dir dir_;
  sys::Dir parent_;
  std::string name_;
  std::string host_path_;
};

}  // namespace excise
