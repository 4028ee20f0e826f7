"""The signature-test world: a fake banned product, its leftovers, and decoys.

    sc = make_fake_product(tmp, scripts="run")
    before = record(sc.root.path)
    ... excise apply --root sc.root.path sc.playbook ...
    assert not sc.after_apply_problems(before)

What is in it (paths inside the root):
  packages (real .debs, installed with the real dpkg, scripts run chrooted):
    acme-agent 1.2.3      /opt/acme/bin/acmed, set-uid /opt/acme/bin/acme-suid, conffile
                          /etc/acme/acme.conf, unit acme-agent.service (WantedBy
                          multi-user.target, Alias acmed.service), docs, empty /opt/acme/data;
                          postinst creates /var/lib/acme/state (owned by acme), postrm purge
                          removes /var/lib/acme
    acme-agent-gui 1.2.3  Depends: acme-agent; /opt/acme/bin/acme-gui, a .desktop file
    acme-shared-config 2.0  INNOCENT: owns /etc/acme-shared.conf (matched by the playbook
                          glob /etc/acme*: a conflict, kept), an enabled unit
                          acme-shared-sync.service, a .desktop file, docs
  accounts: system user+group acme (useradd --root), alice (in group acme), bob
  leftovers (no package owns them): /opt/acme/data/* (hostile names, hard links, a
    set-uid file, a fifo, xattrs, symlinks), /opt/acme/current, /var/log/acme/agent.log,
    /etc/acme-extra.conf (ACL + xattr), ~alice/.config/acme/{settings.json (ACL),
    docs -> /home/alice/Documents} (dir with a default ACL)
  decoys that must survive untouched: /opt/acme-tools, /opt/acmeX, /etc/acme-shared.conf,
    /home/alice/Documents, /home/alice/.config/other-app, /home/bob/.config/acme.bak
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from . import views
from ._util import show
from .acl import ACCESS, DEFAULT, encode_acl
from .debbuild import Deb, File, build_deb, unit_text
from .globs import Matcher
from .manifest import Difference, Manifest, compare, record
from .roots import Root, make_root

# Leftovers and decoys get fixed mtimes with a nanosecond part, so that a restore that
# loses precision (or sets "now") shows up.
LEFTOVER_MTIME_NS = 1_736_000_000_123_456_789  # 2025-01-04T14:13:20.123456789Z

LONG_NAME = b"long-" + "\u00e9".encode() * 125  # 255 bytes, valid UTF-8
ODD_NAMES = [b"line\nbreak.dat", b"tab\there.dat", b"-rf", b"latin1-\xe9\xff.dat", LONG_NAME,
             b"glob*?[x].dat"]

# Files that an apply changes on purpose, whatever the product: never "unexpected".
RUN_RECORDS = ["var/lib/excise/**", "var/log/dpkg.log", "var/lib/dpkg/**",
               "etc/passwd", "etc/group", "etc/shadow", "etc/gshadow",
               "etc/passwd-", "etc/group-", "etc/shadow-", "etc/gshadow-", "etc/.pwd.lock"]
# Directories whose mtime those records change (account files are replaced by rename,
# the state dir appears under var/lib).
RUN_RECORD_PARENTS = [b"/etc", b"/var/lib"]
# What a rollback may leave different: excise's own records and dpkg's log.
ROLLBACK_RECORDS = ["var/lib/excise/**", "var/log/dpkg.log"]
# The trees a scripted purge protects (kinds/package_protect.cpp, script_state_paths):
# excise keeps a hard link to each of their files until the run's quarantine is purged,
# so after apply their link counts are up by one per scripted purge. On a real system
# (a live root, a debootstrap root) pass SCRIPT_STATE_NLINK as `ignore` after apply.
SCRIPT_STATE_TREES = ["etc/alternatives/**", "var/lib/dpkg/alternatives/**", "var/lib/ucf/**",
                      "var/cache/debconf/**", "var/lib/systemd/deb-systemd-helper-enabled/**",
                      "var/lib/systemd/deb-systemd-helper-masked/**"]
SCRIPT_STATE_NLINK = [(glob, "nlink") for glob in SCRIPT_STATE_TREES]


def _debs() -> list[Deb]:
    agent = Deb(
        "acme-agent", "1.2.3",
        description="Acme Endpoint Agent (excise test fixture)\nA fake banned product.",
        files={
            "/opt/acme/bin/acmed": File("#!/bin/sh\necho acmed running\nsleep 3600\n", 0o755),
            "/opt/acme/bin/acme-suid": File("#!/bin/sh\necho privileged helper\n", 0o4755),
            "/opt/acme/lib/libacme.so.1": File(b"\x7fELF not really\x00\x01\x02", 0o644),
            "/etc/acme/acme.conf": "# Acme agent\nserver = acme.example.invalid\nlevel = 3\n",
            "/usr/share/doc/acme-agent/README": "Acme Endpoint Agent\n",
            "/usr/share/doc/acme-agent/copyright": "Copyright Acme Ltd\n",
        },
        directories={"/opt/acme/data": 0o755},
        conffiles=["/etc/acme/acme.conf"],
        units={"acme-agent.service": unit_text("Acme Endpoint Agent", "/opt/acme/bin/acmed",
                                               alias=["acmed.service"], user="acme")},
        scripts={
            "preinst": 'echo "acme-agent preinst $1"\n',
            "postinst": 'if [ "$1" = configure ]; then\n'
                        '  mkdir -p "$DPKG_ROOT/var/lib/acme"\n'
                        '  echo "enrolled=1" > "$DPKG_ROOT/var/lib/acme/state"\n'
                        '  chmod 0600 "$DPKG_ROOT/var/lib/acme/state"\n'
                        '  chown -R acme:acme "$DPKG_ROOT/var/lib/acme"\n'
                        'fi\n',
            "prerm": 'echo "acme-agent prerm $1"\n',
            "postrm": 'if [ "$1" = purge ]; then\n'
                      '  rm -rf "$DPKG_ROOT/var/lib/acme"\n'
                      'fi\n',
        })
    gui = Deb(
        "acme-agent-gui", "1.2.3", depends=["acme-agent (= 1.2.3)"],
        description="Acme Endpoint Agent tray icon (excise test fixture)",
        files={
            "/opt/acme/bin/acme-gui": File("#!/bin/sh\necho gui\n", 0o755),
            "/usr/share/applications/acme-gui.desktop":
                "[Desktop Entry]\nName=Acme\nExec=/opt/acme/bin/acme-gui\nType=Application\n",
            "/usr/share/doc/acme-agent-gui/copyright": "Copyright Acme Ltd\n",
        })
    innocent = Deb(
        "acme-shared-config", "2.0",
        description="Site configuration that merely has a similar name (excise decoy)",
        files={
            "/etc/acme-shared.conf": "# owned by acme-shared-config, not by the banned product\n",
            "/usr/share/applications/site-tool.desktop":
                "[Desktop Entry]\nName=Site tool\nExec=/bin/true\nType=Application\n",
            "/usr/share/doc/acme-shared-config/copyright": "Copyright the site\n",
        },
        conffiles=["/etc/acme-shared.conf"],
        units={"acme-shared-sync.service": unit_text("Site sync (decoy)", "/bin/true")})
    return [agent, gui, innocent]


PLAYBOOK = """\
schema = 1

