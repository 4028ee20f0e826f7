// A small program the process tests copy, link and delete to play the banned product's
// daemon (tests/e2e/test_processes.py). A real ELF binary: a script's /proc/PID/exe is
// its interpreter, which would make the interpreter the "product".
//
//   excise_test_proc [--name NAME] [--ignore-term] [--cgroup DIR] [--ready FILE] sleep
//   excise_test_proc [...] daemon PIDFILE
//
// --name sets comm (prctl PR_SET_NAME); --ignore-term ignores SIGTERM; --cgroup moves the
// process into a cgroup v2 directory first; --ready writes the PID to FILE once set up.
// "daemon": the parent returns at once; the daemon calls setsid(), starts one worker
// (/bin/sleep, a child) and one double-forked helper (/bin/sleep, reparented, still in
// the daemon's session), then writes "DAEMON WORKER HELPER" to PIDFILE and waits.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::_Exit(2);
}

void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die(tmp.c_str());
  if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) die("write");
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) die("rename");
}

void join_cgroup(const std::string& dir) {
  const std::string procs = dir + "/cgroup.procs";
  const int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) die(procs.c_str());
  const std::string pid = std::to_string(::getpid());
  if (::write(fd, pid.data(), pid.size()) < 0) die("cgroup.procs");
  ::close(fd);
}

[[noreturn]] void run_sleep(const char* seconds) {
  ::execl("/bin/sleep", "sleep", seconds, static_cast<char*>(nullptr));
  die("exec /bin/sleep");
}

[[noreturn]] void wait_forever() {
  for (;;)
    ::pause();
}

}  // namespace

int main(int argc, char** argv) {
  std::string name, cgroup, ready;
  bool ignore_term = false;
  int i = 1;
  for (; i < argc && std::strncmp(argv[i], "--", 2) == 0; ++i) {
    const std::string opt = argv[i];
    if (opt == "--ignore-term") {
      ignore_term = true;
    } else if (i + 1 < argc && opt == "--name") {
      name = argv[++i];
    } else if (i + 1 < argc && opt == "--cgroup") {
      cgroup = argv[++i];
    } else if (i + 1 < argc && opt == "--ready") {
      ready = argv[++i];
    } else {
      std::fprintf(stderr, "unknown option %s\n", opt.c_str());
      return 2;
    }
  }
  if (i >= argc) {
    std::fprintf(stderr, "usage: %s [options] sleep | daemon PIDFILE\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[i];
  if (!cgroup.empty()) join_cgroup(cgroup);
  if (!name.empty()) ::prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
  if (ignore_term) ::signal(SIGTERM, SIG_IGN);

  if (mode == "sleep") {
    if (!ready.empty()) write_file(ready, std::to_string(::getpid()));
    wait_forever();
  }
  if (mode != "daemon" || i + 1 >= argc) {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  const std::string pidfile = argv[i + 1];
  const pid_t daemon = ::fork();
  if (daemon < 0) die("fork");
  if (daemon > 0) return 0;  // the launcher returns; the daemon lives on, reparented
  if (::setsid() < 0) die("setsid");
  const pid_t worker = ::fork();
  if (worker < 0) die("fork");
  if (worker == 0) run_sleep("1000");
  int pipefd[2];
  if (::pipe(pipefd) != 0) die("pipe");
  const pid_t middle = ::fork();
  if (middle < 0) die("fork");
  if (middle == 0) {
    const pid_t helper = ::fork();
    if (helper < 0) die("fork");
    if (helper == 0) {
      ::close(pipefd[0]);
      ::close(pipefd[1]);
      run_sleep("1001");
    }
    const std::string text = std::to_string(helper);
    if (::write(pipefd[1], text.data(), text.size()) < 0) die("write");
    std::_Exit(0);
  }
  ::close(pipefd[1]);
  char buf[32] = {};
  if (::read(pipefd[0], buf, sizeof buf - 1) <= 0) die("read helper pid");
  ::close(pipefd[0]);
  ::waitpid(middle, nullptr, 0);
  write_file(pidfile, std::to_string(::getpid()) + " " + std::to_string(worker) + " " + buf);
  wait_forever();
}
