// process.terminate, in this order (SAFETY.md S20):
//   1. pidfd_open(pid): from here on, the descriptor names one process, whatever happens
//      to the PID; no process with this PID: "already gone";
//   2. identity through the pidfd: /proc/PID read, then trusted only if the pidfd's
//      process still runs; start time and executable inode must be what the plan saw.
//      Otherwise the PID was reused (or the process called exec): nothing is signalled;
//   3. SIGTERM through the pidfd (never kill(2) with a bare PID), wait for the exit by
//      polling the pidfd up to the playbook's timeout; then SIGKILL and wait again.
// Nothing can be undone: rollback only says so (service.stop's undo restarts services).
//
// process.kill-cgroup: the service cgroup must be the one the plan saw (same cgroup id,
// which a re-created cgroup does not keep), then cgroup.kill, then wait until it is empty.
#include "kinds/process_actions.hpp"

#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"
#include "system/backend.hpp"
#include "system/process.hpp"

namespace excise {
namespace {

// How long a process may take to go once SIGKILL was sent (it may be in an
// uninterruptible sleep, on a dead NFS server for instance).
constexpr std::chrono::seconds kAfterKill(10);

std::chrono::milliseconds timeout_of(const Step& step) {
  return std::chrono::milliseconds(step.params.value("timeout_ms", std::int64_t{10'000}));
}

std::string describe(const sys::ProcessInfo& p) {
  return fmt::format("{}{}, started at tick {}", p.has_exe ? shown(p.exe) : shown(p.comm),
                     p.exe_deleted ? " (deleted)" : "", p.start_time);
}

// This excise and the processes it runs under are never signalled, whatever a plan says:
// a plan made from another shell may name the one this apply runs in.
bool runs_this_excise(int pid) {
  for (int p = ::getpid(); p > 0;) {
    if (p == pid) return true;
    const auto info = sys::read_process(p);
    if (!info || info->ppid == p) return false;
    p = info->ppid;
  }
  return false;
}

class Terminate final : public Action {
 public:
  std::string_view name() const override { return "process.terminate"; }

  void apply(const Step& step, json& undo, ExecContext& context) const override {
    sys::ProcessIdentity expected;
    expected.pid = step.params.at("pid").get<int>();
    expected.start_time = step.params.at("start_time").get<std::uint64_t>();
    expected.exe_dev = step.params.at("exe_dev").get<std::uint64_t>();
    expected.exe_ino = step.params.at("exe_ino").get<std::uint64_t>();
    const int pid = expected.pid;
    const std::string exe = decode_bytes(step.params.at("exe").get<std::string>());
    undo["terminated"] = false;

    const auto pidfd = sys::Pidfd::open(pid);
    if (!pidfd) {
      context.notes.push_back(fmt::format("pid {} ({}) already gone", pid, shown(exe)));
      return;
    }
    const sys::IdentityCheck check = sys::verify_identity(*pidfd, expected);
    switch (check.verdict) {
      case sys::IdentityVerdict::gone:
        context.notes.push_back(fmt::format("pid {} ({}) already gone", pid, shown(exe)));
        return;
      case sys::IdentityVerdict::reused:
        context.notes.push_back(fmt::format(
            "pid {} was reused: the process the plan saw ({}, started at tick {}) is gone, and "
            "pid {} now belongs to another process ({}): not signalled",
            pid, shown(exe), expected.start_time, pid, describe(*check.now)));
        return;
      case sys::IdentityVerdict::other_program:
        context.notes.push_back(
            fmt::format("pid {} no longer runs {} (inode {}:{}): it now runs {}: not signalled",
                        pid, shown(exe), expected.exe_dev, expected.exe_ino, describe(*check.now)));
        return;
      case sys::IdentityVerdict::same:
        break;
    }
    if (runs_this_excise(pid)) {
      context.notes.push_back(fmt::format(
          "pid {} ({}) runs this excise (it is an ancestor): not signalled", pid, shown(exe)));
      return;
    }

    if (!context.backend.signal_process(*pidfd, SIGTERM)) {
      context.notes.push_back(fmt::format("pid {} ({}) already gone", pid, shown(exe)));
      return;
    }
    if (!context.backend.writes()) return;  // dry run: nothing was sent, nothing to wait for
    context.changed = true;
    undo["terminated"] = true;
    const auto timeout = timeout_of(step);
    if (pidfd->wait_exit(timeout)) {
      context.notes.push_back(fmt::format("pid {} exited after SIGTERM", pid));
      return;
    }
    if (context.backend.signal_process(*pidfd, SIGKILL)) {
      context.notes.push_back(fmt::format(
          "pid {} was still running {} ms after SIGTERM: sent SIGKILL", pid, timeout.count()));
    }
    if (!pidfd->wait_exit(kAfterKill)) {
      throw Error(Failure::system,
                  fmt::format("pid {} ({}) did not exit within {} s of SIGKILL (uninterruptible "
                              "sleep?)",
                              pid, shown(exe), kAfterKill.count()));
    }
  }

  void undo(const Step& step, const json& undo, ExecContext& context) const override {
    if (!undo.value("terminated", false)) return;
    context.notes.push_back(
        fmt::format("pid {} was terminated and cannot be brought back; its service, if the "
                    "plan stopped one, is restarted by that step's rollback",
                    step.params.at("pid").get<int>()));
  }
};

class KillCgroup final : public Action {
 public:
  std::string_view name() const override { return "process.kill-cgroup"; }

  void apply(const Step& step, json& undo, ExecContext& context) const override {
    const std::string path = decode_bytes(step.params.at("cgroup").get<std::string>());
    const auto ino = step.params.at("ino").get<std::uint64_t>();
    undo["killed"] = false;
    const auto mount = sys::cgroup2_mount();
    const auto cgroup = mount ? sys::open_cgroup(*mount, path) : std::nullopt;
    if (!cgroup) {
      context.notes.push_back("cgroup " + shown(path) + " already gone");
      return;
    }
    if (cgroup->ino != ino) {
      context.notes.push_back(fmt::format(
          "cgroup {} was removed and created again since the plan (id {}, not {}): not killed",
          shown(path), cgroup->ino, ino));
      return;
    }
    if (const auto self = sys::read_process(::getpid());
        self && (self->cgroup == path || self->cgroup.rfind(path + "/", 0) == 0)) {
      context.notes.push_back("cgroup " + shown(path) +
                              " holds this excise: not killed (its other processes were "
                              "terminated one by one)");
      return;
    }
    if (!sys::cgroup_populated(*cgroup)) {
      context.notes.push_back("cgroup " + shown(path) + " is already empty");
      return;
    }
    context.backend.kill_cgroup(*cgroup);
    if (!context.backend.writes()) return;
    context.changed = true;
    undo["killed"] = true;
    const auto timeout = std::max(timeout_of(step), std::chrono::milliseconds(kAfterKill));
    if (!sys::wait_cgroup_empty(*cgroup, timeout)) {
      throw Error(Failure::system, fmt::format("cgroup {} still has processes {} ms after "
                                               "cgroup.kill",
                                               shown(path), timeout.count()));
    }
    context.notes.push_back("cgroup " + shown(path) + " killed; it is empty now");
  }

  void undo(const Step& step, const json& undo, ExecContext& context) const override {
    if (!undo.value("killed", false)) return;
    context.notes.push_back("the processes of " + shown(step.target) +
                            " were killed and cannot be brought back");
  }
};

}  // namespace

const Action& process_terminate_action() {
  static const Terminate action;
  return action;
}
const Action& process_kill_cgroup_action() {
  static const KillCgroup action;
  return action;
}

}  // namespace excise