[product]
id = "acme-agent"
name = "Acme Endpoint Agent"
vendor = "Acme Ltd"
platforms = ["linux"]
banned_by = ["excise end-to-end fixture"]
references = ["https://example.invalid/acme-linux-install-guide"]

[[service]]
units = ["acme-agent.service"]

[[package]]
names = ["acme-agent", "acme-agent-gui"]   # not dependents-first on purpose
manager = "dpkg"
scripts = "{scripts}"

[[path]]
globs = [
  "/opt/acme",
  "/etc/acme*",
  "/var/log/acme",
  "~/.config/acme",
]

[[user]]
names = ["acme"]

[[group]]
names = ["acme"]
"""


@dataclass
class Scenario:
    tmp: str
    root: Root
    playbook: str                      # host path of the product's playbook
    scripts: str                       # run | skip, as in the playbook
    packages: list[str]                # the banned ones, dependents first
    innocent_packages: list[str]
    units: list[str]                   # the banned units (as named in the playbook)
    unit_aliases: list[str]
    innocent_units: list[str]          # enabled, must stay enabled
    users: list[str]
    groups: list[str]
    other_users: list[str]             # must survive (alice loses only her acme membership)
    gone: list[bytes]                  # must not exist after apply (with all beneath)
    survive: list[bytes]               # decoys: must exist, unchanged, after apply
    conflicts: list[bytes]             # matched by a glob but owned by another package
    script_effects: list[bytes]        # removed by the vendor's postrm: gone if scripts=run,
                                       # untouched if scripts=skip
    odd_names: list[bytes]             # hostile-named leftovers (all under /opt/acme/data)
    deb_paths: dict[str, str] = field(default_factory=dict)
    # Files the playbook edits in place (the line kind): path -> content after apply.
    edited: dict[bytes, bytes] = field(default_factory=dict)
    merged_usr: bool = False
    build_seconds: float = 0.0

    def physical(self, path: bytes) -> bytes:
        """The path as a manifest records it: on a merged-/usr root, /lib/x is /usr/lib/x."""
        if self.merged_usr:
            for top in (b"/bin/", b"/sbin/", b"/lib/"):
                if path.startswith(top):
                    return b"/usr" + path
        return path

    # -- expectations after `excise apply` ---------------------------------------------
    def removed(self) -> list[bytes]:
        """Everything that must be gone after apply (top paths; all beneath goes too)."""
        return self.gone + (self.script_effects if self.scripts == "run" else [])

    def kept(self) -> list[bytes]:
        """Everything that must be present and unchanged after apply."""
        return self.survive + (self.script_effects if self.scripts == "skip" else [])

    def unexpected_changes(self, before: Manifest, after: Manifest, exclude=(),
                           ignore=()) -> list[Difference]:
        """Differences an apply should not have made: everything except the removal of
        removed() (and the mtime of their parent directories), the records of the run
        (RUN_RECORDS, RUN_RECORD_PARENTS) and the product's own packages, units and
        accounts in the views. `exclude`/`ignore` as in compare()."""
        removed = [self.physical(p) for p in self.removed()]
        gone = Matcher([p.decode("utf-8", "surrogateescape") + "/**" for p in removed])
        edited = {self.physical(p) for p in self.edited}
        parents = ({os.path.dirname(p) for p in removed + list(edited)}
                   | set(RUN_RECORD_PARENTS))
        diffs = compare(before, after, exclude=RUN_RECORDS + list(exclude), ignore=ignore)
        mine = ({f"package {p}:" for p in self.packages}
                | {f"unit {u}:" for u in self.units + self.unit_aliases}
                | {f"{kind} {n}:" for n in self.users
                   for kind in ("user", "shadow entry")}
                | {f"{kind} {n}:" for n in self.groups for kind in ("group", "gshadow entry")})
        out = []
        for d in diffs:
            if d.kind == "view":
                if any(d.text.startswith(m) for m in mine):
                    continue
            elif d.kind == "missing" and gone.match_or_under(d.path):
                continue
            elif d.kind == "changed" and d.path in edited:
                continue  # what it must read is checked by state_problems
            elif d.kind == "changed" and d.field == "mtime" and d.path in parents \
                    and after[d.path].type == "dir":
                continue
            out.append(d)
        return out

    def state_problems(self) -> list[str]:
        """What is wrong with the root now, if apply was supposed to have run."""
        r, out = self.root, []
        for p in self.removed():
            if r.exists(p):
                out.append(f"still present: {show(p)}")
        for p in self.kept() + self.conflicts:
            if not r.exists(p):
                out.append(f"decoy removed: {show(p)}")
        for p, content in self.edited.items():
            try:
                with open(r.host(p), "rb") as f:
                    if f.read() != content:
                        out.append(f"not edited as expected: {show(p)}")
            except OSError as e:
                out.append(f"edited file unreadable: {show(p)}: {e.strerror}")
        pk = views.dpkg_packages(r.path)
        for p in self.packages:
            if p in pk:
                out.append(f"package {p} still known to dpkg: {' '.join(pk[p])}")
        for p in self.innocent_packages:
            if pk.get(p, ("", ""))[1] != "ii":
                out.append(f"innocent package {p} is {pk.get(p)}")
        for u in self.units + self.unit_aliases:
            state = r.is_enabled(u)
            if state not in ("not-found", "disabled"):
                out.append(f"unit {u} is {state}")
        for u in self.innocent_units:
            if r.is_enabled(u) != "enabled":
                out.append(f"innocent unit {u} is {r.is_enabled(u)}")
        acc = views.accounts(r.path)
        for u in self.users:
            if u in acc["users"] or u in acc["shadow"]:
                out.append(f"user {u} still exists")
        for g in self.groups:
            if g in acc["groups"] or g in acc["gshadow"]:
                out.append(f"group {g} still exists")
        for u in self.other_users:
            if u not in acc["users"]:
                out.append(f"user {u} was removed")
        return out

    def after_apply_problems(self, before: Manifest, after: Manifest | None = None,
                             ignore=()) -> list[str]:
        """state_problems() plus unexpected_changes(), as readable lines."""
        after = after or record(self.root.path)
        return self.state_problems() + [str(d) for d in self.unexpected_changes(before, after,
                                                                                ignore=ignore)]

    def rollback_differences(self, before: Manifest, after: Manifest | None = None,
                             exclude=(), ignore=()) -> list[Difference]:
        """After a rollback the root must equal `before` byte for byte, except
        ROLLBACK_RECORDS (and whatever the caller adds to exclude/ignore)."""
        after = after or record(self.root.path)
        return compare(before, after, exclude=ROLLBACK_RECORDS + list(exclude), ignore=ignore)


def _leftovers(r: Root, acme: tuple[int, int], alice: tuple[int, int],
               bob: tuple[int, int]) -> tuple[list[bytes], list[bytes]]:
    """Creates leftovers and decoys; returns (every path created, the odd names)."""
    made: list[bytes] = []

    def f(path, content, mode=0o644, owner=(0, 0), **kw):
        r.put_file(path, content, mode, owner, **kw)
        made.append(os.fsencode(path))

    def d(path, mode=0o755, owner=(0, 0)):
        r.put_dir(path, mode, owner)
        made.append(os.fsencode(path))

    def s(path, target, owner=(0, 0)):
        r.put_symlink(path, target, owner)
        made.append(os.fsencode(path))

    data = b"/opt/acme/data"
    d(data, 0o750, acme)
    os.setxattr(r.host(data), "user.acme.role", b"cache-dir")
    f(data + b"/cache.db", b"SQLite format 3\x00" + bytes(range(256)) * 4, 0o640, acme,
      xattrs={"user.acme.origin": b"sync", "user.acme.blob": b"\x00\x01\xff"})
    os.link(r.host(data + b"/cache.db"), r.host(data + b"/cache.db.bak"))
    made.append(data + b"/cache.db.bak")
    odd = []
    for i, name in enumerate(ODD_NAMES):
        p = data + b"/" + name
        f(p, b"odd name %d\n" % i, 0o640, acme)
        odd.append(p)
    f(data + b"/acme-helper", "#!/bin/sh\necho helper copy\n", 0o4750, (0, acme[1]))
    s(data + b"/shared.conf", "/etc/acme-shared.conf")       # points at a decoy
    os.mkfifo(r.host(data + b"/control.fifo"))
    os.chown(r.host(data + b"/control.fifo"), *acme)
    os.chmod(r.host(data + b"/control.fifo"), 0o660)
    made.append(data + b"/control.fifo")
    s("/opt/acme/current", "bin")

    d("/var/log/acme", 0o750, acme)
    f("/var/log/acme/agent.log", "2025-01-04 agent started\n2025-01-04 enrolled\n", 0o640, acme,
      xattrs={"user.acme.rotated": b"0"})
    f("/etc/acme-extra.conf", "extra = yes\n", 0o644, xattrs={"user.acme.managed": b"1"})
    os.setxattr(r.host("/etc/acme-extra.conf"), ACCESS,
                encode_acl(f"user::rw-,user:{acme[0]}:r--,group::r--,mask::r--,other::r--"))

    d("/home/alice/.config", 0o755, alice)
    d("/home/alice/.config/acme", 0o700, alice)
    os.setxattr(r.host("/home/alice/.config/acme"), DEFAULT,
                encode_acl(f"user::rwx,user:{acme[0]}:r-x,group::---,mask::r-x,other::---"))
    f("/home/alice/.config/acme/settings.json", '{"tray": true, "server": "acme.example.invalid"}\n',
      0o600, alice)
    os.setxattr(r.host("/home/alice/.config/acme/settings.json"), ACCESS,
                encode_acl(f"user::rw-,user:{acme[0]}:r--,group::---,mask::r--,other::---"))
    s("/home/alice/.config/acme/docs", "/home/alice/Documents", alice)

    # Decoys.
    d("/home/alice/Documents", 0o755, alice)
    f("/home/alice/Documents/report.txt", "alice's own work, not Acme's\n", 0o644, alice)
    d("/home/alice/.config/other-app", 0o755, alice)
    f("/home/alice/.config/other-app/config", "keep me\n", 0o644, alice)
    d("/home/bob/.config", 0o755, bob)
    d("/home/bob/.config/acme.bak", 0o755, bob)
    f("/home/bob/.config/acme.bak/notes.txt", "similar name, not a target\n", 0o644, bob)
    d("/opt/acme-tools")
    d("/opt/acme-tools/bin")
    f("/opt/acme-tools/bin/tool", "#!/bin/sh\necho not acme\n", 0o755)
    f("/opt/acme-tools/README", "A different product with a similar name.\n")
    d("/opt/acmeX")
    f("/opt/acmeX/keep.txt", "keep\n")

    for i, p in enumerate(sorted(made)):
        r.set_mtime(p, LEFTOVER_MTIME_NS + i * 1_000_003)
    return made, odd


def product_debs() -> list[Deb]:
    """The fake product's packages (acme-agent, acme-agent-gui) and the innocent one."""
    return _debs()


