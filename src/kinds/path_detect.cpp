// [[path]] detection: expand each glob on the root (every home for "~"), then decide for
// each match: a step that quarantines it (a directory as a whole), a conflict when another
// package owns it (kept, with its parents), nothing when a named package owns it (dpkg
// removes it), or blocked (protected, unsafe path, a mount point inside).
#include <fmt/format.h>

#include <algorithm>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "kinds/glob_expand.hpp"
#include "kinds/path.hpp"
#include "kinds/path_rules.hpp"
#include "plan/detect_context.hpp"
#include "playbook/protected_paths.hpp"
#include "system/dpkg_database.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

std::int64_t depth_of(const std::string& path) {
  return static_cast<std::int64_t>(std::count(path.begin(), path.end(), '/'));
}

std::string size_text(std::uint64_t bytes) {
  if (bytes < 10 * 1024) return fmt::format("{} bytes", bytes);
  if (bytes < 10ull * 1024 * 1024) return fmt::format("{} KiB", bytes / 1024);
  return fmt::format("{} MiB", bytes / (1024 * 1024));
}

class PathDetector {
 public:
  PathDetector(DetectContext& context, const Located<PathGlob>& glob)
      : context_(context), glob_(glob), rules_(context) {}

  void match(const GlobMatch& m) {
    const auto& st = *m.resolved.stat;
    const std::string& real = m.resolved.real_path.empty() ? m.path : m.resolved.real_path;
    if (rules_.is_protected(m.path) || rules_.is_protected(real)) {
      context_.block(m.path, "resolves to " + shown(real) + ", a protected path: never removed",
                     glob_.loc);
      return;
    }
    if (const std::string what = rules_.relocated_protected(real); !what.empty()) {
      context_.block(
          m.path, "resolves to " + shown(real) + ", " + what + " (a protected path): never removed",
          glob_.loc);
      return;
    }
    const auto owners = rules_.owners(m.path, real);
    if (!owners.foreign.empty()) {
      if (st.is_dir()) {
        split(m.path, real, m.resolved.parent.dir_at(m.resolved.name));
      } else {
        conflict_owned(m.path, owners.foreign);
      }
      return;
    }
    if (!st.is_dir() && !owners.named.empty()) return;  // dpkg removes it with its package
    if (st.is_dir() && rules_.has_foreign_below(m.path, real)) {
      split(m.path, real, m.resolved.parent.dir_at(m.resolved.name));
      return;
    }
    propose(m.path, m.resolved.parent, m.resolved.name, st);
  }

 private:
  // A directory that holds files of other packages: those files and their parents stay;
  // everything else in it goes, entry by entry.
  void split(const std::string& path, const std::string& real, const sys::Dir& dir) {
    context_.note(
        fmt::format("{} is kept: it holds files of packages no playbook names", shown(path)),
        glob_.loc);
    for (const auto& entry : dir.entries()) {
      const std::string child = join_path(path, entry.name);
      const std::string child_real = join_path(real, entry.name);
      const auto st = dir.stat_at(entry.name);
      if (!st) continue;
      const auto owners = rules_.owners(child, child_real);
      if (!owners.foreign.empty() && !st->is_dir()) {
        conflict_owned(child, owners.foreign);
      } else if (st->is_dir() &&
                 (!owners.foreign.empty() || rules_.has_foreign_below(child, child_real))) {
        split(child, child_real, dir.dir_at(entry.name));
      } else if (st->is_dir() || owners.named.empty()) {
        propose(child, dir, entry.name, *st);
      }
    }
  }

  void conflict_owned(const std::string& path, const std::vector<std::string>& packages) {
    std::string names;
    for (const auto& p : packages)
      names += (names.empty() ? "" : ", ") + p;
    context_.conflict(path, "owned by package " + names + ", which no playbook names: kept",
                      glob_.loc);
  }

  void propose(const std::string& path, const sys::Dir& parent, const std::string& name,
               const sys::Stat& st) {
    std::string what;
    if (st.is_dir()) {
      const sys::TreeSummary tree =
          sys::walk_tree(parent, name, [](const sys::TreeEntry&) { return true; });
      if (!tree.mount_points.empty()) {
        context_.block(path,
                       "contains a mount point (" + shown(tree.mount_points.front()) +
                           "): excise does not remove across mounts; unmount it first",
                       glob_.loc);
        return;
      }
      what = fmt::format("directory, {} entries, {}", tree.entries, size_text(tree.bytes));
      if (!tree.setid_hardlinks.empty()) {
        what += fmt::format("; {} set-id file(s) linked elsewhere lose their set-id bits first",
                            tree.setid_hardlinks.size());
      }
    } else if (st.is_symlink()) {
      what = "symlink to " + shown(parent.link_at(name)) + " (the link goes, not its target)";
    } else {
      what = fmt::format("{}, {}", sys::file_type_name(st.type()),
                         size_text(static_cast<std::uint64_t>(st.size)));
    }
    Step step;
    step.phase = Phase::cleanup;
    step.action = "path.quarantine";
    step.target = path;
    step.reason = fmt::format("matches \"{}\": {}", shown(glob_.value.text), what);
    step.origin = context_.origin(glob_.loc);
    step.params = {{"path", encode_bytes(path)},
                   {"dev", st.dev},
                   {"ino", st.ino},
                   {"type", std::string(sys::file_type_name(st.type()))}};
    context_.fact("path " + path, path_fact(st));
    context_.propose(std::move(step), {1, -depth_of(path), "", {}});
  }

  DetectContext& context_;
  const Located<PathGlob>& glob_;
  PathRules rules_;
};

}  // namespace

std::string path_fact(const sys::Stat& st) {
  std::string fact = sys::identity(st);
  if (!st.is_dir())
    fact += fmt::format(" size={} mtime={}.{:09}", st.size, st.mtime.sec, st.mtime.nsec);
  return fact;
}

void PathKind::detect(const Playbook&, const Artifact& artifact, DetectContext& context) const {
  const auto& spec = static_cast<const PathSpec&>(*artifact.spec);
  for (const auto& glob : spec.globs) {
    std::vector<PathGlob> concrete;
    if (glob.value.from_home()) {
      for (const auto& home : context.homes()) {
        if (auto expanded = expand_home(glob.value, home)) concrete.push_back(std::move(*expanded));
      }
    } else {
      concrete.push_back(glob.value);
    }
    PathDetector detector(context, glob);
    for (const auto& pattern : concrete) {
      const GlobExpansion expansion = expand_glob(context.root(), pattern);
      for (const auto& [path, why] : expansion.unsafe)
        context.block(path, "unsafe path: " + why, glob.loc);
      for (const auto& m : expansion.matches)
        detector.match(m);
    }
  }
  for (const auto& dir : spec.prune_empty)
    propose_prune(dir, context);
}

void PathKind::finish(DetectContext& context) const {
  settle_prunes(context);
}

}  // namespace excise
