"""Real processes for the process-kind tests: a product daemon to copy around, and ways
to tell whether a process (a PID with its start time) still runs.

    w = ProcWorld(tmp)                      # tmp/opt/acme/bin/acmed + a playbook
    p = w.start([w.acmed, "sleep"])         # waits until it is set up
    plan = w.plan()                         # excise plan --root / --format json
    w.apply()                               # excise apply --yes (state dir in tmp)
    assert not alive(p)
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field

from .runner import Result, excise_bin, run_excise


def helper_binary() -> str:
    """tests/helpers/excise_test_proc, built next to excise."""
    return os.path.join(os.path.dirname(excise_bin()), "excise_test_proc")


@dataclass(frozen=True)
class Proc:
    """A process as excise identifies it: the PID and its start time (clock ticks)."""
    pid: int
    start: int
    popen: subprocess.Popen | None = field(default=None, compare=False)


def stat_of(pid: int) -> tuple[str, int] | None:
    """(state, start time) from /proc/PID/stat, None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            text = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = text[text.rindex(b")") + 2:].split()
    return rest[0].decode(), int(rest[19])


def proc_of(pid: int, popen: subprocess.Popen | None = None) -> Proc:
    st = stat_of(pid)
    if st is None:
        raise AssertionError(f"pid {pid} is not running")
    return Proc(pid, st[1], popen)


def alive(p: Proc) -> bool:
    """Still the same process, and not a zombie."""
    st = stat_of(p.pid)
    return st is not None and st[1] == p.start and st[0] not in ("Z", "X")


def wait_until(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.005)


def unique_copy(src: str, dst: str) -> str:
    """Copies an executable and appends random bytes (ELF ignores them), so that no
    other test's copy has the same bytes: excise matches byte-for-byte copies."""
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(src, "rb") as f:
        data = f.read()
    with open(dst, "wb") as f:
        f.write(data + b"\0excise-test-" + secrets.token_hex(8).encode())
    os.chmod(dst, 0o755)
    return dst


def cgroup2_mount() -> str | None:
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            dash = fields.index("-")
            if fields[dash + 1] == "cgroup2" and fields[3] == "/":
                return fields[4].replace("\\040", " ")
    return None


class ProcWorld:
    """A temp dir with the product's binary at opt/acme/bin/acmed and a playbook whose
    [[process]] names opt/acme/bin/* in it. Every process it starts is killed at close()."""

    def __init__(self, tmp: str, *, names: list[str] | None = None, timeout: str = "2s",
                 service_units: list[str] | None = None):
        self.tmp = tmp
        self.acmed = unique_copy(helper_binary(), os.path.join(tmp, "opt/acme/bin/acmed"))
        self.glob = os.path.join(tmp, "opt/acme/bin/*")
        self.state = os.path.join(tmp, "state")
        os.makedirs(self.state, mode=0o700, exist_ok=True)
        self.playbook = os.path.join(tmp, "playbooks", "acme.toml")
        os.makedirs(os.path.dirname(self.playbook), mode=0o755, exist_ok=True)
        text = ('schema = 1\n[product]\nid = "acme-proc"\nname = "Acme process test"\n')
        if service_units:
            text += "[[service]]\nunits = [" + ", ".join(f'"{u}"' for u in service_units) + "]\n"
        text += f'[[process]]\nexe = ["{self.glob}"]\ntimeout = "{timeout}"\n'
        if names:
            text += "names = [" + ", ".join(f'"{n}"' for n in names) + "]\n"
        with open(self.playbook, "w") as f:
            f.write(text)
        os.chmod(self.playbook, 0o644)
        self.started: list[Proc] = []

    # -- processes ------------------------------------------------------------------------

    def start(self, argv: list[str], *, executable: str | None = None,
              helper: bool = False) -> Proc:
        """Starts a process. helper=True: argv runs (a copy of) excise_test_proc, which is
        told to write a file once set up (name, signals, cgroup), and this waits for it."""
        argv = list(argv)
        ready = None
        if helper:
            ready = os.path.join(self.tmp, f"ready-{secrets.token_hex(4)}")
            argv[1:1] = ["--ready", ready]
        popen = subprocess.Popen(argv, executable=executable, stdin=subprocess.DEVNULL)
        if ready:
            wait_until(lambda: os.path.exists(ready) or popen.poll() is not None,
                       what=f"{argv} to be ready")
            if popen.poll() is not None:
                raise AssertionError(f"{argv} exited with {popen.returncode}")
        p = proc_of(popen.pid, popen)
        self.started.append(p)
        return p

    def adopt(self, pid: int) -> Proc:
        """A process started by another (a daemon's): tracked for close()."""
        p = proc_of(pid)
        self.started.append(p)
        return p

    def close(self) -> None:
        for p in self.started:
            if alive(p):
                try:
                    os.kill(p.pid, 9)
                except ProcessLookupError:
                    pass
            if p.popen is not None:
                p.popen.wait()

    # -- excise ---------------------------------------------------------------------------

    def plan_result(self, *extra: str) -> Result:
        return run_excise("plan", "--root", "/", "--format", "json", *extra, self.playbook)

    def plan(self, *extra: str) -> dict:
        r = self.plan_result(*extra)
        if r.code not in (0, 2):
            raise AssertionError(str(r))
        return r.json()

    def apply(self, *inputs: str, extra: tuple[str, ...] = ()) -> Result:
        return run_excise("apply", "--root", "/", "--state-dir", self.state, "--yes", *extra,
                          *(inputs or (self.playbook,)))


def steps_by_pid(plan: dict, action: str = "process.terminate") -> dict[int, dict]:
    return {s["params"]["pid"]: s for s in plan["steps"] if s["action"] == action}


def copy_file(src: str, dst: str) -> str:
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copy2(src, dst)
    return dst
