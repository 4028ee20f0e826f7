// Path resolution inside a root, by hand, one component at a time.
//
// Why not one openat2(RESOLVE_IN_ROOT) call: the kernel would follow every symlink for
// us, and we must look at each one before following it (SAFETY S1, S2, S11). So each
// component is pinned with openat(O_PATH | O_NOFOLLOW) relative to the directory we are
// in, and we decide:
//   - a directory is opened through its pin and pushed on a stack of open directories;
//   - ".." pops that stack and never goes above the root (RESOLVE_IN_ROOT semantics:
//     an image's "../../.." clamps at the image's root, never the host's);
//   - a symlink is read from its pin (readlinkat with an empty name, so the target we
//     read is the target of the object we examined) and its target is spliced in front
//     of the remaining components: absolute targets restart at the root descriptor,
//     relative ones continue in the link's directory. At most 40 links per lookup.
// When a link's target has been resolved to its object T, the link must pass the
// ownership rule of systemd's CHASE_SAFE and the kernel's protected_symlinks, which we
// cannot rely on (it only covers sticky directories and is off on many systems): a link
// L found in directory D leads to T only if (owner(L) is root or owns T) and (owner(D)
// is root or owns T). A user can plant ~/.config -> /etc, but cannot make root act on
// /etc through it. Links living on procfs are refused outright: those are the magic
// links (/proc/self/root, /proc/N/fd/M), which are not really paths; so is any link
// whose object lies on procfs or sysfs.
#include "system/safe_root.hpp"

#include <fcntl.h>

#include <cerrno>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/dir_stack.hpp"
#include "system/posix.hpp"

namespace excise::sys {

namespace {

constexpr int kMaxLinks = 40;
constexpr std::size_t kDirBudget = 16;

// A followed link waiting for its target's object, reached when the number of
// components left to resolve falls back to `check_at`.
struct Pending {
  std::size_t check_at;
  std::string link_path;
  std::uint32_t link_uid;
  std::uint32_t dir_uid;
};

struct Lookup {
  explicit Lookup(const Dir& root) : stack(root, kDirBudget) {}
  DirStack stack;
  bool at_top = false;       // the object is the stack's top directory
  std::string name;          // otherwise: its name in the top directory...
  std::string path;          // ...its real in-root path...
  std::optional<Stat> stat;  // ...and its lstat, nullopt when absent
  Fd pin;                    // O_PATH pin of a followed final object that is not a directory
};

// Pushes the components of `path` so that the first one is at the back. Empty and "."
// components are dropped: "/a/" and "/a/." name "a" itself, not what a link "a" points
// to (for a tool that removes things, acting on the link is the safe reading).
void push_components(std::vector<std::string>& todo, std::string_view path) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!part.empty() && part != ".") parts.push_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it)
    todo.emplace_back(*it);
}

// Names for messages from the root's own /etc/passwd: under --root the host's users are
// not the image's. Read with the same resolver; the guard stops a loop if that read
// itself meets an unsafe link.
std::string user_name(const SafeRoot& root, std::uint32_t uid) {
  thread_local bool busy = false;
  if (busy) return {};
  busy = true;
  std::string found;
  try {
    if (auto text = root.read_file("/etc/passwd", 16u << 20)) {
      std::string_view rest(*text);
      while (!rest.empty() && found.empty()) {
        std::string_view line = rest.substr(0, rest.find('\n'));
        rest.remove_prefix(std::min(rest.size(), line.size() + 1));
        std::size_t c1 = line.find(':');
        std::size_t c2 = line.find(':', c1 == std::string_view::npos ? c1 : c1 + 1);
        std::size_t c3 = line.find(':', c2 == std::string_view::npos ? c2 : c2 + 1);
        if (c3 == std::string_view::npos) continue;
        if (line.substr(c2 + 1, c3 - c2 - 1) == std::to_string(uid)) found = line.substr(0, c1);
      }
    }
  } catch (const Error&) {
    found.clear();  // a message without the name is still a correct message
  }
  busy = false;
  return found;
}

