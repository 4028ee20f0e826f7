"""The reference scenario of the crash and fault sweep (SAFETY.md S13-S17).

    sc = make_reference_scenario(tmp)        # built once, a template
    copy = copy_scenario(sc, dest)           # each case works on its own copy (cp -a)

It is the signature world of make_fake_product (scripts = "run": the vendor's scripts
run chrooted, so the scripted-purge protection is exercised too) grown to the size the
sweep asks for: more than 50 leftover files in several trees, a third banned package
with many files in two trees (so the package snapshot makes many links), a unit, an
account, a group and a config line. What excise must do is still said by the Scenario methods
(after_apply_problems, rollback_differences), with the new paths added to `gone`.

A copy made with `cp -a` records the same manifest as its template (modes, owners,
nanosecond times, hard links, xattrs and ACLs are all kept). A copy is only ever made of
the untouched template: a root that excise has changed holds device and inode numbers in
its journal, which a copy would not match.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess

from .debbuild import Deb, File, build_deb
from .roots import Root
from .scenario import LEFTOVER_MTIME_NS, Scenario, make_fake_product

# A third banned package, dependent on the agent: 12 files under /opt/acme/plugins and
# 12 under /usr/share/acme (a tree of its own, removed by dpkg on purge).
PLUGIN_PACKAGE = "acme-agent-plugins"


def _plugin_deb() -> Deb:
    files: dict[str, File | str | bytes] = {}
    for group in ("net", "fs", "ui"):
        for i in range(4):
            files[f"/opt/acme/plugins/{group}/plugin{i}.so"] = File(
                b"\x7fELF plugin " + group.encode() + b"%d\n" % i, 0o644)
    for group in ("icons", "locale"):
        for i in range(6):
            files[f"/usr/share/acme/{group}/item{i}.dat"] = f"{group} {i}\n"
    return Deb(PLUGIN_PACKAGE, "1.2.3", depends=["acme-agent (= 1.2.3)"],
               description="Acme Endpoint Agent plugins (excise sweep fixture)", files=files)


# Leftovers no package owns, in three more trees; all matched by the playbook.
def _extra_leftovers(r: Root, acme: tuple[int, int], alice: tuple[int, int]) -> list[bytes]:
    made: list[bytes] = []

    def f(path: str, content: str, mode: int, owner: tuple[int, int]) -> None:
        r.put_file(path, content, mode, owner)
        made.append(os.fsencode(path))

    def d(path: str, mode: int, owner: tuple[int, int]) -> None:
        r.put_dir(path, mode, owner)
        made.append(os.fsencode(path))

    d("/opt/acme/data/sessions", 0o750, acme)
    for i in range(12):
        f(f"/opt/acme/data/sessions/s{i:02d}.json", f'{{"session": {i}}}\n', 0o640, acme)
    d("/var/cache/acme", 0o755, acme)
    for sub in ("downloads", "updates", "thumbs"):
        d(f"/var/cache/acme/{sub}", 0o755, acme)
        for i in range(6):
            f(f"/var/cache/acme/{sub}/c{i}.bin", f"{sub} {i}\n" * (i + 1), 0o644, acme)
    d("/home/alice/.config/acme/profiles", 0o700, alice)
    for i in range(6):
        f(f"/home/alice/.config/acme/profiles/p{i}.ini", f"[profile]\nid={i}\n", 0o600, alice)
    for i, p in enumerate(sorted(made)):
        r.set_mtime(p, LEFTOVER_MTIME_NS + 7_000_000_000 + i * 1_000_003)
    return made


# --- A config line (the `line` kind) -----------------------------------------------------
# Removed from a file no product owns, and put back on rollback: the file must read
# LINE_FILE_AFTER after apply (Scenario.edited) and LINE_FILE_BEFORE again after rollback.
LINE_FILE = "/etc/profile.d/site.sh"
LINE_FILE_BEFORE = "export SITE=1\nexport ACME_AGENT_HOME=/opt/acme\nexport PATH=$PATH:/usr/local/bin\n"
LINE_FILE_AFTER = "export SITE=1\nexport PATH=$PATH:/usr/local/bin\n"
LINE_PLAYBOOK_ITEM = """
[[line]]
file = "/etc/profile.d/site.sh"
match = "^export ACME_AGENT_HOME="
"""

EXTRA_GLOBS = ['  "/var/cache/acme",\n']


def _extend_playbook(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = text.replace('names = ["acme-agent", "acme-agent-gui"]',
                        f'names = ["acme-agent", "acme-agent-gui", "{PLUGIN_PACKAGE}"]')
    text = text.replace('  "/var/log/acme",\n', '  "/var/log/acme",\n' + "".join(EXTRA_GLOBS))
    text += LINE_PLAYBOOK_ITEM
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o644)


def make_reference_scenario(tmp: str) -> Scenario:
    sc = make_fake_product(tmp, scripts="run")
    r = sc.root
    deb = build_deb(_plugin_deb(), os.path.join(tmp, "debs"))
    r.install_debs([deb])
    sc.deb_paths[PLUGIN_PACKAGE] = deb
    acme = (r.uid("acme"), r.gid("acme"))
    alice = (r.uid("alice"), r.gid("alice"))
    _extra_leftovers(r, acme, alice)
    r.put_file(LINE_FILE, LINE_FILE_BEFORE, 0o644)
    sc.edited = {**sc.edited, os.fsencode(LINE_FILE): LINE_FILE_AFTER.encode()}
    _extend_playbook(sc.playbook)
    sc.packages = [PLUGIN_PACKAGE] + sc.packages
    sc.gone = sc.gone + [b"/var/cache/acme", b"/usr/share/acme"]
    return sc


def count_files(sc: Scenario) -> int:
    """Regular files, symlinks and fifos under the paths the apply removes."""
    n = 0
    for top in sc.removed():
        h = sc.root.host(top)
        if os.path.isdir(h) and not os.path.islink(h):
            for _, _, files in os.walk(h):
                n += len(files)
        elif os.path.lexists(h):
            n += 1
    return n


def copy_scenario(sc: Scenario, dest: str) -> Scenario:
    """A copy of the template's root at dest (cp -a); same playbook, same expectations."""
    subprocess.run(["cp", "-a", "--", sc.root.path, dest], check=True)
    return dataclasses.replace(sc, root=Root(dest))
