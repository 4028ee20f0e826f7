"""Real Debian fixtures: a debootstrap root and real packages from the Debian archive,
cached on the machine so that only the first run of a day pays for them.

    base = debootstrap_base(include=["adduser", "libsqlite3-0"])   # SkipTest when offline
    debs = download_debs(base, ["vnstat"])                           # {name: path}

The cache lives in /var/cache/excise-tests (or $EXCISE_TEST_CACHE) under
debootstrap/<suite>-minbase-<hash of the included packages>-<date>/
(`root/` from `debootstrap --variant=minbase`, about 200 MB and 30-90 s to build; `debs/`
for downloaded packages). A base is built once a day (so security updates come in) and
older ones are pruned then; when the archive cannot be reached, the newest cached base
is used, and with none the caller's test is skipped with the reason. Tests never write
in a cached base: they mount an overlay over it (sandbox.py).

Concurrency: creation and pruning hold an exclusive flock on the cache's lock file;
a test using a base holds a shared one until its process exits, so a base is never
pruned under a running test.
"""

from __future__ import annotations

import datetime
import fcntl
import glob
import hashlib
import os
import shutil
import tempfile
import time
import unittest
import urllib.request

from ._util import ToolError, run_tool

CACHE = os.environ.get("EXCISE_TEST_CACHE", "/var/cache/excise-tests")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"

_held_locks: list[int] = []  # shared locks kept for the life of the process


def mirror() -> str:
    """$EXCISE_DEBIAN_MIRROR, else the Debian archive this machine uses (its first
    `URIs:` in deb822 sources or `deb URL` in sources.list that serves the main suite),
    else deb.debian.org."""
    if os.environ.get("EXCISE_DEBIAN_MIRROR"):
        return os.environ["EXCISE_DEBIAN_MIRROR"].rstrip("/")
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        with open(path, encoding="utf-8", errors="replace") as f:
            for stanza in f.read().split("\n\n"):
                fields = {}
                for line in stanza.splitlines():
                    if ":" in line and not line.startswith(("#", " ")):
                        k, v = line.split(":", 1)
                        fields[k.strip()] = v.split()
                if SUITE in fields.get("Suites", []) and fields.get("URIs"):
                    return fields["URIs"][0].rstrip("/")
    for path in ["/etc/apt/sources.list", *sorted(glob.glob("/etc/apt/sources.list.d/*.list"))]:
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    parts = [p for p in line.split() if not p.startswith("[")]
                    if len(parts) >= 3 and parts[0] == "deb" and parts[2] == SUITE:
                        return parts[1].rstrip("/")
    return DEFAULT_MIRROR


def reachable(url: str, timeout: float = 8) -> str | None:
    """None when the archive answers (its Release file), else the reason it does not."""
    probe = f"{url}/dists/{SUITE}/Release"
    try:
        with urllib.request.urlopen(urllib.request.Request(probe, method="HEAD"),
                                    timeout=timeout) as r:
            return None if r.status == 200 else f"{probe}: HTTP {r.status}"
    except Exception as e:  # noqa: BLE001 (any failure means "not reachable": skip)
        return f"{probe}: {e}"


class Base:
    """A cached debootstrap root (read-only by convention) and its package cache."""

    def __init__(self, path: str):
        self.path = path
        self.root = os.path.join(path, "root")
        self.debs = os.path.join(path, "debs")

    def __repr__(self) -> str:
        return f"Base({self.path!r})"


