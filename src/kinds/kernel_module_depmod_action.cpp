// module.depmod: rebuild the module index of each kernel version that lost module files.
//
// Rollback runs newest first, so this step (refresh) is undone BEFORE cleanup puts the
// module files back: running depmod again in undo would index a tree that still lacks
// them. Instead prepare keeps every file depmod writes (modules.dep, modules.alias, ...,
// each with its metadata, as run blobs) and undo puts them back exactly, removes the ones
// depmod created, and any temporary file a killed depmod left; once cleanup is undone
// too, the files and their index agree again, byte for byte as before.
//
// On an offline root depmod runs as `depmod -b ROOT -C ROOT/etc/depmod.d ... KVER`: its
// configuration is the root's, never the host's (without -C it reads the host's
// /etc/depmod.d). depmod follows symlinks as any program does, so each host path handed
// to it must lead to the very directory SafeRoot finds inside the root; an image whose
// /lib is an absolute link to /usr/lib would otherwise have the host's index rewritten.
#include <fmt/format.h>

#include <array>
#include <set>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "exec/run_store.hpp"
#include "kinds/kernel_module_actions.hpp"
#include "kinds/kernel_module_detect.hpp"
#include "kinds/meta_json.hpp"
#include "kinds/stale_temps.hpp"
#include "system/backend.hpp"
#include "system/host_path.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

// What depmod (kmod 30..33) writes into /lib/modules/<kver>.
constexpr std::array<std::string_view, 11> kIndexFiles = {
    "modules.alias",       "modules.alias.bin", "modules.builtin.alias.bin",
    "modules.builtin.bin", "modules.dep",       "modules.dep.bin",
    "modules.devname",     "modules.softdep",   "modules.symbols",
    "modules.symbols.bin", "modules.weakdep"};

// kmod's default configuration directories, in its order.
constexpr std::array<std::string_view, 4> kDepmodConfigDirs = {
    "/etc/depmod.d", "/run/depmod.d", "/usr/local/lib/depmod.d", "/lib/depmod.d"};

bool is_index_file(std::string_view name) {
  for (const auto f : kIndexFiles) {
    if (name == f) return true;
  }
  return false;
}

// depmod writes "<index file>.<pid>.<...>" and renames it into place.
bool is_depmod_temporary(std::string_view name) {
  for (const auto f : kIndexFiles) {
    if (name.size() > f.size() + 1 && name.starts_with(f) && name[f.size()] == '.' &&
        !is_index_file(name)) {
      return true;
    }
  }
  return false;
}

std::string kernel_dir(const std::string& kver) {
  return std::string(kModulesDir) + "/" + kver;
}

sys::Dir open_kernel_dir(const ExecContext& context, const std::string& kver) {
  auto dir = context.root.open_dir(kernel_dir(kver));
  if (!dir) {
    throw Error(Failure::refused,
                fmt::format("{} is gone: its module index cannot be rebuilt or put back",
                            shown(kernel_dir(kver))));
  }
  return *dir;
}

// A host path for depmod must lead where SafeRoot leads (see the file comment).
void check_host_path(const ExecContext& context, std::string_view in_root) {
  std::optional<sys::Stat> inside;
  if (auto dir = context.root.open_dir(in_root)) inside = dir->stat();
  const std::string host = context.target.root_path + std::string(in_root);
  const auto outside = sys::stat_host_path(host);
  const bool same = inside ? outside && outside->same_object(*inside) : !outside;
  if (!same) {
    throw Error(Failure::refused,
                fmt::format("depmod is not run: {} does not lead to {} inside the root (a "
                            "symlink in the image leads elsewhere)",
                            shown(host), shown(in_root)));
  }
}

std::vector<std::string> depmod_argv(const ExecContext& context, const std::string& kver) {
  if (context.target.live) return {"depmod", "-a", kver};
  std::vector<std::string> argv = {"depmod", "-b", context.target.root_path};
  check_host_path(context, kernel_dir(kver));
  for (const auto dir : kDepmodConfigDirs) {
    check_host_path(context, dir);
    argv.push_back("-C");
    argv.push_back(context.target.root_path + std::string(dir));
  }
  argv.push_back(kver);
  return argv;
}

std::vector<std::string> kernels_of(const Step& step) {
  std::vector<std::string> out;
  for (const auto& k : step.params.at("kernels"))
    out.push_back(decode_bytes(k.get<std::string>()));
  return out;
}

class Depmod final : public Action {
 public:
  std::string_view name() const override { return "module.depmod"; }

  json prepare(const Step& step, ExecContext& context) const override {
    json kernels = json::array();
    for (const auto& kver : kernels_of(step)) {
      const sys::Dir dir = open_kernel_dir(context, kver);
      const sys::Stat st = dir.stat();
      json files = json::object();
      json others = json::array();
      for (const auto& entry : dir.entries()) {
        if (!is_index_file(entry.name)) {
          if (entry.name.starts_with("modules.")) others.push_back(encode_bytes(entry.name));
          continue;
        }
        const auto fst = dir.stat_at(entry.name);
        if (!fst) continue;
        if (!fst->is_regular()) {
          throw Error(
              Failure::refused,
              fmt::format("{} is a {}, not a regular file: depmod is not run over it",
                          shown(dir.child_path(entry.name)), sys::file_type_name(fst->type())));
        }
        files[entry.name] = {
            {"blob", context.run.put_blob(context.backend, dir.read_at(entry.name))},
            {"meta", meta_to_json(dir.meta_at(entry.name))}};
      }
      kernels.push_back({{"kver", encode_bytes(kver)},
                         {"dev", st.dev},
                         {"ino", st.ino},
                         {"times", {{st.atime.sec, st.atime.nsec}, {st.mtime.sec, st.mtime.nsec}}},
                         {"files", files},
                         {"others", others}});
    }
    return {{"kernels", kernels}};
  }

