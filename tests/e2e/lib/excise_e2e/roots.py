"""Small target roots built quickly, plus the real tools that populate them.

    root = make_root(os.path.join(tmp, "root"))
    root.install_debs([deb_path], expect_paths=["/var/lib/acme/state"])
    root.add_system_user("acme", home="/opt/acme")
    root.add_user("alice", groups=["acme"])
    root.enable_units("acme-agent.service")

A root is just enough of a Debian system for dpkg, useradd and systemctl to work on it
with --root: account files (with a `shadow` group), the host's login.defs (without it
useradd/userdel ignore USERGROUPS_ENAB), a dpkg admin dir whose lock files already exist
(so a round trip does not see them appear), busybox as /bin/sh and the few tools
maintainer scripts use (dpkg runs scripts chrooted into the root), and the systemd unit
directories.
"""

from __future__ import annotations

import os
import shutil

from ._util import ToolError, join_root, run_tool

BUSYBOX = "/bin/busybox"
# Applets linked into usr/bin: what maintainer scripts and tests use.
BUSYBOX_TOOLS = ("sh", "rm", "rmdir", "mkdir", "cat", "echo", "printf", "test", "[", "chmod",
                 "chown", "touch", "ln", "mv", "cp", "ls", "sed", "grep", "true", "false",
                 "sleep", "id")
SHADOW_GID = 42


