// certificate.rebuild: regenerates /etc/ssl/certs (the bundle, the .pem links and the
// hash links) after the cleanup steps took the product's anchors, links and conf lines
// away. Before it acts, the whole of /etc/ssl/certs is kept (kinds/tree_preimage.hpp), so
// rollback puts back the very entries that were there instead of regenerating them
// (which would change every link's and the bundle's mtime).
#include "kinds/certificate_rebuild.hpp"

#include <sys/sysmacros.h>

#include <fmt/format.h>

#include <set>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "kinds/confined.hpp"
#include "kinds/stale_temps.hpp"
#include "kinds/tree_preimage.hpp"
#include "system/backend.hpp"
#include "system/certificates.hpp"
#include "system/elf.hpp"
#include "system/safe_root.hpp"

namespace excise {
namespace {

using namespace trust_store;

// The regular file a path leads to inside the root, or nullopt (absent, unsafe, other).
std::optional<sys::Resolved> regular_file(const sys::SafeRoot& root, const std::string& path) {
  try {
    auto r = root.resolve_followed(path);
    if (r && r->stat && r->stat->is_regular()) return r;
  } catch (const Error&) {
    // An unsafe or unreadable path is a program the root cannot be trusted to run.
  }
  return std::nullopt;
}

// Why the root cannot run `path` here, or "" when it can: an executable of this
// machine's architecture.
std::string runnable_problem(const sys::SafeRoot& root, const std::string& path) {
  const auto r = regular_file(root, path);
  if (!r || (r->stat->mode & 0111) == 0) return "the root has no executable " + path;
  std::optional<std::uint16_t> machine;
  try {
    machine = sys::elf_machine_at(r->parent, r->name);
  } catch (const Error&) {
  }
  if (!machine || machine != sys::own_elf_machine())
    return path + " is not a program of this machine's architecture";
  return {};
}

std::string offline_problem(const sys::SafeRoot& root) {
  // The script runs under the root's /bin/sh and calls openssl (rehash) from its PATH.
  if (auto p = runnable_problem(root, "/bin/sh"); !p.empty()) return p;
  std::string openssl = runnable_problem(root, "/usr/bin/openssl");
  if (!openssl.empty() && runnable_problem(root, "/bin/openssl").empty()) openssl.clear();
  if (!openssl.empty()) return openssl + " (update-ca-certificates runs `openssl rehash`)";
  // Its output goes to /dev/null: in a root without the device, the shell would create a
  // regular file there.
  const auto null = root.lstat("/dev/null");
  if (!null || null->type() != sys::FileType::character || major(null->rdev) != 1 ||
      minor(null->rdev) != 3)
    return "the root has no /dev/null device (the tool's redirections would create a file there)";
  return {};
}

std::vector<std::string> tool_argv(const Target& target) {
  return confined_argv(target, {kTool, "--fresh"});
}

std::set<std::string> removed_digests(const Step& step) {
  std::set<std::string> out;
  for (const auto& c : step.params.at("remove"))
    out.insert(c.at("sha256").get<std::string>());
  return out;
}

void run_tool(ExecContext& context) {
  const auto argv = tool_argv(context.target);
  sys::Command command;
  command.argv = argv;
  command.timeout = std::chrono::seconds(300);
  const sys::CommandResult result = context.backend.run(command);
  if (!result.ok())
    throw Error(Failure::system, fmt::format("{}: {}", sys::show_command(argv), result.describe()));
  // Its warnings (a conf line naming a missing file) and failed hooks ("E: ...") are
  // worth a person's eyes; the rest is progress chatter.
  for (const std::string* stream : {&result.out, &result.err}) {
    std::string_view rest(*stream);
    while (!rest.empty()) {
      const std::string_view line = rest.substr(0, rest.find('\n'));
      rest.remove_prefix(std::min(rest.size(), line.size() + 1));
      if (line.starts_with("W: ") || line.starts_with("E: "))
        context.notes.push_back("update-ca-certificates: " + std::string(line));
    }
  }
  context.changed = true;
}

void rewrite_bundle(const Step& step, ExecContext& context) {
  const auto r = context.root.resolve(kBundle);
  if (!r || !r->stat) {
    context.notes.push_back(std::string("no bundle at ") + kBundle);
    return;
  }
  if (!r->stat->is_regular())
    throw Error(Failure::refused, std::string(kBundle) + " is no longer a regular file");
  const sys::BundleEdit edit =
      sys::remove_certificates(r->parent.read_at(r->name), removed_digests(step));
  if (edit.removed == 0) {
    context.notes.push_back("none of the certificates is in the bundle any more");
    return;
  }
  sys::FileMeta meta = r->parent.meta_at(r->name);
  meta.atime = meta.mtime = sys::now();
  context.backend.write_file(r->parent, r->name, edit.text, meta);
  context.changed = true;
}

// After the rebuild, the bundle must not hold any of them: one that is still there has an
// anchor excise did not find (in a directory reached through a symlink, say).
void check_bundle(const Step& step, ExecContext& context) {
  if (!context.backend.writes()) return;
  const auto bundle = regular_file(context.root, kBundle);
  if (!bundle) return;
  const std::set<std::string> gone = removed_digests(step);
  for (const auto& c : sys::read_certificates(bundle->parent.read_at(bundle->name)).certificates) {
    if (gone.count(c.sha256))
      context.notes.push_back("still in " + std::string(kBundle) + " after the rebuild: " +
                              shown(c.subject) + " (from an anchor excise did not find)");
  }
}

// The tool keeps two temporary files in $TMPDIR (/tmp), and removes them: on an offline
// root, where nothing else runs, the only trace is the directory's times, put back here.
json tmp_times(const ExecContext& context) {
  const auto st = context.root.lstat("/tmp");
  if (!st || !st->is_dir()) return nullptr;
  return {{st->atime.sec, st->atime.nsec}, {st->mtime.sec, st->mtime.nsec}};
}

void restore_tmp_times(const json& times, ExecContext& context) {
  if (times.is_null() || !context.backend.writes()) return;
  const auto st = context.root.lstat("/tmp");
  if (!st || !st->is_dir()) return;
  context.backend.set_times(context.root.root(), "tmp", {times[0][0], times[0][1]},
                            {times[1][0], times[1][1]});
}

std::optional<sys::Dir> bundle_dir(const ExecContext& context) {
  const auto r = context.root.resolve(kBundle);
  if (!r) return std::nullopt;
  return r->parent;
}

class Rebuild final : public Action {
 public:
  std::string_view name() const override { return "certificate.rebuild"; }

