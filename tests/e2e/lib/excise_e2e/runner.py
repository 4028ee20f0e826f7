"""Runs the excise binary (or any command) and captures what it did.

    r = run_excise("plan", "--root", root.path, "--format", "json")
    assert r.code == 0, r
    plan = r.json()
    k = run_and_kill(excise_argv("apply", "--root", root.path, "--yes"), when=lambda: ...)

The binary is $EXCISE_BIN, else build/excise under $EXCISE_SOURCE_DIR (or the cwd).
"""

from __future__ import annotations

import inspect
import json
import os
import signal
import subprocess
import threading
import time
import unittest
from dataclasses import dataclass

from ._util import tool_env


def excise_bin() -> str:
    b = os.environ.get("EXCISE_BIN")
    if b:
        return b
    base = os.environ.get("EXCISE_SOURCE_DIR") or os.getcwd()
    return os.path.join(base, "build", "excise")


def have_excise() -> bool:
    b = excise_bin()
    return os.path.isfile(b) and os.access(b, os.X_OK)


def require_excise() -> str:
    """The binary's path; raises unittest.SkipTest when it is not built."""
    if not have_excise():
        raise unittest.SkipTest(f"excise binary not built: {excise_bin()}")
    return excise_bin()


def excise_argv(*args: str) -> list[str]:
    return [excise_bin(), *map(os.fsdecode, args)]


@dataclass
class Result:
    argv: list[str]
    code: int               # exit code; -N when ended by signal N (as subprocess does)
    stdout_bytes: bytes
    stderr_bytes: bytes
    seconds: float
    killed: bool = False    # True when run_and_kill sent SIGKILL

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "surrogateescape")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "surrogateescape")

    def json(self):
        return parse_json(self.stdout, what=" ".join(self.argv))

    def __str__(self) -> str:
        how = "killed" if self.killed else f"exit {self.code}"
        return (f"{' '.join(self.argv)}: {how} after {self.seconds:.2f}s\n"
                f"--- stdout ---\n{self.stdout}--- stderr ---\n{self.stderr}")


def parse_json(text: str, what: str = "output"):
    """json.loads with an error that shows the text around the problem."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        lo = max(0, e.pos - 80)
        raise AssertionError(f"{what}: not JSON ({e.msg} at line {e.lineno} col {e.colno}):\n"
                             f"...{text[lo:e.pos + 80]}...") from None


# Passed through from the test's environment: sanitizer and coverage settings.
PASS_THROUGH = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "MSAN_OPTIONS",
                "LLVM_PROFILE_FILE", "GCOV_PREFIX", "GCOV_PREFIX_STRIP")


def _env(env: dict[str, str] | None) -> dict[str, str]:
    """A clean environment (LC_ALL=C, fixed PATH, TZ=UTC, HOME=/root), the pass-through
    variables, then `env`."""
    base = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
    base.update(env or {})
    return tool_env(base)


def _stdin(stdin) -> bytes | None:
    return stdin.encode() if isinstance(stdin, str) else stdin


def run(argv: list[str], *, env: dict[str, str] | None = None, stdin=None,
        timeout: float = 300, cwd: str | None = None) -> Result:
    """Runs argv (no shell) with a clean environment (LC_ALL=C, fixed PATH, plus env).
    Under strace, LeakSanitizer is off: at exit it stops the process's threads with
    ptrace, which fails in a traced process and aborts a sanitized excise."""
    if os.path.basename(argv[0]) == "strace":
        asan = (env or {}).get("ASAN_OPTIONS") or os.environ.get("ASAN_OPTIONS")
        env = {**(env or {}),
               "ASAN_OPTIONS": f"{asan}:detect_leaks=0" if asan else "detect_leaks=0"}
    t0 = time.monotonic()
    proc = subprocess.run(argv, input=_stdin(stdin), capture_output=True, env=_env(env),
                          timeout=timeout, cwd=cwd)
    return Result(list(argv), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)


def run_excise(*args, env: dict[str, str] | None = None, stdin=None, timeout: float = 300,
               cwd: str | None = None) -> Result:
    """Runs the excise binary with args (str or bytes, passed as they are)."""
    return run(excise_argv(*args), env=env, stdin=stdin, timeout=timeout, cwd=cwd)


def run_and_kill(argv: list[str], *, after: float | None = None, when=None,
                 env: dict[str, str] | None = None, stdin=None, timeout: float = 300,
                 poll: float = 0.002, cwd: str | None = None) -> Result:
    """Runs argv in its own process group and SIGKILLs the whole group after `after`
    seconds, or as soon as `when()` returns true (polled every `poll` s; `when` may
    look at files, or take the output so far: when(stdout_bytes, stderr_bytes)).
    If the command ends first, nothing is killed (Result.killed is False)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(env),
                            start_new_session=True, cwd=cwd)
    bufs = {"out": bytearray(), "err": bytearray()}

    def drain(stream, key):
        for chunk in iter(lambda: stream.read1(65536), b""):
            bufs[key] += chunk

    threads = [threading.Thread(target=drain, args=(proc.stdout, "out"), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, "err"), daemon=True)]
    for t in threads:
        t.start()
    if stdin is not None:
        try:
            proc.stdin.write(_stdin(stdin))
            proc.stdin.close()
        except BrokenPipeError:
            pass
    wants_output = when is not None and len(inspect.signature(when).parameters) >= 2
    killed = False
    while proc.poll() is None:
        elapsed = time.monotonic() - t0
        fire = (after is not None and elapsed >= after) or (
            when is not None and (when(bytes(bufs["out"]), bytes(bufs["err"])) if wants_output
                                  else when()))
        if fire or elapsed > timeout:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            killed = fire or killed
            if elapsed > timeout and not fire:
                proc.wait()
                raise TimeoutError(f"{' '.join(argv)}: still running after {timeout}s (killed)")
            break
        time.sleep(poll)
    proc.wait()
    for t in threads:
        t.join()
    proc.stdout.close()
    proc.stderr.close()
    return Result(list(argv), proc.returncode, bytes(bufs["out"]), bytes(bufs["err"]),
                  time.monotonic() - t0, killed=killed and proc.returncode == -signal.SIGKILL)
