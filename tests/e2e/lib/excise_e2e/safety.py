"""Helpers for the SAFETY.md tests (tests/e2e/test_safety_*.py, ctest label `safety`).

    sent = Sentinel.make(root.host("/srv/sentinel"))   # root-owned files, recorded
    ...                                               # run excise
    self.assertEqual(sent.changes(), [])
    self.assertEqual(journal_problems(root.path), [])

A sentinel is a tree of root-owned files outside the target set: content, mode (set-id
bits included), owner, mtime and hard links are recorded when it is made and compared
later (manifest.record). HostFiles does the same for a few files of the host itself
(/etc/passwd, /etc/shadow...), which a test cannot rebuild but must prove untouched.
`guarded_argv` runs a command in a private mount namespace where the host is read-only
except the test's temp dir: a bug that reaches for the host then fails the test with
EROFS instead of damaging the machine.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import unittest

from ._util import make_temp_dir, remove_temp_dir, show
from .manifest import compare, record
from .roots import Root, make_root
from .runner import Result, excise_argv, require_excise, run, run_excise

SENTINEL_MTIME_NS = 1_700_000_000_987_654_321

# System calls that change something: none may appear where a test says "zero".
DESTRUCTIVE_SYSCALLS = (
    "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2",
    "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown", "fchownat",
    "truncate", "ftruncate", "kill", "tkill", "tgkill", "pidfd_send_signal",
    "link", "linkat", "symlink", "symlinkat", "mkdir", "mkdirat", "mknod", "mknodat",
    "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr",
    "removexattr", "lremovexattr", "fremovexattr", "mount", "umount2")


# -- sentinels ---------------------------------------------------------------------------

class Sentinel:
    """A root-owned tree whose every byte and attribute must stay as recorded."""

    def __init__(self, path):
        self.path = os.fsencode(path)
        self.before = record(self.path, views=False)

    @classmethod
    def make(cls, path, files: int = 12, name: bytes = b"keep") -> "Sentinel":
        """Creates `path` (a directory, root-owned 0755) with `files` files of varied
        modes (0644, 0600, 0640, 0444, 4755, 2755), a subdirectory, a symlink and a hard
        link pair, all with fixed mtimes; records it."""
        p = os.fsencode(path)
        os.makedirs(p, exist_ok=True)
        os.chown(p, 0, 0)
        os.chmod(p, 0o755)
        modes = (0o644, 0o600, 0o640, 0o444, 0o4755, 0o2755)
        made = []
        for i in range(files):
            f = p + b"/%s-%03d" % (name, i)
            with open(f, "wb") as fh:
                fh.write(b"sentinel %d: " % i + hashlib.sha256(f).digest() * (i + 1))
            os.chown(f, 0, 0)
            os.chmod(f, modes[i % len(modes)])
            made.append(f)
        sub = p + b"/sub"
        os.makedirs(sub, exist_ok=True)
        os.chmod(sub, 0o700)
        with open(sub + b"/deep", "wb") as fh:
            fh.write(b"deep sentinel\n")
        os.link(sub + b"/deep", sub + b"/deep.link")
        os.symlink(b"sub/deep", p + b"/link")
        made += [sub + b"/deep", p + b"/link", sub]
        for i, f in enumerate(made):
            os.utime(f, ns=(SENTINEL_MTIME_NS + i, SENTINEL_MTIME_NS + i), follow_symlinks=False)
        os.utime(p, ns=(SENTINEL_MTIME_NS, SENTINEL_MTIME_NS))
        return cls(p)

    def changes(self, ignore=()) -> list[str]:
        """Every difference from the recording, as readable lines ([] when untouched).
        `ignore` as in manifest.compare: ("shadow", "nlink") skips one field of one path."""
        if not os.path.lexists(self.path):
            return [f"sentinel {show(self.path)} is gone"]
        now = record(self.path, views=False)
        return [f"{show(self.path)}: {d}"
                for d in compare(self.before, now, ignore=ignore, views=False)]


def file_facts(path) -> tuple | None:
    """(type+mode, uid, gid, nlink, mtime_ns, size, sha256) of a file, or None."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    digest = ""
    if stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    return (st.st_mode, st.st_uid, st.st_gid, st.st_nlink, st.st_mtime_ns, st.st_size, digest)


class HostFiles:
    """Facts of a few files of the host (or any files) recorded now, compared later."""

    DEFAULT = ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/hostname",
               "/etc/os-release", "/etc/login.defs")

    def __init__(self, paths=DEFAULT):
        self.before = {p: file_facts(p) for p in paths}

    def changes(self) -> list[str]:
        out = []
        for p, old in self.before.items():
            new = file_facts(p)
            if new != old:
                out.append(f"host file {p} changed: {old} -> {new}")
        return out


# -- excise's own records ------------------------------------------------------------------

def journal_problems(root, *extra) -> list[str]:
    """Every run of the root whose journal fails its own check (`excise runs` says
    "damaged"), or the failure of `excise runs` itself."""
    r = run_excise("runs", "--root", root, "--format", "json", *extra)
    if r.code != 0:
        return [f"excise runs failed: {r}"]
    return [f"run {x['run']}: damaged: {x.get('problem')}" for x in r.json()["runs"]
            if x.get("state") == "damaged"]


def run_states(root, *extra) -> list[str]:
    r = run_excise("runs", "--root", root, "--format", "json", *extra)
    return [x.get("state") for x in r.json()["runs"]] if r.code == 0 else []


def write_playbook(directory, name: str, text: str) -> str:
    """A playbook file the loader trusts: root-owned 0644 in a root-owned 0755 dir."""
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chown(path, 0, 0)
    os.chmod(path, 0o644)
    return path


