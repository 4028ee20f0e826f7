"""The crash and fault sweep (SAFETY.md S13, S14, S17): run excise with a fault injected
at one position, then check that what follows reaches an exact, known state.

    template = build_template(base_dir)                 # the reference scenario, once
    cases = plan_cases(template, phases=..., modes=..., every=1)
    outcomes = run_cases(template, cases, jobs=1)
    print(render_table(outcomes))

Faults come from two places:
  * strace (`-e inject=SYSCALL:signal=KILL|error=EIO|error=ENOSPC:when=N[+]`) at the Nth
    call of one mutating system call. Only the excise process is traced (no -f): strace
    counts calls per syscall *and per traced process* (checked: a child starts its own
    count at 1), so with -f a `when=N` would also fire inside dpkg, sh and systemctl at
    their own Nth call, and a position would no longer name one moment of excise's run.
    A kill is a crash of excise at that moment; the children it spawns do not make
    mutating calls of excise's while they run (excise only waits), so nothing is left
    running. (What dpkg itself does when it dies halfway is not swept here.)
  * excise's own fail points (EXCISE_FAIL_POINTS, exec/fail_points.hpp), at every hit.

A "position" of openat is a call that can change something (O_WRONLY, O_RDWR, O_CREAT,
O_TRUNC or O_TMPFILE); a kill at a read-only open is the same crash as a kill at the
next mutating call, so those are not tried.

Phases (which run gets the fault):
  apply     a fresh copy; after a kill, (a) on one copy `rollback --last` must give the
            before-manifest exactly and a second rollback changes nothing; (b) on a
            second copy with the same fault, `apply` again must give the after-state
            (after_apply_problems() empty) and `plan` must find nothing left. After an
            error (S14 asks that rollback or resume reach a clean state), one copy:
            apply again must give the after-state, then rolling back every run, newest
            first, the before-manifest.
  rollback  after a clean apply, the rollback gets the fault; rollback again must give
            the before-manifest; a third rollback must change nothing (S17).
  resume    apply is killed at a fixed fail point; the resumed apply gets the fault;
            apply again must give the after-state, a fourth apply must find nothing to
            do, and rolling back every run (newest first) must give the before-manifest.
With an error injected (EIO, ENOSPC, once or from N on), the faulty run must not report
success unless its work is truly done (exit 0 only with the after-state, or for a
rollback the before-state), and must not crash; then the run without the fault must
reach the clean state as above.

All work happens in copies (cp -a) of one template root. Put the base directory on tmpfs
(the default is /dev/shm): fsync and fdatasync are still real system calls there (so
they are counted and injected exactly as on disk), they just do not wait for a disk.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from .fault_scenario import copy_scenario, count_files, make_reference_scenario
from .manifest import Manifest, record
from .runner import _env, excise_argv
from .scenario import Scenario

# System calls that change something (or start a process that will), as strace names
# them. Whatever of these excise makes in a phase is swept.
MUTATING = (
    "openat", "open", "creat", "write", "writev", "pwrite64", "pwritev", "pwritev2",
    "fsync", "fdatasync", "sync_file_range", "syncfs", "ftruncate", "truncate", "fallocate",
    "renameat2", "renameat", "rename", "unlinkat", "unlink", "rmdir", "linkat", "link",
    "symlinkat", "symlink", "mkdirat", "mkdir", "mknodat", "mknod",
    "fchmodat", "fchmod", "chmod", "fchownat", "fchown", "lchown", "chown",
    "utimensat", "futimesat", "utimes",
    "setxattr", "lsetxattr", "fsetxattr", "removexattr", "lremovexattr", "fremovexattr",
    "copy_file_range", "sendfile", "clone", "clone3", "fork", "vfork", "flock",
)

# Where an error makes sense (what the kernel can really return there).
ERROR_SENSE = {
    "EIO": set(MUTATING) - {"clone", "clone3", "fork", "vfork", "flock"},
    "ENOSPC": {"openat", "open", "creat", "write", "writev", "pwrite64", "pwritev", "pwritev2",
               "fsync", "fdatasync", "ftruncate", "truncate", "fallocate", "renameat2",
               "renameat", "rename", "linkat", "link", "symlinkat", "symlink", "mkdirat",
               "mkdir", "mknodat", "setxattr", "lsetxattr", "fsetxattr", "copy_file_range"},
}

OPEN_WRITES = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_TMPFILE")

# Traced in discovery only to know what each descriptor is: a write to a pipe is never
# excise's (it reads its children's output); the sanitizer runtime writes to a fresh pipe
# to probe memory (UBSan's vptr check), and an injected error there is the runtime's
# problem, not excise's. Such calls keep their place in the numbering (strace counts
# them) but are not positions.
FD_TRACKING = ("pipe", "pipe2", "openat2", "dup", "dup2", "dup3")

FAIL_POINTS = {
    "apply": ["step.before-act", "step.after-act", "journal.before-write",
              "journal.after-write", "journal.after-sync"],
    "rollback": ["undo.before-act", "journal.before-write", "journal.after-write",
                 "journal.after-sync"],
    "resume": ["step.before-act", "step.after-act", "journal.before-write",
               "journal.after-write", "journal.after-sync"],
}

# Modes: (action, permanent). Syscall actions are strace's (kill, EIO, ENOSPC); fail
# point actions are excise's (kill, eio, enospc).
MODES = {
    "kill": ("kill", False),
    "eio": ("EIO", False),
    "eio+": ("EIO", True),
    "enospc": ("ENOSPC", False),
    "enospc+": ("ENOSPC", True),
}
MODE_TITLES = {"kill": "kill", "eio": "EIO once", "eio+": "EIO permanent",
               "enospc": "ENOSPC once", "enospc+": "ENOSPC permanent"}

# The resume phase: the first apply is killed here (after the first package purge
# acted, before its outcome is journaled: the hardest place to resume from).
RESUME_KILL_STEP_ACTION = "package.purge"


@dataclass(frozen=True)
class Fault:
    via: str         # "strace" or "failpoint"
    name: str        # syscall or fail point
    n: int           # 1-based position among that syscall's calls (or the point's hits)
    mode: str        # a key of MODES

    @property
    def action(self) -> str:
        return MODES[self.mode][0]

    @property
    def permanent(self) -> bool:
        return MODES[self.mode][1]

    def spec(self) -> str:
        when = f"{self.n}+" if self.permanent else f"{self.n}"
        if self.via == "strace":
            what = "signal=KILL" if self.action == "kill" else f"error={self.action}"
            return f"{self.name}:{what}:when={when}"
        return f"{self.name}:{when}={self.action.lower()}"


@dataclass(frozen=True)
class Case:
    phase: str
    fault: Fault

    def label(self) -> str:
        return f"{self.phase} {MODE_TITLES[self.fault.mode]} {self.fault.via} {self.fault.spec()}"


@dataclass
class Outcome:
    case: Case
    reached: bool = True
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    kept: str = ""    # the case's directory, kept when it failed and keep was asked

    @property
    def failed(self) -> bool:
        return bool(self.problems)


@dataclass
class Template:
    base: str                     # the sweep's own directory
    sc: Scenario
    before: Manifest
    steps: list[dict]             # the plan's steps
    resume_kill: int              # step.after-act hit at which the resume phase's first apply dies
    discovered: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # phase -> syscall -> positions
    children: dict[str, int] = field(default_factory=dict)  # mutating calls of children (documentation)
    files: int = 0


# --- running -----------------------------------------------------------------------------

@dataclass
class Run:
    argv: list[str]
    code: int
    stdout: str
    stderr: str
    trace: str = ""

    def __str__(self) -> str:
        tail = "\n".join(self.stderr.strip().splitlines()[-6:])
        return f"`{' '.join(self.argv[-6:])}` exit {self.code}; stderr: {tail}"


def _reap(marker: str) -> None:
    """SIGKILLs processes left behind by a case (found by its unique root path in their
    command line): only ever our own children's children."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


