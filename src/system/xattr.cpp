#include "system/xattr.hpp"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include "system/posix.hpp"

namespace excise::sys::xattr {

namespace {

// Either f*xattr on an I/O descriptor, or the following *xattr calls on /proc/self/fd/N
// for an O_PATH one (the l* variants would act on the /proc link itself, not the object).
class Calls {
 public:
  explicit Calls(const Target& target)
      : target_(target), proc_(target.opath ? posix::proc_fd(target.fd) : std::string()) {}

  ssize_t list(char* buf, std::size_t size) const {
    return target_.opath ? ::listxattr(proc_.c_str(), buf, size)
                         : ::flistxattr(target_.fd, buf, size);
  }
  ssize_t get(const std::string& name, void* buf, std::size_t size) const {
    return target_.opath ? ::getxattr(proc_.c_str(), name.c_str(), buf, size)
                         : ::fgetxattr(target_.fd, name.c_str(), buf, size);
  }
  int set(const std::string& name, const std::string& value) const {
    return target_.opath ? ::setxattr(proc_.c_str(), name.c_str(), value.data(), value.size(), 0)
                         : ::fsetxattr(target_.fd, name.c_str(), value.data(), value.size(), 0);
  }
  int remove(const std::string& name) const {
    return target_.opath ? ::removexattr(proc_.c_str(), name.c_str())
                         : ::fremovexattr(target_.fd, name.c_str());
  }

 private:
  const Target& target_;
  std::string proc_;
};

bool unsupported(int err) {
  return err == ENOTSUP || err == EOPNOTSUPP;
}

std::vector<std::string> names(const Calls& calls, std::string_view path) {
  std::string buf;
  for (;;) {
    ssize_t size = calls.list(nullptr, 0);
    if (size < 0) {
      if (unsupported(errno)) return {};
      posix::fail("list xattrs of", path, errno);
    }
    buf.resize(static_cast<std::size_t>(size));
    ssize_t got = calls.list(buf.data(), buf.size());
    if (got < 0) {
      if (errno == ERANGE) continue;  // grew between the two calls
      posix::fail("list xattrs of", path, errno);
    }
    buf.resize(static_cast<std::size_t>(got));
    break;
  }
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < buf.size();) {
    std::size_t end = buf.find('\0', pos);
    if (end == std::string::npos) end = buf.size();
    if (end > pos) out.emplace_back(buf, pos, end - pos);
    pos = end + 1;
  }
  return out;
}

}  // namespace

List read(const Target& target) {
  Calls calls(target);
  List out;
  for (auto& name : names(calls, target.path)) {
    std::string value;
    for (;;) {
      ssize_t size = calls.get(name, nullptr, 0);
      if (size < 0) {
        if (errno == ENODATA) break;  // removed meanwhile
        posix::fail("read xattr " + name + " of", target.path, errno);
      }
      value.resize(static_cast<std::size_t>(size));
      ssize_t got = calls.get(name, value.data(), value.size());
      if (got >= 0) {
        value.resize(static_cast<std::size_t>(got));
        out.emplace_back(std::move(name), std::move(value));
        break;
      }
      if (errno == ENODATA) break;
      if (errno != ERANGE) posix::fail("read xattr " + name + " of", target.path, errno);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void write(const Target& target, const List& wanted) {
  Calls calls(target);
  for (const auto& name : names(calls, target.path)) {
    if (name == "security.selinux") continue;
    bool keep =
        std::any_of(wanted.begin(), wanted.end(), [&](const auto& kv) { return kv.first == name; });
    if (!keep && calls.remove(name) != 0 && errno != ENODATA) {
      posix::fail("remove xattr " + name + " of", target.path, errno);
    }
  }
  for (const auto& [name, value] : wanted) {
    if (calls.set(name, value) != 0) posix::fail("set xattr " + name + " of", target.path, errno);
  }
}

}  // namespace excise::sys::xattr
