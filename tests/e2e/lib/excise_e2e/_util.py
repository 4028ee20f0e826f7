"""Small shared helpers: running host tools, temp dirs, path display."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

# Host tools run with a fixed, predictable environment: C locale, a PATH with the
# sbin directories dpkg insists on, and nothing inherited that could change their
# behaviour (DPKG_*, pyenv shims, a user's locale).
TOOL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def tool_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"PATH": TOOL_PATH, "LC_ALL": "C", "HOME": "/root", "TZ": "UTC"}
    if extra:
        env.update(extra)
    return env


class ToolError(RuntimeError):
    """A host tool failed; the message names the command and carries its output."""


def run_tool(argv: list[str], *, check: bool = True, input: bytes | None = None,
             env: dict[str, str] | None = None, timeout: float = 120,
             cwd: str | None = None) -> subprocess.CompletedProcess:
    """Runs a host tool (argv, no shell), capturing stdout and stderr as text."""
    proc = subprocess.run(argv, input=input, capture_output=True, env=tool_env(env),
                          timeout=timeout, cwd=cwd)
    proc.stdout = proc.stdout.decode("utf-8", "surrogateescape")
    proc.stderr = proc.stderr.decode("utf-8", "surrogateescape")
    if check and proc.returncode != 0:
        raise ToolError(f"{' '.join(argv)}: exited {proc.returncode}\n"
                        f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def keep_temp() -> bool:
    return os.environ.get("EXCISE_KEEP", "") not in ("", "0")


def make_temp_dir() -> str:
    """A fresh temp dir for one test's world (kept afterwards with EXCISE_KEEP=1)."""
    return tempfile.mkdtemp(prefix="excise-e2e-")


def _mounts_under(top: str) -> list[str]:
    top = os.path.realpath(top)
    found = []
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            point = unescape_mountinfo(line.split(b" ")[4])
            p = os.fsdecode(point)
            if p == top or p.startswith(top.rstrip("/") + "/"):
                found.append(p)
    return found


def unescape_mountinfo(field: bytes) -> bytes:
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    out = bytearray()
    i = 0
    while i < len(field):
        if field[i:i + 1] == b"\\" and i + 4 <= len(field) and field[i + 1:i + 4].isdigit():
            out.append(int(field[i + 1:i + 4], 8))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return bytes(out)


def remove_temp_dir(path: str, *, force: bool = False) -> None:
    """Removes a temp dir made by make_temp_dir, unless EXCISE_KEEP is set.

    Mounts left under it are unmounted first (deepest first), so the removal never
    walks into a bind mount of something else. Immutable/append-only flags set by a
    test are cleared if the first attempt fails.
    """
    if not path or not os.path.basename(path.rstrip("/")).startswith("excise-e2e-"):
        raise ValueError(f"refusing to remove {path!r}: not an excise-e2e temp dir")
    if keep_temp() and not force:
        print(f"EXCISE_KEEP: kept {path}", flush=True)
        return
    for point in sorted(_mounts_under(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], env=tool_env(), check=False)
    if _mounts_under(path):
        raise RuntimeError(f"refusing to remove {path}: mounts remain under it")
    try:
        shutil.rmtree(path)
    except OSError:
        subprocess.run(["chattr", "-R", "-i", "-a", path], env=tool_env(),
                       capture_output=True, check=False)
        shutil.rmtree(path)


def fs_bytes(p) -> bytes:
    return os.fsencode(p)


def join_root(root, path) -> bytes:
    """Host path of `path` (absolute inside the root, str or bytes) under `root`."""
    r = os.fsencode(root).rstrip(b"/")
    p = os.fsencode(path)
    if not p.startswith(b"/"):
        p = b"/" + p
    return r + p


def show(path) -> str:
    """A path for people: exact and unambiguous, one line, readable when it can be.

    Valid UTF-8 printable characters stay as they are; control characters, invalid
    bytes and the backslash are escaped (\\n, \\t, \\xff, \\\\).
    """
    b = os.fsencode(path) if not isinstance(path, bytes) else path
    s = b.decode("utf-8", "surrogateescape")
    out = []
    for ch in s:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif o < 0x20 or o == 0x7F or not ch.isprintable():
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        else:
            out.append(ch)
    return "".join(out)
