// A UnitTree over a real directory with plain POSIX calls, and the temporary roots and
// child processes the systemd integration tests need. Test-only: production code reads
// roots through the safe file layer.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "system/unit_tree.hpp"

extern char** environ;

namespace excise::sys::testing {

inline FileKind kind_of(mode_t mode) {
  if (S_ISREG(mode)) return FileKind::regular;
  if (S_ISDIR(mode)) return FileKind::directory;
  if (S_ISLNK(mode)) return FileKind::symlink;
  return FileKind::other;
}

// The scanner hands over paths with their parents resolved, so prefixing the root and
// never following the final component keeps every read inside it.
class PosixUnitTree : public UnitTree {
 public:
  explicit PosixUnitTree(std::string root) : root_(std::move(root)) {}

  std::vector<Entry> list(std::string_view dir) const override {
    int fd = ::open(host(dir).c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return {};
    DIR* d = ::fdopendir(fd);
    if (!d) {
      ::close(fd);
      return {};
    }
    std::vector<Entry> out;
    while (dirent* de = ::readdir(d)) {
      std::string name = de->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::fstatat(::dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        out.push_back({name, kind_of(st.st_mode)});
    }
    ::closedir(d);
    return out;
  }

  std::optional<std::string> read_link(std::string_view path) const override {
    std::vector<char> buf(4096);
    ssize_t n = ::readlink(host(path).c_str(), buf.data(), buf.size());
    if (n < 0) return std::nullopt;
    return std::string(buf.data(), static_cast<std::size_t>(n));
  }

  std::optional<FileKind> kind(std::string_view path) const override {
    struct stat st {};
    if (::lstat(host(path).c_str(), &st) != 0) return std::nullopt;
    return kind_of(st.st_mode);
  }

  std::optional<std::string> read(std::string_view path) const override {
    int fd = ::open(host(path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    std::string out;
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
      char buf[4096];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<std::size_t>(n));
      ::close(fd);
      return out;
    }
    ::close(fd);
    return std::nullopt;
  }

 private:
  std::string host(std::string_view path) const { return root_ + std::string(path); }
  std::string root_;
};

// A fresh directory under /tmp, removed with everything in it (symlinks not followed).
class TempRoot {
 public:
  TempRoot() {
    std::string tmpl = "/tmp/excise-systemd-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;

  const std::string& path() const { return path_; }
  std::string host(const std::string& in_root) const { return path_ + in_root; }

  void write(const std::string& in_root, const std::string& content) const {
    std::filesystem::create_directories(std::filesystem::path(host(in_root)).parent_path());
    std::ofstream(host(in_root), std::ios::binary) << content;
  }
  void mkdir(const std::string& in_root) const {
    std::filesystem::create_directories(host(in_root));
  }
  void symlink(const std::string& in_root, const std::string& target) const {
    std::filesystem::create_directories(std::filesystem::path(host(in_root)).parent_path());
    std::filesystem::create_symlink(target, host(in_root));
  }

  // In-root path -> "dir", "file" or "link -> target", for every entry below the root.
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(path_)) {
      std::string p = e.path().string().substr(path_.size());
      if (e.is_symlink())
        out[p] = "link -> " + std::filesystem::read_symlink(e.path()).string();
      else if (e.is_directory())
        out[p] = "dir";
      else
        out[p] = "file";
    }
    return out;
  }

 private:
  std::string path_;
};

struct RunResult {
  int status = -1;
  std::string out, err;
};

// Runs argv (no shell) with LC_ALL=C plus `env`, capturing stdout and stderr in files
// (no pipes to drain, no deadlock).
inline RunResult run_command(const std::vector<std::string>& argv,
                             const std::vector<std::string>& env = {}) {
  TempRoot io;
  std::string out_path = io.path() + "/out", err_path = io.path() + "/err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT, 0600);

  std::vector<std::string> env_strings = {"LC_ALL=C"};
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).substr(0, 7) != "LC_ALL=") env_strings.push_back(*e);
  for (const auto& e : env)
    env_strings.push_back(e);
  std::vector<char*> envp, args;
  for (auto& e : env_strings)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy)
    args.push_back(a.data());
  args.push_back(nullptr);

  RunResult result;
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return result;
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  result.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  std::stringstream o, e;
  o << std::ifstream(out_path).rdbuf();
  e << std::ifstream(err_path).rdbuf();
  result.out = o.str();
  result.err = e.str();
  return result;
}

}  // namespace excise::sys::testing