def add_leftovers(root: Root) -> list[bytes]:
    """Creates the leftovers and decoys in a root where the product is installed and the
    accounts acme, alice and bob exist; returns the odd names."""
    acme = (root.uid("acme"), root.gid("acme"))
    _, odd = _leftovers(root, acme, (root.uid("alice"), root.gid("alice")),
                        (root.uid("bob"), root.gid("bob")))
    return odd


def write_playbook(tmp: str, scripts: str) -> str:
    """tmp/playbooks/acme-agent.toml (mode 0644 in a 0755 directory, as the loader's
    trust check wants); returns its path."""
    pbdir = os.path.join(tmp, "playbooks")
    os.makedirs(pbdir, exist_ok=True)
    os.chmod(pbdir, 0o755)
    playbook = os.path.join(pbdir, "acme-agent.toml")
    with open(playbook, "w", encoding="utf-8") as fh:
        fh.write(PLAYBOOK.format(scripts=scripts))
    os.chmod(playbook, 0o644)
    return playbook


def describe_fake_product(tmp: str, root: Root, playbook: str, scripts: str, *,
                          deb_paths: dict[str, str], odd_names: list[bytes],
                          merged_usr: bool = False, build_seconds: float = 0.0) -> Scenario:
    """The expectations (what must go, what must stay) for the fake product in `root`,
    however it was put there."""
    return Scenario(
        tmp=tmp, root=root, playbook=playbook, scripts=scripts,
        packages=["acme-agent-gui", "acme-agent"],
        innocent_packages=["acme-shared-config"],
        units=["acme-agent.service"], unit_aliases=["acmed.service"],
        innocent_units=["acme-shared-sync.service"],
        users=["acme"], groups=["acme"], other_users=["alice", "bob"],
        gone=[b"/opt/acme", b"/etc/acme", b"/etc/acme-extra.conf",
              b"/lib/systemd/system/acme-agent.service",
              b"/etc/systemd/system/acmed.service",
              b"/etc/systemd/system/multi-user.target.wants/acme-agent.service",
              b"/usr/share/doc/acme-agent", b"/usr/share/doc/acme-agent-gui",
              b"/usr/share/applications/acme-gui.desktop",
              b"/var/log/acme", b"/home/alice/.config/acme"],
        survive=[b"/opt/acme-tools", b"/opt/acmeX", b"/etc/acme-shared.conf",
                 b"/home/alice/Documents", b"/home/alice/.config/other-app",
                 b"/home/bob/.config/acme.bak",
                 b"/lib/systemd/system/acme-shared-sync.service",
                 b"/etc/systemd/system/multi-user.target.wants/acme-shared-sync.service",
                 b"/usr/share/applications/site-tool.desktop",
                 b"/usr/share/doc/acme-shared-config"],
        conflicts=[b"/etc/acme-shared.conf"],
        script_effects=[b"/var/lib/acme"],
        odd_names=odd_names, deb_paths=deb_paths, merged_usr=merged_usr,
        build_seconds=build_seconds)