  void apply(const Step& step, json&, ExecContext& context) const override {
    for (const auto& kver : kernels_of(step)) {
      sys::Command command;
      command.argv = depmod_argv(context, kver);
      command.timeout = std::chrono::seconds(600);
      const auto result = context.backend.run(command);
      if (!result.ok()) {
        throw Error(Failure::system,
                    fmt::format("depmod for kernel {}: {}", shown(kver), result.describe()));
      }
      context.changed = true;
    }
  }

  void undo(const Step&, const json& undo, ExecContext& context) const override {
    const json& kernels = undo.at("kernels");
    for (auto it = kernels.rbegin(); it != kernels.rend(); ++it)
      restore(*it, context);
  }

  // Killed while putting an index file back (a rollback): its temporary is left next to it.
  void settle(const Step&, const json& undo, ExecContext& context) const override {
    for (const auto& dir : kept_dirs(undo, context))
      drop_stale_temps(dir, context);
  }

  bool needs_settling(const Step&, const json& undo, ExecContext& context) const override {
    for (const auto& dir : kept_dirs(undo, context))
      if (has_stale_temps(dir, context)) return true;
    return false;
  }

 private:
  static void restore(const json& kernel, ExecContext& context) {
    const std::string kver = decode_bytes(kernel.at("kver").get<std::string>());
    const sys::Dir dir = open_kernel_dir(context, kver);
    const sys::Stat st = dir.stat();
    if (st.dev != kernel.at("dev").get<std::uint64_t>() ||
        st.ino != kernel.at("ino").get<std::uint64_t>()) {
      throw Error(Failure::refused,
                  fmt::format("{} is another directory than the one whose index was kept: "
                              "not put back",
                              shown(dir.path())));
    }
    const json& files = kernel.at("files");
    std::set<std::string> others;
    for (const auto& o : kernel.at("others"))
      others.insert(decode_bytes(o.get<std::string>()));
    bool changed = drop_stale_temps(dir, context);  // of a rollback killed mid-write
    for (const auto name : kIndexFiles) {
      const std::string n(name);
      const auto now = dir.stat_at(n);
      if (!files.contains(n)) {
        if (now) {
          context.backend.remove_file(dir, n);
          changed = true;
        }
        continue;
      }
      const json& kept = files.at(n);
      const std::string content = context.run.get_blob(kept.at("blob"));
      if (now && now->is_regular() && unchanged(dir, n, content, kept.at("meta"))) continue;
      context.backend.write_file(dir, n, content, meta_from_json(kept.at("meta")));
      changed = true;
    }
    // What a depmod killed half-way leaves: its temporary files.
    for (const auto& entry : dir.entries()) {
      if (!others.count(entry.name) && is_depmod_temporary(entry.name)) {
        const auto tst = dir.stat_at(entry.name);
        if (tst && tst->is_regular()) {
          context.backend.remove_file(dir, entry.name);
          changed = true;
        }
      }
    }
    // Also when nothing else was left to do: a rollback killed after putting the files
    // back, before this, left the directory's times as those writes made them.
    const auto& t = kernel.at("times");
    const sys::Timespec atime{t[0][0], t[0][1]}, mtime{t[1][0], t[1][1]};
    if (changed || dir.stat().mtime != mtime) {
      context.backend.set_times(dir, ".", atime, mtime);
      context.changed = true;
    }
  }

  // The kernel directories whose index was kept, where they still are the same ones.
  static std::vector<sys::Dir> kept_dirs(const json& undo, const ExecContext& context) {
    std::vector<sys::Dir> dirs;
    if (!undo.contains("kernels")) return dirs;
    for (const auto& kernel : undo.at("kernels")) {
      try {
        sys::Dir dir = open_kernel_dir(context, decode_bytes(kernel.at("kver").get<std::string>()));
        const sys::Stat st = dir.stat();
        if (st.dev == kernel.at("dev").get<std::uint64_t>() &&
            st.ino == kernel.at("ino").get<std::uint64_t>())
          dirs.push_back(std::move(dir));
      } catch (const Error&) {
        // gone or replaced: nothing of ours to tidy there
      }
    }
    return dirs;
  }

  // Content, mode, owner, mtime and xattrs as kept (atime is not compared: reading moves it).
  static bool unchanged(const sys::Dir& dir, const std::string& name, const std::string& content,
                        const json& meta) {
    json now = meta_to_json(dir.meta_at(name));
    json then = meta;
    now.erase("atime");
    then.erase("atime");
    return now == then && dir.read_at(name) == content;
  }
};

}  // namespace

const Action& module_depmod_action() {
  static const Depmod action;
  return action;
}

}  // namespace excise