def path_playbook(product: str, globs, *, prune_empty=(), users=(), groups=()) -> str:
    """A schema 1 playbook with one [[path]] artifact (and optional accounts)."""
    def toml_list(items):
        return "[" + ", ".join(_toml_str(i) for i in items) + "]"
    text = (f'schema = 1\n\n[product]\nid = "{product}"\nname = "Safety test {product}"\n'
            f'vendor = "Test"\nplatforms = ["linux"]\n\n')
    if globs:
        text += f"[[path]]\nglobs = {toml_list(globs)}\n"
        if prune_empty:
            text += f"prune_empty = {toml_list(prune_empty)}\n"
        text += "\n"
    if users:
        text += f"[[user]]\nnames = {toml_list(users)}\n\n"
    if groups:
        text += f"[[group]]\nnames = {toml_list(groups)}\n\n"
    return text


def _toml_str(s) -> str:
    """A TOML basic string for any text (bytes are taken as UTF-8 with escapes)."""
    if isinstance(s, bytes):
        s = s.decode("utf-8", "surrogateescape")
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# -- namespaces and tracing --------------------------------------------------------------

GUARD_SCRIPT = ('set -e; mount --rbind "$1" "$1"; mount -o remount,bind,ro /; '
                'shift; exec "$@"')


def guarded_argv(writable, argv: list[str]) -> list[str]:
    """argv in a private mount namespace where every file system of the host that sits
    on the root mount is read-only (a per-mount flag: remount,bind), except `writable`,
    bind-mounted onto itself first (with the mounts below it). The host's own mounts are not
    affected."""
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", GUARD_SCRIPT, "sh",
            os.fsdecode(writable), *map(os.fsdecode, argv)]


_CALL = re.compile(rb"^(?:\[pid\s+)?(\d+)\]?\s+([a-z0-9_]+)\((.*)$")


def traced(argv: list[str], syscalls=DESTRUCTIVE_SYSCALLS, *, env=None, timeout=300,
           extra=()) -> tuple[Result, list[bytes]]:
    """Runs argv under `strace -f` tracing `syscalls`; returns the result of the command
    and every traced call line (attempts count, whatever they returned)."""
    with tempfile.NamedTemporaryFile(prefix="excise-strace-", delete=False) as f:
        log = f.name
    try:
        r = run(["strace", "-f", "-qq", "-y", "-s", "256", "-e", "signal=none",
                 "-e", "trace=" + ",".join(syscalls), *extra, "-o", log, *map(os.fsdecode, argv)],
                env=env, timeout=timeout)
        with open(log, "rb") as f:
            lines = [ln.rstrip(b"\n") for ln in f if _CALL.match(ln)]
    finally:
        os.unlink(log)
    return r, lines


def call_name(line: bytes) -> str:
    m = _CALL.match(line)
    return m.group(2).decode() if m else ""


def private_mount_namespace() -> None:
    """Moves this (single-threaded) process into a private mount namespace: mounts made
    by the test from now on are seen only by it and its children, and vanish with it."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWNS = 0x00020000
    if libc.unshare(CLONE_NEWNS) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"unshare(CLONE_NEWNS): {os.strerror(e)}")
    mount("--make-rprivate", "/")


def mount(*args: str) -> None:
    r = run(["mount", *map(os.fsdecode, args)])
    if r.code != 0:
        raise OSError(f"mount {' '.join(map(os.fsdecode, args))}: {r.stderr}")


def umount(path) -> None:
    run(["umount", "-l", os.fsdecode(path)])


def max_rss_kib(argv: list[str], **kw) -> tuple[Result, int]:
    """Runs argv under /usr/bin/time and returns (result, its maximum RSS in KiB)."""
    with tempfile.NamedTemporaryFile(prefix="excise-rss-", delete=False) as f:
        out = f.name
    try:
        r = run(["/usr/bin/time", "-f", "%M", "-o", out, *map(os.fsdecode, argv)], **kw)
        with open(out) as f:
            lines = [ln for ln in f.read().split() if ln.isdigit()]
        return r, int(lines[-1]) if lines else -1
    finally:
        os.unlink(out)


class SafetyTest(unittest.TestCase):
    """Base of the SAFETY.md tests: a temp dir per test, the excise binary, root."""

    def setUp(self):
        require_excise()
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (chown, mounts, useradd --root)")
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)

    def excise(self, *args, expect: int | None = 0, env=None, wrap=None, timeout=300) -> Result:
        """Runs excise; `wrap(argv) -> argv` puts it in a namespace or under a tool."""
        argv = excise_argv(*args)
        r = run(wrap(argv) if wrap else argv, env=env, timeout=timeout)
        if expect is not None:
            self.assertEqual(r.code, expect, str(r))
        return r

    def make_root(self, name: str = "root", users=("alice",)) -> Root:
        root = make_root(os.path.join(self.tmp, name))
        for u in users:
            root.add_user(u)
        return root

    def owner(self, root: Root, user: str) -> tuple[int, int]:
        return root.uid(user), root.gid(user)

    def playbook(self, text: str, name: str = "safety.toml") -> str:
        return write_playbook(os.path.join(self.tmp, "playbooks"), name, text)

    def assert_safe(self, root, *sentinels, host: HostFiles | None = None, extra=(),
                    ignore=()) -> None:
        """Every sentinel untouched, the host's files untouched, every journal sound.
        `extra`: more arguments for `excise runs` (--state-dir); `ignore` for the
        sentinels' comparison."""
        problems = [c for s in sentinels for c in s.changes(ignore)]
        if host is not None:
            problems += host.changes()
        problems += journal_problems(os.fspath(root), *extra)
        self.assertEqual(problems, [])