def make_fake_product(tmp: str, scripts: str = "run", *, merged_usr: bool = False) -> Scenario:
    """Builds the world under tmp (root in tmp/root, packages in tmp/debs, playbook in
    tmp/playbooks/acme-agent.toml) and returns its description."""
    if scripts not in ("run", "skip"):
        raise ValueError(f"scripts must be run or skip, not {scripts!r}")
    t0 = time.monotonic()
    root = make_root(os.path.join(tmp, "root"), merged_usr=merged_usr)
    debdir = os.path.join(tmp, "debs")
    debs = {deb.name: build_deb(deb, debdir) for deb in _debs()}

    root.add_system_user("acme", home="/var/lib/acme")       # before install: postinst chowns
    root.add_user("alice", groups=["acme"])
    root.add_user("bob")
    root.install_debs([debs["acme-agent"], debs["acme-agent-gui"], debs["acme-shared-config"]],
                      expect_paths=["/var/lib/acme/state"])
    root.enable_units("acme-agent.service", "acme-shared-sync.service")
    odd = add_leftovers(root)
    playbook = write_playbook(tmp, scripts)
    return describe_fake_product(tmp, root, playbook, scripts, deb_paths=debs, odd_names=odd,
                                 merged_usr=merged_usr, build_seconds=time.monotonic() - t0)