def no_leak_check() -> dict[str, str]:
    """ASAN_OPTIONS for a run under strace: LeakSanitizer stops the process's threads with
    ptrace at exit, which fails in a traced process (and then reports a fatal error)."""
    asan = os.environ.get("ASAN_OPTIONS")
    return {"ASAN_OPTIONS": f"{asan}:detect_leaks=0" if asan else "detect_leaks=0"}


def run(args: list[str], *, fault: Fault | None = None, trace_file: str = "",
        discover: bool = False, timeout: float = 300) -> Run:
    """Runs excise (args after the binary). With a fault, through strace or with the fail
    point variable; with discover, under strace tracing every mutating call (no fault)."""
    env: dict[str, str] = {}
    argv = excise_argv(*args)
    if (fault and fault.via == "strace") or discover:
        env.update(no_leak_check())
    if fault and fault.via == "strace":
        argv = ["strace", "-o", trace_file, "-e", f"trace={fault.name}",
                "-e", f"inject={fault.spec()}", "--", *argv]
    elif fault:
        env["EXCISE_FAIL_POINTS"] = fault.spec()
    elif discover:
        argv = ["strace", "-f", "-o", trace_file, "-e",
                "trace=" + ",".join(MUTATING + FD_TRACKING), "--", *argv]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(env), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)   # a crash takes everything with it
        except (ProcessLookupError, PermissionError):
            pass
    trace = ""
    if trace_file and os.path.exists(trace_file):
        with open(trace_file, encoding="utf-8", errors="replace") as f:
            trace = f.read()
    return Run(argv, proc.returncode, out.decode("utf-8", "replace"),
               err.decode("utf-8", "replace"), trace)