std::string owner(const SafeRoot& root, std::uint32_t uid, bool with_number) {
  std::string name = user_name(root, uid);
  if (name.empty()) return fmt::format("uid {}", uid);
  return with_number ? fmt::format("{} ({})", shown(name), uid) : shown(name);
}

class Resolver {
 public:
  Resolver(const SafeRoot& root, std::string_view path) : root_(root), path_(path) {
    if (path.empty() || path.front() != '/') {
      throw Error(Failure::input, fmt::format("\"{}\" is not an absolute path", shown(path)));
    }
    if (path.find('\0') != std::string_view::npos) {
      throw Error(Failure::input, fmt::format("\"{}\" contains a NUL byte", shown(path)));
    }
  }

  // nullopt when a leading component is missing or is not a directory.
  std::optional<Lookup> run(bool follow_final) {
    Lookup out(root_.root());
    DirStack& stack = out.stack;
    push_components(todo_, path_);
    while (!todo_.empty()) {
      std::string comp = std::move(todo_.back());
      todo_.pop_back();
      const bool final = todo_.empty();
      if (comp.empty() || comp == ".") {
        settle(stack.fd(), stack.stat(), stack.path());
        continue;
      }
      if (comp == "..") {
        stack.pop();
        settle(stack.fd(), stack.stat(), stack.path());
        continue;
      }
      const std::string comp_path = stack.child_path(comp);
      if (final && !follow_final) {
        out.stat = posix::stat_at(stack.fd(), comp, comp_path);
        out.name = std::move(comp);
        out.path = comp_path;
        return out;
      }
      Fd pin = posix::open_path(stack.fd(), comp, comp_path);
      if (!pin) return absent(std::move(out), final, std::move(comp), comp_path);
      Stat st = posix::stat_fd(pin.get(), comp_path);
      if (st.is_symlink()) {
        if (!splice(stack, pin, st, comp_path)) {
          return absent(std::move(out), final, std::move(comp), comp_path);
        }
        settle(stack.fd(), stack.stat(), stack.path());
      } else if (st.is_dir()) {
        // Reopen through the pin: the same directory we examined, now readable.
        Fd dir(::openat(pin.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir) posix::fail("open directory", comp_path, errno);
        stack.push_opened(std::make_shared<Fd>(std::move(dir)), comp, st);
        settle(stack.fd(), stack.stat(), stack.path());
      } else if (final) {
        settle(pin.get(), st, comp_path);
        out.name = std::move(comp);
        out.path = comp_path;
        out.stat = st;
        out.pin = std::move(pin);
        return out;
      } else {
        return std::nullopt;  // a file where a directory should be
      }
    }
    out.at_top = true;
    out.path = std::string(stack.path());
    return out;
  }

 private:
  static std::optional<Lookup> absent(Lookup out, bool final, std::string name, std::string path) {
    if (!final) return std::nullopt;
    out.name = std::move(name);
    out.path = std::move(path);
    return out;
  }

  // Splices the target of the link pinned by `pin` into the components left. False for
  // an empty target (which resolves to nothing).
  bool splice(DirStack& stack, const Fd& pin, const Stat& link, const std::string& link_path) {
    if (++links_ > kMaxLinks) {
      throw UnsafePath(fmt::format("{}: too many levels of symbolic links", shown(path_)));
    }
    if (posix::is_proc_or_sys(posix::fs_magic(stack.fd(), stack.path()))) {
      throw UnsafePath(fmt::format(
          "{} is a symlink on procfs or sysfs (a magic link, or a link within a kernel file "
          "system): not followed",
          shown(link_path)));
    }
    std::string target = posix::read_link(pin.get(), "", link_path);
    if (target.empty()) return false;
    pending_.push_back({todo_.size(), link_path, link.uid, stack.stat().uid});
    if (target.front() == '/') stack.reset();
    push_components(todo_, target);
    return true;
  }

  // Checks every link whose target has now been resolved to the object (fd, stat, path).
  void settle(int fd, const Stat& object, std::string_view object_path) {
    while (!pending_.empty() && pending_.back().check_at == todo_.size()) {
      const Pending& link = pending_.back();
      if (posix::is_proc_or_sys(posix::fs_magic(fd, object_path))) {
        throw UnsafePath(
            fmt::format("{} is a symlink leading to {} on procfs or sysfs: not followed",
                        shown(link.link_path), shown(object_path)));
      }
      const bool safe = (link.link_uid == 0 || link.link_uid == object.uid) &&
                        (link.dir_uid == 0 || link.dir_uid == object.uid);
      if (!safe) {
        throw UnsafePath(fmt::format(
            "{} is a symlink owned by {} in a directory owned by {} leading to {} owned by {}: "
            "not followed",
            shown(link.link_path), owner(root_, link.link_uid, true),
            owner(root_, link.dir_uid, false), shown(object_path), owner(root_, object.uid, true)));
      }
      pending_.pop_back();
    }
  }

  const SafeRoot& root_;
  std::string path_;
  std::vector<std::string> todo_;  // components left, the next one at the back
  std::vector<Pending> pending_;
  int links_ = 0;
};

}  // namespace

