#include "system/private_dir.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/tree.hpp"

namespace excise::sys {
namespace {

// Best effort (only cosmetic for the parent); says whether it worked.
bool restore_mtime(const Dir& dir, const Stat& before) {
  const struct timespec times[2] = {{before.atime.sec, before.atime.nsec},
                                    {before.mtime.sec, before.mtime.nsec}};
  return ::futimens(dir.fd(), times) == 0;
}

bool make_dir(const Dir& parent, std::string_view name, mode_t mode) {
  const std::string n(name);
  if (::mkdirat(parent.fd(), n.c_str(), mode) == 0) return true;
  if (errno == EEXIST) return false;
  throw Error(Failure::system,
              "cannot create " + shown(parent.child_path(name)) + ": " + std::strerror(errno));
}

constexpr std::string_view kParentTimes = "parent-times";

std::string times_text(const Stat& st) {
  return fmt::format("{}.{}-{}.{}", st.atime.sec, st.atime.nsec, st.mtime.sec, st.mtime.nsec);
}

std::optional<Stat> times_from_text(std::string_view text) {
  Stat st;
  long long v[4];
  std::size_t i = 0;
  for (long long& out : v) {
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), out);
    if (ec != std::errc() || out < 0) return std::nullopt;
    i = static_cast<std::size_t>(end - text.data());
    if (&out != &v[3]) {
      if (i >= text.size() || text[i] != (&out == &v[1] ? '-' : '.')) return std::nullopt;
      ++i;
    }
  }
  if (i != text.size() || v[1] > 999999999 || v[3] > 999999999) return std::nullopt;
  st.atime = {v[0], v[1]};
  st.mtime = {v[2], v[3]};
  return st;
}

std::string temp_prefix(std::string_view name) {
  return "." + std::string(name) + ".new-";
}

void fail(std::string_view what, const std::string& path) {
  throw Error(Failure::system, std::string(what) + " " + shown(path) + ": " + std::strerror(errno));
}

// Finishes an interrupted creation (see open_state_dir). Returns 0, or the errno of
// putting back the parent's times when that failed (the file is then kept).
int recover_state_dir_impl(const Dir& parent, std::string_view name, bool keep_file) {
  const std::string prefix = temp_prefix(name);
  std::optional<Stat> times;
  for (const auto& entry : parent.entries()) {
    if (entry.name.compare(0, prefix.size(), prefix) != 0) continue;
    const auto parsed = times_from_text(std::string_view(entry.name).substr(prefix.size()));
    if (!parsed) continue;  // not one of ours
    const Dir temp = parent.dir_at(entry.name);
    if (temp.stat_at(kParentTimes) && ::unlinkat(temp.fd(), kParentTimes.data(), 0) != 0)
      fail("cannot remove", temp.child_path(kParentTimes));
    if (::unlinkat(parent.fd(), entry.name.c_str(), AT_REMOVEDIR) != 0)
      fail("cannot remove", parent.child_path(entry.name));
    times = parsed;
  }
  const auto st = parent.stat_at(name);
  std::optional<Dir> dir;
  if (st && st->is_dir()) dir = parent.dir_at(name);
  if (dir && dir->stat_at(kParentTimes)) {
    if (const auto parsed = times_from_text(dir->read_at(kParentTimes, 128))) times = parsed;
  }
  if (!times) return 0;
  // If the times cannot be put back now, the file stays for the next run to try again.
  if (!restore_mtime(parent, *times)) return errno;
  fsync_dir(parent);
  if (keep_file) return 0;
  if (dir && dir->stat_at(kParentTimes) && ::unlinkat(dir->fd(), kParentTimes.data(), 0) != 0)
    fail("cannot remove", dir->child_path(kParentTimes));
  return 0;
}

}  // namespace

void finish_state_dir(const Dir& parent, std::string_view name) {
  recover_state_dir_impl(parent, name, false);
}

std::optional<Dir> open_state_dir(const Dir& parent, std::string_view name, bool create,
                                  bool keep_parent_times) {
  recover_state_dir_impl(parent, name, keep_parent_times);
  if (!parent.stat_at(name) && create) {
    const Stat before = parent.stat();
    const std::string temp = temp_prefix(name) + times_text(before);
    if (!make_dir(parent, temp, 0700)) fail("cannot create", parent.child_path(temp));
    {
      const Dir dir = parent.dir_at(temp);
      const int fd = ::openat(dir.fd(), kParentTimes.data(),
                              O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0) fail("cannot create", dir.child_path(kParentTimes));
      Fd file(fd);
      const std::string text = times_text(before);
      if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
          ::fsync(fd) != 0) {
        fail("cannot write", dir.child_path(kParentTimes));
      }
      fsync_dir(dir);
    }
    const std::string n(name);
    if (::renameat2(parent.fd(), temp.c_str(), parent.fd(), n.c_str(), RENAME_NOREPLACE) != 0 &&
        errno != EEXIST) {
      fail("cannot rename into place", parent.child_path(temp));
    }
    fsync_dir(parent);
    // Times back, then the file goes. If the times could not be put back (an I/O error),
    // every step would record the wrong ones as "before": stop now, before any run
    // begins. The file stays, so the next excise on this root puts them back.
    if (const int error = recover_state_dir_impl(parent, name, false); error != 0) {
      throw Error(Failure::system, "created " + shown(parent.child_path(name)) +
                                       " but cannot put back the times of " + shown(parent.path()) +
                                       ": " + std::strerror(error) + "; nothing else was changed");
    }
  }
  return open_private_dir(parent, name, false);
}

std::optional<Dir> open_private_dir(const Dir& parent, std::string_view name, bool create) {
  auto existing = parent.stat_at(name);
  if (!existing) {
    if (!create) return std::nullopt;
    const Stat parent_before = parent.stat();
    if (make_dir(parent, name, 0700)) {
      fsync_dir(parent);
      restore_mtime(parent, parent_before);
    }
    existing = parent.stat_at(name);
  }
  const std::string path = parent.child_path(name);
  if (!existing || !existing->is_dir()) {
    throw Error(Failure::refused, shown(path) + " is not a directory (it holds excise's state)");
  }
  if (existing->uid != ::geteuid() || (existing->permissions() & 022) != 0) {
    throw Error(Failure::refused,
                shown(path) + " must be owned by uid " + std::to_string(::geteuid()) +
                    " and not writable by group or others; fix it with: chown root: " +
                    shown(path) + " && chmod 0700 " + shown(path));
  }
  return parent.dir_at(name);
}

Dir open_or_make_dir(const Dir& parent, std::string_view name) {
  if (!parent.stat_at(name)) make_dir(parent, name, 0755);
  return parent.dir_at(name);
}

}  // namespace excise::sys
