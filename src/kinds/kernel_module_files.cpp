// [[kernel_module]] module files: every <name>.ko(.gz|.xz|.zst) below /lib/modules/<kver>/,
// for every kernel version, goes to quarantine in cleanup (path.quarantine), under the
// rules of every path removal: a file a package no playbook names owns is a conflict, one
// a named package owns is left to dpkg. Afterwards, one module.depmod step in refresh
// rebuilds the module index of each kernel version that lost a file, whichever kind
// removed it ([[path]] may name module files too).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "excise/bytes.hpp"
#include "kinds/kernel_module_detect.hpp"
#include "kinds/path_rules.hpp"
#include "plan/detect_context.hpp"
#include "plan/ordering.hpp"
#include "system/kernel_modules.hpp"
#include "system/safe_root.hpp"
#include "system/tree.hpp"

namespace excise {
namespace {

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::int64_t depth_of(const std::string& path) {
  return static_cast<std::int64_t>(std::count(path.begin(), path.end(), '/'));
}

const SourceLoc& loc_of(const KernelModuleSpec& spec, const std::string& key,
                        const SourceLoc& fallback) {
  for (const auto& name : spec.names) {
    if (sys::module_key(name.value) == key) return name.loc;
  }
  return fallback;
}

void consider(const ModuleFile& file, const sys::Stat& st, const SourceLoc& loc,
              const PathRules& rules, DetectContext& context) {
  if (rules.is_protected(file.path)) {
    context.block(file.path, "a protected path: never removed", loc);
    return;
  }
  const Owners owners = rules.owners(file.path, file.path);
  if (!owners.foreign.empty()) {
    std::string names;
    for (const auto& p : owners.foreign)
      names += (names.empty() ? "" : ", ") + p;
    context.conflict(file.path,
                     fmt::format("module file of {}, owned by package {}, which no playbook "
                                 "names: kept",
                                 file.key, names),
                     loc);
    return;
  }
  if (!owners.named.empty()) return;  // dpkg removes it with its package
  Step step;
  step.phase = Phase::cleanup;
  step.action = "path.quarantine";
  step.target = file.path;
  step.reason = fmt::format("module file of {} for kernel {}{}", file.key, shown(file.kver),
                            st.is_symlink() ? " (a symlink: the link goes, not its target)"
                                            : fmt::format(", {} bytes", st.size));
  step.origin = context.origin(loc);
  step.params = {{"path", encode_bytes(file.path)},
                 {"dev", st.dev},
                 {"ino", st.ino},
                 {"type", std::string(sys::file_type_name(st.type()))}};
  context.fact("path " + file.path, path_fact(st));
  context.propose(std::move(step), {1, -depth_of(file.path), "", {}});
}

// The directories that hold kernel versions, each once (on a merged-/usr root both
// names lead to one directory).
std::vector<sys::Dir> module_dirs(DetectContext& context, const SourceLoc& loc) {
  std::vector<sys::Dir> out;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> seen;
  for (const auto dir : {kModulesDir, kUsrModulesDir}) {
    std::optional<sys::Dir> d;
    try {
      d = context.root().open_dir(dir);
    } catch (const sys::UnsafePath& e) {
      context.block(std::string(dir), std::string("unsafe path: ") + e.what(), loc);
    }
    if (!d) continue;
    const sys::Stat st = d->stat();
    if (std::find(seen.begin(), seen.end(), std::pair(st.dev, st.ino)) != seen.end()) continue;
    seen.emplace_back(st.dev, st.ino);
    out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace

std::vector<ModuleFile> detect_module_files(const KernelModuleSpec& spec, const SourceLoc& loc,
                                            DetectContext& context) {
  const std::set<std::string> keys = module_keys(spec);
  std::vector<std::pair<ModuleFile, sys::Stat>> found;
  for (const sys::Dir& modules : module_dirs(context, loc)) {
    for (const auto& entry : modules.entries()) {
      const auto st = modules.stat_at(entry.name);
      if (!st || !st->is_dir()) continue;  // a kernel version is a directory
      // The walk follows no symlink: "build" and "source" lead to header trees elsewhere.
      const auto summary = sys::walk_tree(modules, entry.name, [&](const sys::TreeEntry& e) {
        if (e.stat.is_dir()) return true;
        const auto key = sys::module_file_key(base_name(e.path));
        if (key && keys.count(*key)) found.push_back({{e.path, entry.name, *key}, e.stat});
        return true;
      });
      for (const auto& mount : summary.mount_points) {
        context.note(fmt::format("{} is a mount point: module files below it were not looked for",
                                 shown(mount)),
                     loc);
      }
    }
  }
  const PathRules rules(context);
  std::vector<ModuleFile> files;
  for (auto& [file, st] : found) {
    consider(file, st, loc_of(spec, file.key, loc), rules, context);
    files.push_back(std::move(file));
  }
  return files;
}

// ---- depmod -------------------------------------------------------------------------

namespace {

// "/lib/modules/6.1.0-9-amd64/kernel/x.ko" -> "6.1.0-9-amd64"; "" when the path is not
// below a kernel version directory. `whole` is set when the path is the kernel version
// directory itself, or holds it: its index goes with it, and depmod has nothing to do.
std::string kernel_of(const std::string& path, const std::vector<std::string>& roots, bool& whole) {
  whole = false;
  for (const auto& root : roots) {
    if (path_within(root, path)) {
      whole = true;
      return {};
    }
    if (!path_within(path, root)) continue;
    const std::string rest = path.substr(root.size() + 1);
    const auto slash = rest.find('/');
    if (slash == std::string::npos) {
      whole = true;
      return rest;
    }
    return rest.substr(0, slash);
  }
  return {};
}

}  // namespace

void propose_depmod(DetectContext& context) {
  // Both names, and where each really leads: steps name paths either way.
  std::vector<std::string> roots = {std::string(kModulesDir), std::string(kUsrModulesDir)};
  for (const auto dir : {kModulesDir, kUsrModulesDir}) {
    try {
      if (auto d = context.root().open_dir(dir)) {
        if (std::find(roots.begin(), roots.end(), d->path()) == roots.end())
          roots.push_back(d->path());
      }
    } catch (const sys::UnsafePath&) {
      // Blocked where the module files were looked for.
    }
  }
  std::map<std::string, StepOrigin> kernels;  // kernel version -> origin of its first removal
  std::set<std::string> gone;
  for (const auto& p : context.proposed()) {
    if (p.step.action != "path.quarantine") continue;
    bool whole = false;
    const std::string kver = kernel_of(p.step.target, roots, whole);
    if (whole) {
      if (!kver.empty()) gone.insert(kver);
      continue;
    }
    if (!kver.empty()) kernels.emplace(kver, p.step.origin);
  }
  json list = json::array();
  std::string shown_list;
  std::optional<StepOrigin> origin;
  for (const auto& [kver, from] : kernels) {
    if (gone.count(kver)) continue;
    const std::string dir = std::string(kModulesDir) + "/" + kver;
    std::optional<sys::Stat> index;
    try {
      index = context.root().lstat(dir + "/modules.dep");
    } catch (const sys::UnsafePath&) {
    }
    if (!index) {
      context.findings().notes.push_back(
          {fmt::format("depmod is not run for kernel {}: {} has no modules.dep to keep up to date",
                       shown(kver), shown(dir)),
           from});
      continue;
    }
    list.push_back(encode_bytes(kver));
    shown_list += (shown_list.empty() ? "" : ", ") + shown(kver);
    if (!origin) origin = from;
  }
  if (list.empty()) return;
  Step step;
  step.phase = Phase::refresh;
  step.action = "module.depmod";
  step.target = "depmod";
  step.reason = fmt::format(
      "module files of kernel {} are removed: depmod rebuilds modules.dep and the other "
      "indexes (kept as they are now, and put back exactly on rollback)",
      shown_list);
  step.origin = *origin;
  step.params = {{"kernels", list}};
  context.propose(std::move(step), {0, 0, "", {}});
}

}  // namespace excise
