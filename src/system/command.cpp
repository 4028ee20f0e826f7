// run_command with Boost.Process v1: the only file that includes it (about 15 s to
// compile). The child gets an argv (no shell), a clean environment, /dev/null as stdin,
// its own process group (so a timeout kills what it started too), and two pipes that
// one io_context drains concurrently: a child filling stderr while we wait on stdout
// cannot deadlock. The child's exit is watched through a pidfd in the same io_context,
// so one run_until(deadline) covers output, exit and timeout.
#include "system/command.hpp"

// GCC 12 at -O2 reports "potential null pointer dereference" inside Boost.Asio's
// scheduler once it is inlined into this file (a false positive about its thread-info
// pointer). The warning stays on everywhere else.
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <functional>
#include <optional>

#include <fmt/format.h>

#include "excise/bytes.hpp"
#include "excise/error.hpp"

namespace excise::sys {

namespace bp = boost::process;
namespace asio = boost::asio;

namespace {

constexpr const char* kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// Beyond this much output on one stream the tool is misbehaving: it is killed and the
// result says so, rather than excise running out of memory or cutting output silently.
constexpr std::size_t kOutputLimit = 256u << 20;
// After the child exits, how long a grandchild may keep our pipes open before we stop
// reading (a daemon started by a maintainer script that did not close its stdio).
constexpr auto kDrainGrace = std::chrono::seconds(2);

// Runs in the child between fork and exec. Its own process group lets a timeout kill
// everything the command started. Descriptors beyond stdio that someone opened without
// O_CLOEXEC are marked close-on-exec (close_range, Linux 5.11; older kernels skip it),
// so a tool never inherits, say, a journal or a lock. (Boost 1.74's limit_handles would
// do this, but it closes our pipes and hides exec failures.)
void prepare_child() {
  ::setpgid(0, 0);
  ::syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */);
}

boost::filesystem::path find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  std::vector<boost::filesystem::path> dirs;
  std::string_view rest = kPath;
  while (!rest.empty()) {
    std::size_t colon = rest.find(':');
    dirs.emplace_back(std::string(rest.substr(0, colon)));
    rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
  }
  return bp::search_path(name, dirs);
}

// Reads one pipe to its end into `sink`, calling `overflow` once past the limit.
class Drain {
 public:
  Drain(bp::async_pipe& pipe, std::string& sink, std::function<void()> overflow,
        std::function<void()> done)
      : pipe_(pipe), sink_(sink), overflow_(std::move(overflow)), done_(std::move(done)) {}
  void start() {
    pipe_.async_read_some(asio::buffer(buf_),
                          [this](const boost::system::error_code& ec, std::size_t got) {
                            if (sink_.size() + got <= kOutputLimit) {
                              sink_.append(buf_.data(), got);
                            } else if (!overflowed_) {
                              overflowed_ = true;
                              overflow_();
                            }
                            if (!ec) return start();
                            done_();  // EOF, or the pipe was closed
                          });
  }
  bool overflowed() const { return overflowed_; }

 private:
  bp::async_pipe& pipe_;
  std::string& sink_;
  std::function<void()> overflow_, done_;
  std::array<char, 65536> buf_{};
  bool overflowed_ = false;
};

}  // namespace

CommandResult run_command(const Command& command) {
  if (command.argv.empty()) throw Error(Failure::system, "run: an empty command");
  const std::string shown_cmd = show_command(command.argv);
  const boost::filesystem::path exe = find_program(command.argv[0]);
  if (exe.empty()) {
    throw Error(Failure::system, fmt::format("run {}: {} not found in {}", shown_cmd,
                                             shown(command.argv[0]), kPath));
  }
  bp::environment env;
  env["PATH"] = kPath;
  env["LC_ALL"] = "C";
  for (const auto& entry : command.env) {
    std::size_t eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error(Failure::system, fmt::format("run {}: environment entry {} is not KEY=VALUE",
                                               shown_cmd, shown(entry)));
    }
    env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  const std::vector<std::string> args(command.argv.begin() + 1, command.argv.end());

  asio::io_context ios;
  bp::async_pipe out_pipe(ios), err_pipe(ios);
  std::error_code start_error;
  bp::child child(
      bp::exe = exe.string(), bp::args = args, env, bp::std_in<bp::null, bp::std_out> out_pipe,
      bp::std_err > err_pipe, bp::extend::on_exec_setup = [](auto&) { prepare_child(); },
      start_error);
  if (start_error) {
    throw Error(Failure::system,
                fmt::format("run {}: cannot start: {}", shown_cmd, start_error.message()));
  }
  const pid_t pid = child.id();
  auto kill_all = [pid] {
    ::kill(-pid, SIGKILL);  // the process group the child leads
    ::kill(pid, SIGKILL);
  };

  CommandResult result;
  bool exited = false;
  int open_streams = 2;
  asio::steady_timer grace(ios), poll(ios);
  auto stream_done = [&] {
    if (--open_streams == 0) grace.cancel();
  };
  Drain out(out_pipe, result.out, kill_all, stream_done);
  Drain err(err_pipe, result.err, kill_all, stream_done);
  out.start();
  err.start();

  // The exit: a pidfd becomes readable when the child ends (Linux 5.3); older kernels
  // poll with a timer. Once it has exited, its output gets a short grace to arrive.
  auto on_exit = [&] {
    exited = true;
    if (open_streams == 0) return;
    grace.expires_after(kDrainGrace);
    grace.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) ios.stop();
    });
  };
  std::optional<asio::posix::stream_descriptor> pidfd;
  if (int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); fd >= 0) {
    pidfd.emplace(ios, fd);
    pidfd->async_wait(asio::posix::stream_descriptor::wait_read,
                      [&](const boost::system::error_code&) { on_exit(); });
  } else {
    std::function<void()> tick = [&] {
      poll.expires_after(std::chrono::milliseconds(20));
      poll.async_wait([&](const boost::system::error_code& ec) {
        if (ec) return;
        if (!child.running()) return on_exit();
        tick();
      });
    };
    tick();
  }

  if (command.timeout.count() > 0) {
    ios.run_until(std::chrono::steady_clock::now() + command.timeout);
  } else {
    ios.run();
  }
  if (!exited) {
    result.timed_out = true;
    result.timeout = command.timeout;
    kill_all();
  }
  std::error_code wait_error;
  child.wait(wait_error);
  const int status = child.native_exit_code();  // exit_code() would say 383 after a kill
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  for (const Drain* drain : {&out, &err}) {
    if (drain->overflowed()) {
      result.err += fmt::format("\nexcise: the command wrote more than {} MiB to {}; it was killed",
                                kOutputLimit >> 20, drain == &out ? "stdout" : "stderr");
    }
  }
  return result;
}

}  // namespace excise::sys