def fired(r: Run, fault: Fault) -> bool:
    if fault.action == "kill":
        return r.code == -signal.SIGKILL
    if fault.via == "strace":
        return "(INJECTED)" in r.trace
    return f"fail point {fault.name}: injected" in r.stderr


def _syscall_of(line: str) -> str:
    m = re.match(r"^(?:\d+\s+)?([a-z0-9_]+)\(", line)
    return m.group(1) if m else ""


def parse_trace(trace: str) -> tuple[dict[str, list[int]], dict[str, int]]:
    """From a `strace -f` trace: the positions of each mutating call of the first (traced)
    process, and the counts of mutating calls in its children."""
    lines = trace.splitlines()
    main = lines[0].split()[0] if lines else ""
    counts: dict[str, int] = {}
    positions: dict[str, list[int]] = {}
    children: dict[str, int] = {}
    pending: dict[str, str] = {}   # pid -> the start of an unfinished call
    pipes: set[str] = set()        # descriptors of the main process that are pipes
    for line in lines:
        pid, _, rest = line.partition(" ")
        rest = rest.lstrip()
        if "<unfinished ...>" in rest:
            pending[pid] = rest
            continue
        if rest.startswith("<... "):
            rest = pending.pop(pid, rest)
        name = _syscall_of(rest)
        if not name:
            continue
        if pid != main:
            if name not in FD_TRACKING:
                children[name] = children.get(name, 0) + 1
            continue
        result = rest.rsplit("= ", 1)[-1].split(" ")[0] if "= " in rest else ""
        if name in ("pipe", "pipe2"):
            m = re.match(r"pipe2?\(\[(\d+), (\d+)\]", rest)
            if m:
                pipes |= {m.group(1), m.group(2)}
            continue
        if name in FD_TRACKING or name in ("openat", "open", "creat"):
            pipes.discard(result)   # that number is no longer a pipe
        if name in FD_TRACKING:
            continue
        counts[name] = counts.get(name, 0) + 1
        if name in ("openat", "open") and not OPEN_WRITES.search(rest):
            continue
        if name in ("write", "writev") and re.match(r"writev?\((\d+),", rest) and \
                re.match(r"writev?\((\d+),", rest).group(1) in pipes:
            continue
        positions.setdefault(name, []).append(counts[name])
    return positions, children


# --- the template and its phases ----------------------------------------------------------

def _copy(t: Template, where: str) -> Scenario:
    return copy_scenario(t.sc, where)


def _apply(sc: Scenario, **kw) -> Run:
    return run(["apply", "--yes", "--root", sc.root.path, sc.playbook], **kw)


def _rollback(sc: Scenario, *extra: str, **kw) -> Run:
    return run(["rollback", "--yes", "--root", sc.root.path, *extra], **kw)


def _run_ids(sc: Scenario) -> list[str]:
    r = run(["runs", "--root", sc.root.path, "--format", "json"])
    return [x["run"] for x in json.loads(r.stdout)["runs"]] if r.code == 0 else []