class Root:
    """A target root directory, and actions on it through the real tools."""

    def __init__(self, path: str):
        self.path = os.path.realpath(path)

    def __fspath__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        return f"Root({self.path!r})"

    # -- paths -------------------------------------------------------------------------
    def host(self, path) -> bytes:
        """Host path (bytes) of `path`, absolute inside the root (str or bytes)."""
        return join_root(self.path, path)

    def exists(self, path) -> bool:
        """Whether `path` exists in the root, without following a final symlink."""
        return os.path.lexists(self.host(path))

    def read(self, path) -> bytes:
        with open(self.host(path), "rb") as f:
            return f.read()

    @property
    def admindir(self) -> str:
        return os.path.join(self.path, "var/lib/dpkg")

    # -- creating entries with exact metadata ------------------------------------------
    def put_dir(self, path, mode: int = 0o755, owner: tuple[int, int] = (0, 0)) -> bytes:
        h = self.host(path)
        os.makedirs(h, exist_ok=True)
        os.chown(h, *owner)
        os.chmod(h, mode)
        return h

    def put_file(self, path, content: bytes | str = b"", mode: int = 0o644,
                 owner: tuple[int, int] = (0, 0), xattrs: dict[str, bytes] | None = None) -> bytes:
        """Writes a regular file; chown before chmod so set-id bits survive."""
        h = self.host(path)
        os.makedirs(os.path.dirname(h), exist_ok=True)
        with open(h, "wb") as f:
            f.write(content.encode() if isinstance(content, str) else content)
        os.chown(h, *owner)
        os.chmod(h, mode)
        for name, value in (xattrs or {}).items():
            os.setxattr(h, name, value)
        return h

    def put_symlink(self, path, target, owner: tuple[int, int] = (0, 0)) -> bytes:
        h = self.host(path)
        os.makedirs(os.path.dirname(h), exist_ok=True)
        os.symlink(os.fsencode(target), h)
        os.chown(h, *owner, follow_symlinks=False)
        return h

    def set_mtime(self, path, mtime_ns: int) -> None:
        os.utime(self.host(path), ns=(mtime_ns, mtime_ns), follow_symlinks=False)

    # -- dpkg --------------------------------------------------------------------------
    def dpkg(self, *args: str, check: bool = True):
        """Runs the real dpkg on this root. Scripts run chrooted (with the root's
        busybox /bin/sh), never chrootless, and the log stays inside the root."""
        return run_tool(["dpkg", f"--root={self.path}",
                         f"--log={os.path.join(self.path, 'var/log/dpkg.log')}", *args],
                        check=check)

    def install_debs(self, deb_paths: list[str], *, expect_paths=()) -> str:
        """Installs .debs with `dpkg -i` and checks that they ended up installed ("ii")
        and that the maintainer scripts really ran: every path in expect_paths (which
        the scripts create) must exist afterwards. Returns dpkg's output."""
        # unsafe-io: no fsync per unpacked file (a test root needs no crash safety while
        # it is being built; the machine is shared and fsync is what makes dpkg slow).
        proc = self.dpkg("--force-unsafe-io", "-i", *deb_paths)
        from .views import dpkg_packages  # local import: views imports nothing from here
        installed = dpkg_packages(self.path)
        for deb in deb_paths:
            name = os.path.basename(deb).split("_", 1)[0]
            state = installed.get(name)
            if not state or state[1] != "ii":
                raise ToolError(f"dpkg -i {deb}: {name} is {state} after install, not ii\n"
                                f"{proc.stdout}{proc.stderr}")
        for p in expect_paths:
            if not self.exists(p):
                raise ToolError(f"dpkg -i: maintainer scripts did not run: {p} is missing\n"
                                f"{proc.stdout}{proc.stderr}")
        return proc.stdout + proc.stderr

    # -- accounts ----------------------------------------------------------------------
    def add_group(self, name: str, *, system: bool = True, gid: int | None = None) -> int:
        argv = ["groupadd", "--root", self.path]
        if system:
            argv.append("--system")
        if gid is not None:
            argv += ["--gid", str(gid)]
        run_tool(argv + [name])
        return self.gid(name)

    def add_system_user(self, name: str, *, home: str = "/nonexistent",
                        shell: str = "/usr/sbin/nologin", user_group: bool = True) -> int:
        """useradd --system, no home created, with a group of the same name."""
        argv = ["useradd", "--root", self.path, "--system", "--no-create-home",
                "--home-dir", home, "--shell", shell]
        argv.append("--user-group" if user_group else "--no-user-group")
        run_tool(argv + [name])
        return self.uid(name)

    def add_user(self, name: str, *, shell: str = "/bin/sh", groups=(),
                 create_home: bool = True) -> int:
        """A normal user with a user group and (by default) a home under /home."""
        argv = ["useradd", "--root", self.path, "--shell", shell, "--user-group"]
        argv.append("--create-home" if create_home else "--no-create-home")
        if groups:
            argv += ["--groups", ",".join(groups)]
        run_tool(argv + [name])
        return self.uid(name)

    def _lookup(self, file: str, name: str, field: int) -> int:
        with open(os.path.join(self.path, "etc", file), encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split(":")
                if parts[0] == name:
                    return int(parts[field])
        raise KeyError(f"{name} not in {self.path}/etc/{file}")

    def uid(self, name: str) -> int:
        return self._lookup("passwd", name, 2)

    def gid(self, name: str) -> int:
        return self._lookup("group", name, 2)

    def home(self, user: str) -> str:
        with open(os.path.join(self.path, "etc/passwd"), encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split(":")
                if parts[0] == user:
                    return parts[5]
        raise KeyError(user)

    # -- systemd -----------------------------------------------------------------------
    def systemctl(self, *args: str, check: bool = True):
        return run_tool(["systemctl", f"--root={self.path}", "--no-pager", *args], check=check)

    def enable_units(self, *names: str) -> None:
        self.systemctl("enable", *names)

    def disable_units(self, *names: str) -> None:
        self.systemctl("disable", *names)

    def is_enabled(self, name: str) -> str:
        """enabled, disabled, alias, masked, static... or not-found."""
        proc = self.systemctl("is-enabled", name, check=False)
        out = proc.stdout.strip()
        return out if out else "not-found"


def _write(path: str, text: str, mode: int, uid: int = 0, gid: int = 0) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def make_root(path: str, *, merged_usr: bool = False) -> Root:
    """Creates a minimal root at `path` (which must not exist or be empty).

    merged_usr=True makes bin, sbin and lib symlinks into usr/ as on a current Debian
    install (then /lib/systemd/system/X is physically usr/lib/systemd/system/X, and
    dpkg's database names the /lib path: the aliasing excise has to cope with).
    """
    os.makedirs(path, exist_ok=True)
    if os.listdir(path):
        raise FileExistsError(f"make_root: {path} is not empty")
    os.chmod(path, 0o755)
    R = os.path.realpath(path)

    def d(rel: str, mode: int = 0o755) -> str:
        p = os.path.join(R, rel)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, mode)
        return p

    for rel in ("usr/bin", "usr/sbin", "usr/lib", "usr/share", "etc", "home", "opt",
                "var/lib", "var/log", "var/cache", "etc/systemd/system"):
        d(rel)
    if merged_usr:
        for top in ("bin", "sbin", "lib"):
            os.symlink(f"usr/{top}", os.path.join(R, top))
    else:
        d("bin")
        d("sbin")
        d("lib")
        os.symlink("../usr/bin/busybox", os.path.join(R, "bin/sh"))
    d("lib/systemd/system")
    d("root", 0o700)
    d("tmp", 0o1777)
    d("var/tmp", 0o1777)

    # Accounts: root, and the groups useradd/login.defs expect.
    _write(f"{R}/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0o644)
    _write(f"{R}/etc/group", "root:x:0:\nadm:x:4:\nshadow:x:42:\nusers:x:100:\n", 0o644)
    _write(f"{R}/etc/shadow", "root:*:20000:0:99999:7:::\n", 0o640, 0, SHADOW_GID)
    _write(f"{R}/etc/gshadow", "root:*::\nadm:*::\nshadow:*::\nusers:*::\n", 0o640, 0, SHADOW_GID)
    shutil.copyfile("/etc/login.defs", f"{R}/etc/login.defs")
    os.chmod(f"{R}/etc/login.defs", 0o644)
    _write(f"{R}/etc/os-release",
           'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
           'VERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n', 0o644)
    _write(f"{R}/etc/shells", "/bin/sh\n/usr/bin/sh\n", 0o644)

    # dpkg admin dir, with the files dpkg would otherwise create on first use.
    for sub in ("info", "updates", "triggers", "alternatives"):
        d(f"var/lib/dpkg/{sub}")
    for rel, mode in (("status", 0o644), ("status-old", 0o644), ("available", 0o644), ("lock", 0o640),
                      ("lock-frontend", 0o640), ("triggers/Lock", 0o600),
                      ("triggers/Unincorp", 0o644)):
        _write(f"{R}/var/lib/dpkg/{rel}", "", mode)
    _write(f"{R}/var/lib/dpkg/info/format", "1\n", 0o644)
    _write(f"{R}/var/log/dpkg.log", "", 0o644)

    # busybox as the shell and tools of chrooted maintainer scripts.
    shutil.copyfile(BUSYBOX, f"{R}/usr/bin/busybox")
    os.chmod(f"{R}/usr/bin/busybox", 0o755)
    for tool in BUSYBOX_TOOLS:
        os.symlink("busybox", f"{R}/usr/bin/{tool}")
    os.symlink("../bin/busybox", f"{R}/usr/sbin/nologin")
    return Root(R)