SafeRoot::SafeRoot(const std::string& root_path) : path_(root_path) {
  // The root itself is named by the administrator on the command line: it is resolved
  // the ordinary way, once. Everything below it goes through the resolver.
  Fd fd(::open(root_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) posix::fail("open root", root_path, errno);
  Stat st = posix::stat_fd(fd.get(), root_path);
  Fd host(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  is_host_ = host && st.same_object(posix::stat_fd(host.get(), "/"));
  root_ = Dir(std::make_shared<Fd>(std::move(fd)), "/");
}

std::optional<Resolved> SafeRoot::resolve(std::string_view path) const {
  auto found = Resolver(*this, path).run(false);
  if (!found) return std::nullopt;
  if (found->at_top) {
    DirStack& stack = found->stack;
    if (stack.size() == 1) {
      throw UnsafePath(fmt::format("{} names the root directory itself", shown(path)));
    }
    Resolved out;
    out.name = std::string(stack.name());
    out.real_path = found->path;
    out.stat = stack.stat();
    stack.pop();
    out.parent = stack.dir();
    return out;
  }
  return Resolved{found->stack.dir(), std::move(found->name), std::move(found->path), found->stat};
}

std::optional<Resolved> SafeRoot::resolve_followed(std::string_view path) const {
  auto found = Resolver(*this, path).run(true);
  if (!found) return std::nullopt;
  if (found->at_top) {
    DirStack& stack = found->stack;
    if (stack.size() == 1) {
      throw UnsafePath(fmt::format("{} leads to the root directory itself", shown(path)));
    }
    Resolved out;
    out.name = std::string(stack.name());
    out.real_path = found->path;
    out.stat = stack.stat();
    stack.pop();
    out.parent = stack.dir();
    return out;
  }
  return Resolved{found->stack.dir(), std::move(found->name), std::move(found->path), found->stat};
}

std::optional<Dir> SafeRoot::open_dir(std::string_view path) const {
  auto found = Resolver(*this, path).run(true);
  if (!found || !found->at_top) return std::nullopt;  // absent, or not a directory
  return found->stack.dir();
}

std::optional<std::string> SafeRoot::read_file(std::string_view path, std::size_t limit) const {
  auto found = Resolver(*this, path).run(true);
  if (!found || (!found->at_top && !found->stat)) return std::nullopt;
  if (found->at_top || !found->stat->is_regular()) {
    const char* type = found->at_top ? "dir" : file_type_name(found->stat->type()).data();
    throw Error(Failure::system,
                fmt::format("read {}: not a regular file but a {}", shown(found->path), type));
  }
  if (static_cast<std::uint64_t>(found->stat->size) > limit) {
    throw Error(Failure::system, fmt::format("read {}: {} bytes, more than the limit of {}",
                                             shown(found->path), found->stat->size, limit));
  }
  Fd file = posix::reopen(found->pin.get(), O_RDONLY | O_NOATIME, found->path);
  return posix::read_all(file.get(), limit, found->path);
}

std::optional<Stat> SafeRoot::lstat(std::string_view path) const {
  auto found = Resolver(*this, path).run(false);
  if (!found) return std::nullopt;
  if (found->at_top) return found->stack.stat();
  return found->stat;
}

}  // namespace excise::sys
