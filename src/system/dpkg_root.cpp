#include "system/dpkg_root.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {
namespace {

Fd lock_file(const Dir& admin, const char* name, std::chrono::steady_clock::time_point deadline) {
  Fd fd(::openat(admin.fd(), name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640));
  if (!fd) {
    throw Error(Failure::system,
                "cannot open " + shown(admin.child_path(name)) + ": " + std::strerror(errno));
  }
  for (;;) {
    struct flock lock {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd.get(), F_SETLK, &lock) == 0) return fd;
    if (errno != EACCES && errno != EAGAIN) {
      throw Error(Failure::system,
                  "cannot lock " + shown(admin.child_path(name)) + ": " + std::strerror(errno));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      struct flock who {};
      who.l_type = F_WRLCK;
      who.l_whence = SEEK_SET;
      std::string holder;
      if (::fcntl(fd.get(), F_GETLK, &who) == 0 && who.l_type != F_UNLCK) {
        holder = " by process " + std::to_string(who.l_pid);
      }
      throw Error(Failure::locked, "the dpkg database " + shown(admin.path()) + " is locked" +
                                       holder +
                                       " (dpkg or apt is running); try again when it has finished");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

std::optional<DpkgDatabase> load_dpkg_database(const SafeRoot& root) {
  const auto admin = root.open_dir(kDpkgAdminDir);
  if (!admin || !admin->stat_at("status")) return std::nullopt;
  const std::string status = admin->read_at("status");
  const auto reader = [&](std::string_view name) -> std::optional<std::string> {
    const auto slash = name.rfind('/');
    const Dir* dir = &*admin;
    std::optional<Dir> sub;
    if (slash != std::string_view::npos) {
      sub = admin->find_dir(name.substr(0, slash));
      if (!sub) return std::nullopt;
      dir = &*sub;
      name = name.substr(slash + 1);
    }
    const auto stat = dir->stat_at(name);
    if (!stat || !stat->is_regular()) return std::nullopt;
    return dir->read_at(name);
  };
  return DpkgDatabase::load(status, reader);
}

InfoFormat dpkg_info_format(const Dir& admin_dir) {
  const auto info = admin_dir.find_dir("info");
  if (!info || !info->stat_at("format")) return parse_info_format("");
  return parse_info_format(info->read_at("format"));
}

std::vector<std::string> dpkg_info_files(const Dir& info_dir, const DpkgPackage& package,
                                         InfoFormat format) {
  std::string base = info_file_name(package, "list", format);
  base.resize(base.size() - std::string_view("list").size());  // "acme." or "acme:amd64."
  std::vector<std::string> names;
  for (const auto& entry : info_dir.entries()) {
    if (entry.name.compare(0, base.size(), base) != 0) continue;
    // "acme.list" belongs to acme; "acme.d.list" would be acme.d's, whose names hold a dot
    // before a known suffix: accept only suffixes without a further dot.
    const std::string suffix = entry.name.substr(base.size());
    if (!suffix.empty() && suffix.find('.') == std::string::npos) names.push_back(entry.name);
  }
  return names;
}

DpkgLock::DpkgLock(const Dir& admin_dir, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  frontend_ = lock_file(admin_dir, "lock-frontend", deadline);
  lock_ = lock_file(admin_dir, "lock", deadline);
}

DpkgLock::~DpkgLock() = default;  // closing the descriptors releases fcntl locks

}  // namespace excise::sys
