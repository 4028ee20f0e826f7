// The dry-run backend: no system call that changes anything, indeed no system call at
// all; one line per operation it would perform. It only uses the directories' paths, so
// it accepts placeholders for directories an earlier step would have created.
#include <ostream>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "system/backend.hpp"
#include "system/posix.hpp"
#include "system/process.hpp"

namespace excise::sys {

namespace {

std::string at(const Dir& dir, std::string_view name) {
  return shown(posix::join(dir.path(), name));
}

std::string describe(const FileMeta& meta) {
  std::string out = fmt::format("mode {:04o}, owner {}:{}", meta.mode, meta.uid, meta.gid);
  if (!meta.xattrs.empty()) out += fmt::format(", {} xattrs", meta.xattrs.size());
  return out;
}

class DryRunBackend : public Backend {
 public:
  explicit DryRunBackend(std::ostream& log) : log_(log) {}

  bool writes() const override { return false; }

  void rename(const Dir& from, std::string_view from_name, const Dir& to, std::string_view to_name,
              RenameMode mode) override {
    say(fmt::format("would {} {} {} {}", mode == RenameMode::exchange ? "exchange" : "rename",
                    at(from, from_name), mode == RenameMode::exchange ? "<->" : "->",
                    at(to, to_name)));
  }
  void make_dir(const Dir& in, std::string_view name, const FileMeta& meta) override {
    say(fmt::format("would create directory {} ({})", at(in, name), describe(meta)));
  }
  void hard_link(const Dir& from, std::string_view from_name, const Dir& to,
                 std::string_view to_name) override {
    say(fmt::format("would link {} to {}", at(to, to_name), at(from, from_name)));
  }
  void make_symlink(const Dir& in, std::string_view name, std::string_view target) override {
    say(fmt::format("would create symlink {} -> {}", at(in, name), shown(target)));
  }
  void remove_file(const Dir& in, std::string_view name) override {
    say(fmt::format("would remove {}", at(in, name)));
  }
  void remove_empty_dir(const Dir& in, std::string_view name) override {
    say(fmt::format("would remove directory {}", at(in, name)));
  }
  void remove_tree(const Dir& in, std::string_view name) override {
    say(fmt::format("would remove tree {}", at(in, name)));
  }
  void copy_tree(const Dir& from, std::string_view from_name, const Dir& to,
                 std::string_view to_name) override {
    say(fmt::format("would copy tree {} -> {}", at(from, from_name), at(to, to_name)));
  }
  void write_file(const Dir& in, std::string_view name, std::string_view content,
                  const FileMeta& meta) override {
    say(fmt::format("would write {} ({} bytes, {})", at(in, name), content.size(), describe(meta)));
  }
  void drop_link(const Dir& in, std::string_view name) override {
    say(fmt::format("would remove the extra link {}", at(in, name)));
  }
  void set_meta(const Dir& in, std::string_view name, const FileMeta& meta) override {
    say(fmt::format("would set metadata of {} ({})", at(in, name), describe(meta)));
  }
  void set_mode(const Dir& in, std::string_view name, std::uint32_t mode) override {
    say(fmt::format("would change mode of {} to {:04o}", at(in, name), mode & 07777));
  }
  void set_times(const Dir& in, std::string_view name, Timespec, Timespec) override {
    say(fmt::format("would set times of {}", name == "." ? shown(in.path()) : at(in, name)));
  }
  void sync(const Dir& dir) override { say(fmt::format("would sync {}", shown(dir.path()))); }
  CommandResult run(const Command& command) override {
    say("would run: " + show_command(command.argv));
    CommandResult result;
    result.exit_code = 0;
    result.simulated = true;
    return result;
  }
  bool signal_process(const Pidfd& process, int signal) override {
    say(fmt::format("would send {} to pid {}", signal_name(signal), process.pid()));
    return true;
  }
  void kill_cgroup(const CgroupDir& cgroup) override {
    say(fmt::format("would kill every process in cgroup {} (cgroup.kill)", shown(cgroup.path)));
  }
  bool unload_module(std::string_view name) override {
    say(fmt::format("would unload kernel module {}", shown(name)));
    return true;
  }

 private:
  void say(const std::string& line) { log_ << line << '\n'; }
  std::ostream& log_;
};

}  // namespace

std::unique_ptr<Backend> make_dry_run_backend(std::ostream& log) {
  return std::make_unique<DryRunBackend>(log);
}

}  // namespace excise::sys
