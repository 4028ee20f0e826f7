#include "playbook/trust.hpp"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "excise/bytes.hpp"

namespace excise {
namespace {

std::string octal(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

bool trusted_owner(uid_t uid) {
  return uid == 0 || uid == geteuid();
}

// A path as one shell word, for a command the message suggests.
std::string shell_word(const std::string& path) {
  const std::string s = shown(path);
  if (s.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-+,:@") ==
      std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// What is wrong with `st` (the object at `path`), and how to fix it: a person reading
// "refused" should not have to work out the command (SAFETY S23).
std::string judge(const struct stat& st, const std::string& what, const std::string& path) {
  const bool dir = S_ISDIR(st.st_mode);
  const std::string rule = "; a playbook must be writable only by root";
  const std::string elsewhere = dir ? ", or keep playbooks in a directory only root can write" : "";
  if (!trusted_owner(st.st_uid)) {
    return what + " is owned by uid " + std::to_string(st.st_uid) + ", not root" + rule +
           "; to fix: chown root " + shell_word(path) + elsewhere;
  }
  if ((st.st_mode & 022) == 0) return {};
  if (dir && (st.st_mode & S_ISVTX) && st.st_uid == 0) return {};
  return what + " is writable by group or others (mode " + octal(st.st_mode) + ")" + rule +
         "; to fix: chmod go-w " + shell_word(path) + elsewhere;
}

std::string real_path_of(int fd, const std::string& path) {
  char buffer[PATH_MAX + 1];
  std::string link = "/proc/self/fd/" + std::to_string(fd);
  ssize_t n = readlink(link.c_str(), buffer, PATH_MAX);
  if (n > 0 && buffer[0] == '/') return std::string(buffer, static_cast<std::size_t>(n));
  char* resolved = realpath(path.c_str(), nullptr);  // no /proc: the best we can do
  if (!resolved) return {};
  std::string out(resolved);
  free(resolved);
  return out;
}

}  // namespace

std::string trust_problem(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) != 0) return "cannot check its owner and mode";
  if (auto problem = judge(st, "the file", path); !problem.empty()) return problem;
  std::string real = real_path_of(fd, path);
  if (real.empty()) return "cannot find the directories above it";
  for (auto slash = real.rfind('/'); slash != std::string::npos;
       slash = slash == 0 ? std::string::npos : real.rfind('/', slash - 1)) {
    std::string dir = slash == 0 ? "/" : real.substr(0, slash);
    if (lstat(dir.c_str(), &st) != 0) return "cannot check directory " + shown(dir);
    if (auto problem = judge(st, "directory " + shown(dir), dir); !problem.empty()) return problem;
  }
  return {};
}

}  // namespace excise
