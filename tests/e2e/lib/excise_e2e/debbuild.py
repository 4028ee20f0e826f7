"""Builds real .deb packages at test time from a Python description.

    deb = Deb("acme-agent", "1.2.3", depends=["libc6"],
              files={"/opt/acme/bin/acmed": File("#!/bin/sh\n", 0o755),
                     "/etc/acme/acme.conf": "level = 1\n"},
              conffiles=["/etc/acme/acme.conf"],
              scripts={"postinst": "mkdir -p /var/lib/acme\n"},
              units={"acme-agent.service": unit_text("Acme", "/opt/acme/bin/acmed")})
    path = build_deb(deb, outdir)

Packages are reproducible: every member gets the same fixed mtime, owner root:root
(dpkg-deb --root-owner-group), and no compression by default (fast).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field

from ._util import run_tool

# 2025-01-01T00:00:00Z: the mtime of everything inside a built package.
PACKAGE_MTIME = 1735689600

SCRIPT_NAMES = ("preinst", "postinst", "prerm", "postrm")


@dataclass
class File:
    """A file in a package: content (str is UTF-8 encoded) and mode (set-id bits allowed)."""
    content: bytes | str = b""
    mode: int = 0o644

    def data(self) -> bytes:
        return self.content.encode() if isinstance(self.content, str) else self.content


@dataclass
class Deb:
    name: str
    version: str = "1.0"
    architecture: str = "all"
    depends: list[str] = field(default_factory=list)
    description: str = "excise end-to-end test package"
    maintainer: str = "excise tests <tests@excise.invalid>"
    files: dict[str, File | str | bytes] = field(default_factory=dict)
    directories: dict[str, int] | list[str] = field(default_factory=dict)  # path -> mode
    symlinks: dict[str, str] = field(default_factory=dict)                 # path -> target
    conffiles: list[str] = field(default_factory=list)
    scripts: dict[str, str] = field(default_factory=dict)  # preinst/postinst/prerm/postrm
    units: dict[str, str] = field(default_factory=dict)    # unit file name -> text
    unit_dir: str = "/lib/systemd/system"
    extra_control: dict[str, str] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.name}_{self.version}_{self.architecture}.deb"

    def all_files(self) -> dict[str, File]:
        out = {p: (f if isinstance(f, File) else File(f)) for p, f in self.files.items()}
        for unit, text in self.units.items():
            out[f"{self.unit_dir.rstrip('/')}/{unit}"] = File(text, 0o644)
        return out

    def control(self) -> str:
        fields = {
            "Package": self.name,
            "Version": self.version,
            "Architecture": self.architecture,
            "Maintainer": self.maintainer,
            "Section": "misc",
            "Priority": "optional",
        }
        if self.depends:
            fields["Depends"] = ", ".join(self.depends)
        fields.update(self.extra_control)
        lines = [f"{k}: {v}" for k, v in fields.items()]
        summary, _, rest = self.description.partition("\n")
        lines.append(f"Description: {summary}")
        for line in rest.splitlines():
            lines.append(" " + (line if line.strip() else "."))
        return "\n".join(lines) + "\n"


def unit_text(description: str, exec_start: str, *, wanted_by: str | None = "multi-user.target",
              alias: list[str] | tuple[str, ...] = (), user: str | None = None,
              service_type: str = "simple") -> str:
    """A systemd service unit with an [Install] section that `systemctl enable` acts on."""
    lines = ["[Unit]", f"Description={description}", "", "[Service]",
             f"Type={service_type}", f"ExecStart={exec_start}"]
    if user:
        lines.append(f"User={user}")
    lines += ["Restart=on-failure", "", "[Install]"]
    if wanted_by:
        lines.append(f"WantedBy={wanted_by}")
    if alias:
        lines.append("Alias=" + " ".join(alias))
    return "\n".join(lines) + "\n"


def _check(deb: Deb, files: dict[str, File]) -> None:
    for p in list(files) + list(deb.directories) + list(deb.symlinks):
        if not p.startswith("/") or "/../" in p + "/" or p.endswith("/"):
            raise ValueError(f"{deb.name}: package path must be absolute and normal: {p!r}")
    for c in deb.conffiles:
        if c not in files:
            raise ValueError(f"{deb.name}: conffile {c} is not a file of the package")
    for s in deb.scripts:
        if s not in SCRIPT_NAMES:
            raise ValueError(f"{deb.name}: unknown maintainer script {s!r}")


def _script(text: str) -> bytes:
    if not text.startswith("#!"):
        text = "#!/bin/sh\nset -e\n" + text
    return text.encode()


def build_deb(deb: Deb, outdir: str, *, compression: str = "none") -> str:
    """Builds `deb` into outdir with dpkg-deb and returns the .deb's path."""
    files = deb.all_files()
    _check(deb, files)
    os.makedirs(outdir, exist_ok=True)
    tree = tempfile.mkdtemp(prefix=f"pkg-{deb.name}-", dir=outdir)
    try:

        def mkdirs(rel_dir: str, mode: int = 0o755) -> None:
            parts = [p for p in rel_dir.split("/") if p]
            cur = tree
            for part in parts:
                cur = os.path.join(cur, part)
                if not os.path.isdir(cur):
                    os.mkdir(cur)
                    os.chmod(cur, 0o755)

        dirs = deb.directories if isinstance(deb.directories, dict) else \
            {d: 0o755 for d in deb.directories}
        for d, mode in dirs.items():
            mkdirs(d)
            os.chmod(tree + d, mode)
        for p, f in files.items():
            mkdirs(os.path.dirname(p))
            with open(tree + p, "wb") as out:
                out.write(f.data())
            os.chmod(tree + p, f.mode)
        for p, target in deb.symlinks.items():
            mkdirs(os.path.dirname(p))
            os.symlink(target, tree + p)

        control_dir = os.path.join(tree, "DEBIAN")
        os.mkdir(control_dir)
        os.chmod(control_dir, 0o755)
        with open(os.path.join(control_dir, "control"), "w") as f:
            f.write(deb.control())
        if deb.conffiles:
            with open(os.path.join(control_dir, "conffiles"), "w") as f:
                f.write("".join(c + "\n" for c in deb.conffiles))
        for name, text in deb.scripts.items():
            path = os.path.join(control_dir, name)
            with open(path, "wb") as f:
                f.write(_script(text))
            os.chmod(path, 0o755)

        for dirpath, dirnames, filenames in os.walk(tree, topdown=False):
            for n in filenames + dirnames:
                os.utime(os.path.join(dirpath, n), (PACKAGE_MTIME, PACKAGE_MTIME),
                         follow_symlinks=False)
        os.utime(tree, (PACKAGE_MTIME, PACKAGE_MTIME))

        out_path = os.path.join(outdir, deb.filename)
        run_tool(["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", tree, out_path],
                 env={"SOURCE_DATE_EPOCH": str(PACKAGE_MTIME)})
        return out_path
    finally:
        shutil.rmtree(tree)