def _resume_prefix(t: Template, sc: Scenario) -> list[str]:
    """Kills a first apply at the fixed resume point; returns problems (empty when done)."""
    f = Fault("failpoint", "step.after-act", t.resume_kill, "kill")
    r = _apply(sc, fault=f)
    return [] if fired(r, f) else [f"resume setup: the first apply was not killed: {r}"]


def _prepare(t: Template, phase: str, sc: Scenario) -> list[str]:
    if phase == "rollback":
        r = _apply(sc)
        return [] if r.code == 0 else [f"rollback setup: clean apply failed: {r}"]
    if phase == "resume":
        return _resume_prefix(t, sc)
    return []


def _target(phase: str, sc: Scenario, **kw) -> Run:
    if phase == "rollback":
        return _rollback(sc, "--last", **kw)
    return _apply(sc, **kw)


def build_template(base: str) -> Template:
    tdir = os.path.join(base, "template")
    os.makedirs(tdir)
    sc = make_reference_scenario(tdir)
    before = record(sc.root.path)
    plan = run(["plan", "--root", sc.root.path, "--format", "json", sc.playbook])
    if plan.code != 2:
        raise RuntimeError(f"the reference scenario does not plan: {plan}")
    steps = json.loads(plan.stdout)["steps"]
    purge = [i + 1 for i, s in enumerate(steps) if s["action"] == RESUME_KILL_STEP_ACTION]
    t = Template(base, sc, before, steps, purge[0] if purge else len(steps) // 2)
    t.files = count_files(sc)
    # Each phase once without a fault, traced: its positions, and proof that the
    # scenario itself is sound (a failing baseline would make every case fail).
    for phase in ("apply", "rollback", "resume"):
        where = os.path.join(base, f"discover-{phase}")
        c = _copy(t, where)
        problems = _prepare(t, phase, c)
        r = _target(phase, c, discover=True, trace_file=where + ".trace")
        if problems or r.code != 0:
            raise RuntimeError(f"baseline {phase} failed: {problems} {r}")
        positions, children = parse_trace(r.trace)
        t.discovered[phase] = positions
        if phase == "apply":
            t.children = children
            problems = c.after_apply_problems(before)
            if problems:
                raise RuntimeError(f"baseline apply does not reach the after-state: {problems}")
        shutil.rmtree(where)
        os.unlink(where + ".trace")
    return t


_SANITIZED: dict[str, bool] = {}


def sanitized_binary() -> bool:
    """Whether the excise binary is built with AddressSanitizer (it calls __asan_init)."""
    path = excise_argv()[0]
    if path not in _SANITIZED:
        with open(path, "rb") as f:
            _SANITIZED[path] = b"__asan_init" in f.read()
    return _SANITIZED[path]


def plan_cases(t: Template, *, phases=("apply", "rollback", "resume"),
               modes=tuple(MODES), every: int = 1, syscalls=None, failpoints: bool = True,
               strace: bool = True, failpoint_every: int = 1) -> list[Case]:
    """Every position (every `every`th of each syscall's, always its first and last)."""
    cases: list[Case] = []
    for phase in phases:
        for mode in modes:
            action = MODES[mode][0]
            if strace:
                for name, positions in sorted(t.discovered[phase].items()):
                    if syscalls and name not in syscalls:
                        continue
                    if action != "kill" and name not in ERROR_SENSE[action]:
                        continue
                    # A permanent write error also hits the sanitizer runtime's own writes
                    # (its memory probes), which it cannot survive: not excise's behaviour.
                    if MODES[mode][1] and name in ("write", "writev") and sanitized_binary():
                        continue
                    chosen = positions[::every]
                    if positions[-1] not in chosen:
                        chosen.append(positions[-1])
                    cases += [Case(phase, Fault("strace", name, n, mode)) for n in chosen]
            if failpoints:
                for point in FAIL_POINTS[phase]:
                    # n = 0: "every hit until one does not fire" (the count is found by running).
                    cases.append(Case(phase, Fault("failpoint", point, 0, mode)))
    return cases


# --- one case ---------------------------------------------------------------------------

def _check_faulty_run(t: Template, case: Case, sc: Scenario, r: Run) -> list[str]:
    """What the run that got the fault must not do: crash, or claim a success it did not
    achieve."""
    f = case.fault
    out = []
    if f.action != "kill":
        if r.code < 0:
            out.append(f"crashed (signal {-r.code}) after an injected {f.action}: {r}")
        elif r.code == 0:
            if case.phase == "rollback":
                diffs = [str(d) for d in sc.rollback_differences(t.before)]
                if diffs:
                    out.append("rollback reported success after an injected failure, but the "
                               "root differs from the before-state: " + "; ".join(diffs[:8]))
            else:
                problems = sc.after_apply_problems(t.before)
                if problems:
                    out.append("apply reported success after an injected failure, but: "
                               + "; ".join(problems[:8]))
        elif re.search(r"applied: (\d+) of \1 steps done", r.stdout) or "rolled back" in r.stdout:
            out.append(f"exit {r.code} but the report says it all worked: {r.stdout.strip()}")
    return out


def _after_apply_checks(t: Template, sc: Scenario, what: str) -> list[str]:
    out = [f"{what}: {p}" for p in sc.after_apply_problems(t.before)]
    p = run(["plan", "--root", sc.root.path, sc.playbook])
    if p.code != 0:
        out.append(f"{what}: plan still finds work (exit {p.code}): {p.stdout.strip()[:400]}")
    return out


def _before_checks(t: Template, sc: Scenario, what: str) -> list[str]:
    return [f"{what}: {d}" for d in sc.rollback_differences(t.before)]


def _no_runs(r: Run) -> bool:
    return "no runs recorded" in r.stderr


def _one(t: Template, case: Case, where: str) -> Outcome:
    """Runs one case at one position (case.fault.n >= 1)."""
    o = Outcome(case)
    f = case.fault
    os.makedirs(where)
    trace = os.path.join(where, "trace")

    # Copy A: the faulty run, then the undo (or, for rollback, a second rollback).
    a = _copy(t, os.path.join(where, "a"))
    o.problems += _prepare(t, case.phase, a)
    if o.problems:
        return o
    r = _target(case.phase, a, fault=f, trace_file=trace)
    if not fired(r, f):
        o.reached = False
        return o
    o.problems += _check_faulty_run(t, case, a, r)

    if case.phase == "apply" and f.action != "kill":
        # An error (S14: "rollback or resume reaches a clean state"): on the one copy,
        # apply again without the fault, then roll back every run, newest first.
        ap = _apply(a)
        if ap.code != 0:
            o.problems.append(f"apply again after the fault failed: {ap}")
        o.problems += _after_apply_checks(t, a, "after apply again")
        for run_id in reversed(_run_ids(a)):
            rb = _rollback(a, run_id)
            if rb.code != 0 and not _no_runs(rb):
                o.problems.append(f"rollback of run {run_id} failed: {rb}")
        o.problems += _before_checks(t, a, "after rolling back every run")
    elif case.phase == "apply":
        rb = _rollback(a, "--last")
        if rb.code != 0 and not (_no_runs(rb) and not _before_checks(t, a, "")):
            o.problems.append(f"rollback after the fault failed: {rb}")
        o.problems += _before_checks(t, a, "after rollback")
        again = _rollback(a, "--last", "--format", "json")
        if not _no_runs(again) and (again.code != 0 or json.loads(again.stdout).get("changed")):
            o.problems.append(f"a second rollback was not a no-op: {again}")
        # Copy B: the same fault, then apply again without it.
        b = _copy(t, os.path.join(where, "b"))
        r2 = _target(case.phase, b, fault=f, trace_file=trace + ".b")
        if not fired(r2, f):
            o.problems.append("the fault did not fire on the second copy (not deterministic)")
        ap = _apply(b)
        if ap.code != 0:
            o.problems.append(f"apply again after the fault failed: {ap}")
        o.problems += _after_apply_checks(t, b, "after apply again")
    elif case.phase == "rollback":
        rb = _rollback(a, "--last")
        if rb.code != 0:
            o.problems.append(f"rollback again after the fault failed: {rb}")
        o.problems += _before_checks(t, a, "after rollback again")
        third = _rollback(a, "--last", "--format", "json")
        if third.code != 0 or json.loads(third.stdout or "{}").get("changed", True):
            o.problems.append(f"a third rollback was not a no-op: {third}")
    else:  # resume
        ap = _apply(a)
        if ap.code != 0:
            o.problems.append(f"apply again after the faulty resumed apply failed: {ap}")
        o.problems += _after_apply_checks(t, a, "after apply again")
        fourth = _apply(a)
        if fourth.code != 0 or "nothing to remove" not in fourth.stdout:
            o.problems.append(f"a fourth apply was not a no-op: {fourth}")
        for run_id in reversed(_run_ids(a)):
            rb = _rollback(a, run_id)
            if rb.code != 0:
                o.problems.append(f"rollback of run {run_id} failed: {rb}")
        o.problems += _before_checks(t, a, "after rolling back every run")
    return o


def run_case(t: Template, case: Case, keep: bool = False) -> list[Outcome]:
    """One case; a fail point case (n = 0) runs at every hit until one no longer fires."""
    t0 = time.monotonic()
    if case.fault.n:
        ns = [case.fault.n]
    else:
        ns = range(1, 10_000)
    outcomes = []
    for n in ns:
        c = dataclasses.replace(case, fault=dataclasses.replace(case.fault, n=n))
        where = tempfile.mkdtemp(prefix="case-", dir=t.base)
        s0 = time.monotonic()
        try:
            o = _one(t, c, os.path.join(where, "w"))
        except Exception as e:  # a harness error is a failure of this case, not of the sweep
            o = Outcome(c, problems=[f"harness error: {type(e).__name__}: {e}"])
        _reap(where)
        o.seconds = time.monotonic() - s0
        if o.failed and keep:
            o.kept = where
        else:
            shutil.rmtree(where, ignore_errors=True)
        if not o.reached and not case.fault.n:
            break   # past the last hit: the whole run went through without a fault
        outcomes.append(o)
    if outcomes:
        outcomes[0].seconds += 0 * (time.monotonic() - t0)
    return outcomes


def run_cases(t: Template, cases: list[Case], *, jobs: int = 1, keep: bool = False,
              progress=None) -> list[Outcome]:
    results: list[Outcome] = []
    if jobs <= 1:
        for i, c in enumerate(cases):
            got = run_case(t, c, keep)
            results += got
            if progress:
                progress(i + 1, len(cases), c, got)
        return results
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pending = [pool.apply_async(run_case, (t, c, keep)) for c in cases]
        for i, (c, p) in enumerate(zip(cases, pending)):
            got = p.get()
            results += got
            if progress:
                progress(i + 1, len(cases), c, got)
    return results


# --- the report ---------------------------------------------------------------------------

def table(outcomes: list[Outcome]) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for o in outcomes:
        f = o.case.fault
        key = (o.case.phase, f.mode, f.via, f.name)
        row = rows.setdefault(key, {"phase": o.case.phase, "mode": MODE_TITLES[f.mode],
                                    "via": f.via, "where": f.name, "positions": 0,
                                    "failures": 0, "not_reached": 0, "seconds": 0.0})
        row["positions"] += 1 if o.reached else 0
        row["not_reached"] += 0 if o.reached else 1
        row["failures"] += 1 if o.failed else 0
        row["seconds"] += o.seconds
    order = {"apply": 0, "rollback": 1, "resume": 2}
    modes = list(MODE_TITLES.values())
    return sorted(rows.values(), key=lambda r: (order[r["phase"]], modes.index(r["mode"]),
                                                r["via"] != "strace", r["where"]))


def render_table(outcomes: list[Outcome]) -> str:
    rows = table(outcomes)
    lines = [f"{'phase':<9} {'fault':<17} {'via':<9} {'where':<21} {'positions':>9} "
             f"{'failures':>8} {'unreached':>9}"]
    for r in rows:
        lines.append(f"{r['phase']:<9} {r['mode']:<17} {r['via']:<9} {r['where']:<21} "
                     f"{r['positions']:>9} {r['failures']:>8} {r['not_reached']:>9}")
    total = sum(r["positions"] for r in rows)
    failures = sum(r["failures"] for r in rows)
    lines.append(f"total: {total} positions tried, {failures} failures")
    return "\n".join(lines)


def render_failures(outcomes: list[Outcome], limit: int = 12) -> str:
    out = []
    for o in outcomes:
        if not o.failed:
            continue
        out.append(f"FAIL {o.case.label()}" + (f"  (kept: {o.kept})" if o.kept else ""))
        for p in o.problems[:limit]:
            out.append("    " + p.replace("\n", "\n      "))
        if len(o.problems) > limit:
            out.append(f"    ... and {len(o.problems) - limit} more")
    return "\n".join(out)
