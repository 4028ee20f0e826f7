// Helpers for the file-system tests: real temporary directories under /tmp, building
// trees by path (the tests own these directories, so plain path calls are fine here),
// running a check in a forked child (namespaces, rlimits), and tree manifests that
// compare every field excise promises to keep.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "excise/bytes.hpp"

namespace fs_test {

inline void must(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what + ": " + std::strerror(errno));
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/excise-test-XXXXXX";
    must(::mkdtemp(tmpl) != nullptr, "mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    ::nftw(
        path_.c_str(),
        [](const char* p, const struct stat* st, int, struct FTW*) {
          if (S_ISDIR(st->st_mode)) return ::rmdir(p), 0;
          return ::unlink(p), 0;
        },
        64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    // Trees deeper than nftw copes with are removed by the shell.
    if (::access(path_.c_str(), F_OK) == 0) {
      std::string cmd = "rm -rf --one-file-system '" + path_ + "'";
      if (std::system(cmd.c_str()) != 0) {
      }
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& content, mode_t mode = 0644) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  must(fd >= 0, "create " + path);
  must(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()),
       "write " + path);
  ::close(fd);
  must(::chmod(path.c_str(), mode) == 0, "chmod " + path);
}

inline std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOATIME | O_NOFOLLOW);
  must(fd >= 0, "open " + path);
  std::string out;
  char buf[65536];
  ssize_t got;
  while ((got = ::read(fd, buf, sizeof buf)) > 0)
    out.append(buf, static_cast<std::size_t>(got));
  ::close(fd);
  return out;
}

inline void make_dir(const std::string& path, mode_t mode = 0755) {
  must(::mkdir(path.c_str(), mode) == 0, "mkdir " + path);
  must(::chmod(path.c_str(), mode) == 0, "chmod " + path);
}

inline void make_link(const std::string& target, const std::string& path) {
  must(::symlink(target.c_str(), path.c_str()) == 0, "symlink " + path);
}

inline void lchown_to(const std::string& path, uid_t uid, gid_t gid) {
  must(::lchown(path.c_str(), uid, gid) == 0, "lchown " + path);
}

inline bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

inline struct stat lstat_of(const std::string& path) {
  struct stat st {};
  must(::lstat(path.c_str(), &st) == 0, "lstat " + path);
  return st;
}

// Runs `body` in a forked child and returns its exit code (the child's result travels
// through the exit code; 100 means an exception). Used for unshare() and setrlimit(),
// which must not leak into the test process.
inline int in_child(const std::function<int()>& body) {
  pid_t pid = ::fork();
  must(pid >= 0, "fork");
  if (pid == 0) {
    int rc = 100;
    try {
      rc = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
    }
    std::fflush(stderr);
    ::_exit(rc);
  }
  int status = 0;
  must(::waitpid(pid, &status, 0) == pid, "waitpid");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

inline std::map<std::string, std::string> xattrs_of(const std::string& path) {
  std::map<std::string, std::string> out;
  std::string names(65536, '\0');
  ssize_t len = ::llistxattr(path.c_str(), names.data(), names.size());
  if (len <= 0) return out;
  names.resize(static_cast<std::size_t>(len));
  for (std::size_t pos = 0; pos < names.size();) {
    std::string name = names.c_str() + pos;
    pos += name.size() + 1;
    std::string value(65536, '\0');
    ssize_t vlen = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (vlen >= 0) out[name] = value.substr(0, static_cast<std::size_t>(vlen));
  }
  return out;
}

// One line per object of a tree, with every field a faithful copy keeps. Hard links are
// shown as the first relative path sharing the inode, so the link structure compares too.
struct Manifest {
  std::map<std::string, std::string> entries;  // relative path -> description
};

inline Manifest manifest(const std::string& top, bool with_atime = true) {
  Manifest out;
  std::map<std::pair<dev_t, ino_t>, std::string> first_name;
  std::vector<std::string> todo{""};
  while (!todo.empty()) {
    std::string rel = todo.back();
    todo.pop_back();
    std::string full = rel.empty() ? top : top + "/" + rel;
    struct stat st = lstat_of(full);
    std::string desc = "mode=" + std::to_string(st.st_mode) + " uid=" + std::to_string(st.st_uid) +
                       " gid=" + std::to_string(st.st_gid) +
                       " mtime=" + std::to_string(st.st_mtim.tv_sec) + "." +
                       std::to_string(st.st_mtim.tv_nsec);
    // Symlink atimes are left out: reading a link (readlink, which any copy must do)
    // updates its atime, and there is no O_NOATIME for readlink.
    if (with_atime && !S_ISLNK(st.st_mode)) {
      desc +=
          " atime=" + std::to_string(st.st_atim.tv_sec) + "." + std::to_string(st.st_atim.tv_nsec);
    }
    if (S_ISREG(st.st_mode)) {
      desc += " size=" + std::to_string(st.st_size) + " sha=" + excise::sha256_hex(read_file(full));
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) desc += " rdev=" + std::to_string(st.st_rdev);
    if (S_ISLNK(st.st_mode)) {
      std::string target(4096, '\0');
      ssize_t len = ::readlink(full.c_str(), target.data(), target.size());
      desc += " target=" + excise::shown(target.substr(0, static_cast<std::size_t>(len)));
    }
    for (const auto& [name, value] : xattrs_of(full)) {
      desc += " xattr:" + name + "=" + excise::shown(value);
    }
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
      auto [it, fresh] = first_name.emplace(std::make_pair(st.st_dev, st.st_ino), rel);
      desc += " nlink=" + std::to_string(st.st_nlink) + " same-as=" + excise::shown(it->second);
      (void)fresh;
    }
    out.entries[rel] = desc;
    if (S_ISDIR(st.st_mode)) {
      // O_NOATIME: reading a directory must not change what the next manifest sees.
      int fd = ::open(full.c_str(), O_RDONLY | O_DIRECTORY | O_NOATIME | O_CLOEXEC);
      must(fd >= 0, "open " + full);
      DIR* dir = ::fdopendir(fd);
      must(dir != nullptr, "opendir " + full);
      std::vector<std::string> names;
      while (auto* ent = ::readdir(dir)) {
        std::string name = ent->d_name;
        if (name != "." && name != "..") names.push_back(name);
      }
      ::closedir(dir);
      // Visit in reverse-sorted push order so "same-as" names the smallest path first.
      std::sort(names.rbegin(), names.rend());
      for (const auto& name : names)
        todo.push_back(rel.empty() ? name : rel + "/" + name);
    }
  }
  return out;
}

}  // namespace fs_test