  json prepare(const Step& step, ExecContext& context) const override {
    json undo = keep_tree_preimage(kCertsDir, context);
    if (step.params.at("method") == "chroot") undo["tmp_times"] = tmp_times(context);
    return undo;
  }

  void apply(const Step& step, json& undo, ExecContext& context) const override {
    if (step.params.at("method") == "native") {
      rewrite_bundle(step, context);
    } else {
      run_tool(context);
      if (undo.contains("tmp_times")) restore_tmp_times(undo.at("tmp_times"), context);
    }
    note_tree_after(undo, context);
    check_bundle(step, context);
  }

  // Killed while rewriting the bundle natively: its temporary is left next to it.
  void settle(const Step&, const json&, ExecContext& context) const override {
    if (const auto dir = bundle_dir(context)) drop_stale_temps(*dir, context);
  }

  bool needs_settling(const Step&, const json&, ExecContext& context) const override {
    const auto dir = bundle_dir(context);
    return dir && has_stale_temps(*dir, context);
  }

  void undo(const Step&, const json& undo, ExecContext& context) const override {
    if (const auto dir = bundle_dir(context)) drop_stale_temps(*dir, context);
    restore_tree_preimage(undo, context);
    // Interrupted while the tool ran: apply did not get to put /tmp's times back.
    if (!undo.contains("after") && undo.contains("tmp_times"))
      restore_tmp_times(undo.at("tmp_times"), context);
  }
};

}  // namespace

RebuildMethod choose_rebuild(const sys::SafeRoot& root, const Target& target) {
  if (!regular_file(root, kTool)) {
    return {"native", std::string("the root has no ") + kTool};
  }
  if (target.live) return {"update-ca-certificates", ""};
  if (auto problem = offline_problem(root); !problem.empty()) return {"native", problem};
  return {"chroot", ""};
}

const Action& certificate_rebuild_action() {
  static const Rebuild action;
  return action;
}

}  // namespace excise