def _lock(exclusive: bool, timeout: float = 900) -> int:
    os.makedirs(CACHE, mode=0o755, exist_ok=True)
    fd = os.open(os.path.join(CACHE, ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    op = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, op)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise TimeoutError(f"{CACHE}/.lock: still held by another test after {timeout}s")
            time.sleep(0.5)


def _bases(prefix: str) -> list[str]:
    """Complete cached bases with this prefix, newest date first."""
    found = [p for p in glob.glob(os.path.join(CACHE, "debootstrap", prefix + "-*"))
             if os.path.exists(os.path.join(p, "complete"))]
    return sorted(found, reverse=True)


def debootstrap_base(include=(), *, suite: str = SUITE) -> Base:
    """Today's cached minbase root with `include` installed, built if need be. Raises
    unittest.SkipTest when it must be built and the archive cannot be reached."""
    key = hashlib.sha256(" ".join(sorted(include)).encode()).hexdigest()[:8]
    prefix = f"{suite}-minbase-{key}"
    today = os.path.join(CACHE, "debootstrap",
                         f"{prefix}-{datetime.date.today().strftime('%Y%m%d')}")
    if os.path.exists(os.path.join(today, "complete")):
        _held_locks.append(_lock(exclusive=False))
        return Base(today)
    url = mirror()
    why = reachable(url)
    if why is not None:
        cached = _bases(prefix)
        if cached:
            _held_locks.append(_lock(exclusive=False))
            return Base(cached[0])
        raise unittest.SkipTest(f"the Debian archive is unreachable and no debootstrap root is "
                                f"cached in {CACHE}: {why}")
    fd = _lock(exclusive=True)
    try:
        if not os.path.exists(os.path.join(today, "complete")):
            _build(today, url, suite, include)
            for old in _bases(prefix):
                if old != today:
                    shutil.rmtree(old, ignore_errors=True)
        # Downgrade: keep a shared lock while this process uses the base.
        fcntl.flock(fd, fcntl.LOCK_SH)
        _held_locks.append(fd)
    except BaseException:
        os.close(fd)
        raise
    return Base(today)


def _build(path: str, url: str, suite: str, include) -> None:
    partial = path + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(os.path.join(partial, "debs"))
    argv = ["debootstrap", "--variant=minbase"]
    if include:
        argv.append("--include=" + ",".join(include))
    argv += [suite, os.path.join(partial, "root"), url]
    t0 = time.monotonic()
    try:
        run_tool(argv, timeout=900)
    except ToolError:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    with open(os.path.join(partial, "complete"), "w", encoding="utf-8") as f:
        f.write(f"{' '.join(argv)}\n{time.monotonic() - t0:.1f} s\n")
    os.rename(partial, path)


def download_debs(base: Base, names: list[str]) -> dict[str, str]:
    """{name: path of its .deb}, downloaded with the host's apt into the base's cache
    (once; the base is from the same suite). SkipTest when apt cannot get them."""
    out, missing = {}, []
    for name in names:
        found = sorted(glob.glob(os.path.join(base.debs, f"{name}_*.deb")))
        if found:
            out[name] = found[-1]
        else:
            missing.append(name)
    if missing:
        _apt_download(base, missing)
        for name in missing:
            found = sorted(glob.glob(os.path.join(base.debs, f"{name}_*.deb")))
            if not found:
                raise unittest.SkipTest(f"apt-get download {name}: no .deb in {base.debs}")
            out[name] = found[-1]
    return out


def _apt_download(base: Base, names: list[str]) -> None:
    # Sandbox::User=root: _apt could not write into a root-only cache directory.
    argv = ["apt-get", "-o", "APT::Sandbox::User=root", "download", *names]
    # A private download dir, then a rename each: concurrent tests never see half a file.
    tmp = tempfile.mkdtemp(prefix=".download-", dir=base.path)
    try:
        proc = run_tool(argv, check=False, timeout=300, cwd=tmp)
        if proc.returncode != 0:
            # Package lists absent or stale (a fresh CI image): refresh them once.
            run_tool(["apt-get", "update", "-qq"], check=False, timeout=300)
            proc = run_tool(argv, check=False, timeout=300, cwd=tmp)
        if proc.returncode != 0:
            raise unittest.SkipTest(f"{' '.join(argv)} failed (the archive may be unreachable):"
                                    f"\n{proc.stderr.strip()}")
        os.makedirs(base.debs, exist_ok=True)
        for name in os.listdir(tmp):
            os.rename(os.path.join(tmp, name), os.path.join(base.debs, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
