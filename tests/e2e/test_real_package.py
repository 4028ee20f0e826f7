"""The round trip with a real Debian package: vnstat from the Debian archive, installed
by the real dpkg into a real debootstrap root, removed by excise with the vendor's real
maintainer scripts (scripts = "run") and without them (scripts = "skip"), then rolled
back, and the root compared with its record byte for byte.

vnstat is small (one .deb, 0.1 MB) and does what a banned daemon does: its postinst
creates a system user and group (adduser), enables vnstat.service (deb-systemd-helper:
a .wants link plus Debian's state in /var/lib/systemd/deb-systemd-helper-enabled) and
SysV links (update-rc.d: /etc/rc?.d/[SK]01vnstat); its postrm purge runs `userdel
vnstat`, `update-rc.d vnstat remove`, `rm -rf /var/lib/vnstat/` and
`deb-systemd-helper purge`. With scripts = "run" these run chrooted into the root
(dpkg --root), and excise must restore all they touched.

The root: a debootstrap minbase (cached per day under /var/cache/excise-tests, see
excise_e2e.debian) with an overlay mounted over it per test in a private mount
namespace, so the cache is never written and every test starts from the same bytes.
Overlay quirk: renaming a directory of the lower layer gives EXDEV, so excise's
quarantine takes its copy fallback for such trees (checked in the notes).

Skipped (with the reason) when the Debian archive cannot be reached and nothing is cached.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403
from excise_e2e import debian, sandbox  # noqa: E402

# What the base needs for vnstat's Depends beyond minbase (debootstrap resolves theirs).
BASE_INCLUDE = ["adduser", "libsqlite3-0"]
PACKAGE = "vnstat"
UNIT = "vnstat.service"

PLAYBOOK = """\
schema = 1

[product]
id = "vnstat"
name = "vnStat network traffic monitor"
vendor = "Debian"
platforms = ["linux"]
banned_by = ["excise end-to-end test with a real Debian package"]
references = ["https://packages.debian.org/bookworm/vnstat"]

[[service]]
units = ["vnstat.service"]
init_scripts = ["vnstat"]

[[package]]
names = ["vnstat"]
manager = "dpkg"
scripts = "{scripts}"

[[path]]
globs = ["/var/lib/vnstat", "/var/log/vnstat", "/etc/vnstat.conf"]

[[user]]
names = ["vnstat"]

[[group]]
names = ["vnstat"]
"""

# Gone after apply (with everything beneath). The debootstrap root has merged /usr:
# /lib/systemd/system/vnstat.service is physically /usr/lib/systemd/system/vnstat.service.
GONE = [b"/usr/bin/vnstat", b"/usr/sbin/vnstatd", b"/etc/vnstat.conf", b"/etc/init.d/vnstat",
        b"/usr/lib/systemd/system/vnstat.service", b"/usr/share/doc/vnstat",
        b"/usr/share/cruft/rules/vnstat",
        b"/etc/systemd/system/multi-user.target.wants/vnstat.service",
        b"/var/lib/systemd/deb-systemd-helper-enabled/vnstat.service.dsh-also",
        b"/var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/vnstat.service",
        b"/var/lib/vnstat", b"/var/log/vnstat"] + [
        b"/etc/rc%d.d/%s01vnstat" % (n, b"S" if 2 <= n <= 5 else b"K") for n in range(7)]
# Decoys: similar names the playbook does not name.
DECOYS = [b"/var/lib/vnstati", b"/etc/vnstat.conf.d-not-ours", b"/var/log/vnstat.old"]
# Written by every apply or rollback on purpose (excise's state, dpkg's log) and by the
# account tools the vendor's postrm runs (backups, lock); the root's views (packages,
# units, accounts) are checked separately.
APPLY_RECORDS = ROLLBACK_RECORDS + [
    "var/lib/dpkg/**", "etc/passwd", "etc/group", "etc/shadow", "etc/gshadow",
    "etc/passwd-", "etc/group-", "etc/shadow-", "etc/gshadow-", "etc/.pwd.lock"]

PROTECTED_TREES = Matcher(SCRIPT_STATE_TREES)

TIMINGS: list[str] = []


class RealPackage(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        require_excise()
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root (debootstrap, dpkg --root, mount)")
        if not sandbox.has_overlayfs():
            raise unittest.SkipTest("the kernel has no overlayfs")
        t0 = time.monotonic()
        cls.base = debian.debootstrap_base(include=BASE_INCLUDE)
        cls.deb = debian.download_debs(cls.base, [PACKAGE])[PACKAGE]
        TIMINGS.append(f"debootstrap base and {os.path.basename(cls.deb)} "
                       f"(cached in {cls.base.path}): {time.monotonic() - t0:.1f} s")
        sandbox.enter_private_mount_namespace()

    def setUp(self):
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)

    def excise(self, *args, expect=0, **kw):
        r = run_excise(*args, **kw)
        self.assertEqual(r.code, expect, str(r))
        return r

    def make_world(self, scripts: str):
        """The overlay root with vnstat installed for real, the daemon's data and log as
        it would have left them, decoys, and the playbook."""
        self.overlay = sandbox.OverlayRoot(os.path.join(self.tmp, "root"), [self.base.root],
                                           os.path.join(self.tmp, "layers"))
        root = Root(self.overlay.path)
        out = root.install_debs([self.deb], expect_paths=["/var/lib/vnstat"])
        self.assertEqual(root.is_enabled(UNIT), "enabled", out)
        uid, gid = root.uid("vnstat"), root.gid("vnstat")
        # What the running daemon writes (it never ran: policy-rc.d and no init).
        root.put_file("/var/lib/vnstat/vnstat.db", b"SQLite format 3\x00" + bytes(512), 0o644,
                      (uid, gid))
        root.put_dir("/var/log/vnstat", 0o755, (uid, gid))
        root.put_file("/var/log/vnstat/vnstat.log", "[2025-01-04] vnStat daemon started\n",
                      0o644, (uid, gid))
        root.put_dir("/var/lib/vnstati", 0o755)
        root.put_file("/var/lib/vnstati/keep", "a different tool's data\n")
        root.put_file("/etc/vnstat.conf.d-not-ours", "similar name, not named\n")
        root.put_file("/var/log/vnstat.old", "rotated by hand, not named\n")
        for i, p in enumerate(["/var/lib/vnstat/vnstat.db", "/var/log/vnstat/vnstat.log",
                               "/var/log/vnstat", "/var/lib/vnstati/keep", "/var/lib/vnstati",
                               "/etc/vnstat.conf.d-not-ours", "/var/log/vnstat.old"]):
            root.set_mtime(p, 1_736_000_000_123_456_789 + i * 1_000_003)
        # Installed long ago: from here on, the package and its data are a lower layer.
        self.overlay.freeze()
        pbdir = os.path.join(self.tmp, "playbooks")
        os.makedirs(pbdir, mode=0o755)
        os.chmod(pbdir, 0o755)
        playbook = os.path.join(pbdir, "vnstat.toml")
        with open(playbook, "w", encoding="utf-8") as f:
            f.write(PLAYBOOK.format(scripts=scripts))
        os.chmod(playbook, 0o644)
        return root, playbook

    def apply_problems(self, root, listed, before, after) -> list[str]:
        """What is wrong after apply: the product still there, a decoy touched, or any
        change but the removals (GONE and what dpkg listed for the package), their
        parents' mtimes and the records of the run."""
        problems = []
        if PACKAGE in dpkg_packages(root.path):
            problems.append(f"dpkg still knows {PACKAGE}: {dpkg_packages(root.path)[PACKAGE]}")
        if root.is_enabled(UNIT) not in ("not-found", "disabled"):
            problems.append(f"{UNIT} is {root.is_enabled(UNIT)}")
        acc = accounts(root.path)
        for table in ("users", "groups", "shadow", "gshadow"):
            if "vnstat" in acc[table]:
                problems.append(f"vnstat is still in {table}")
        for p in GONE:
            if root.exists(p):
                problems.append(f"still present: {show(p)}")
        for p in DECOYS:
            if not root.exists(p):
                problems.append(f"decoy removed: {show(p)}")
        removed = GONE + listed
        gone = Matcher([p.decode("utf-8", "surrogateescape") + "/**" for p in GONE])
        parents = {os.path.dirname(p) for p in removed} | {b"/etc", b"/var/lib", b"/var/log"}
        for d in compare(before, after, exclude=APPLY_RECORDS):
            if d.kind == "view" and ("vnstat" in d.text.split(":")[0]):
                continue
            if d.kind == "missing" and (gone.match_or_under(d.path) or d.path in listed):
                continue
            if d.kind == "changed" and d.field == "mtime" and d.path in parents:
                continue
            # A scripted purge keeps a hard link to every file of the trees the vendor's
            # scripts may rewrite (package_protect.cpp), until the run's quarantine is
            # purged: their link count is up by one, nothing else.
            if d.kind == "changed" and d.field == "nlink" and d.new == d.old + 1 and \
                    PROTECTED_TREES.match_or_under(d.path):
                continue
            problems.append(str(d))
        return problems

    def listed(self, root) -> list[bytes]:
        """What dpkg lists for the package (files, and directories it removes when they
        end up empty), as physical paths in the root (merged /usr: dpkg says
        /lib/systemd/..., the file is /usr/lib/systemd/...)."""
        proc = run_tool(["dpkg-query", f"--admindir={root.admindir}", "-L", PACKAGE])
        out = []
        for line in proc.stdout.splitlines():
            if not line.startswith("/") or line == "/.":
                continue
            host = os.path.realpath(os.path.join(root.path, line.lstrip("/")))
            if host.startswith(root.path + "/"):
                out.append(os.fsencode(host[len(root.path):]))
        return out

    def round_trip(self, scripts: str):
        t0 = time.monotonic()
        root, playbook = self.make_world(scripts)
        R = root.path
        t_world = time.monotonic() - t0
        before = record(R)
        t_record = time.monotonic() - t0 - t_world

        plan = self.excise("plan", "--root", R, "--format", "json", playbook, expect=2).json()
        actions = {(s["action"], s["target"]) for s in plan["steps"]}
        self.assertIn(("package.purge", PACKAGE), actions, plan["steps"])
        self.assertIn(("account.remove-user", "vnstat"), actions, plan["steps"])
        self.assertFalse(plan["blocked"], plan["blocked"])

        self.excise("apply", "--dry-run", "--root", R, playbook)
        self.assertEqual([str(d) for d in compare(before, record(R))], [],
                         "the dry run changed the root")

        listed = self.listed(root)
        r = self.excise("apply", "--yes", "--root", R, "--format", "json", playbook)
        report = r.json()
        self.assertTrue(report["changed"])
        # /var/log/vnstat and /var/lib/vnstat are lower-layer directories: EXDEV, copied.
        # (With the scripts, the postrm's `rm -rf /var/lib/vnstat/` came first.)
        notes = [n for s in report["steps"] for n in s["notes"]]
        for path in ["/var/log/vnstat"] + (["/var/lib/vnstat"] if scripts == "skip" else []):
            self.assertIn(f"moved by copy (another file system): {path}", notes,
                          "\n".join(notes))
        self.assertEqual(self.apply_problems(root, listed, before, record(R)), [])

        self.excise("plan", "--root", R, playbook, expect=0)

        self.excise("rollback", "--root", R, "--last", "--yes")
        diffs = [str(d) for d in compare(before, record(R), exclude=ROLLBACK_RECORDS)]
        self.assertEqual(diffs, [], "rollback did not restore the record")
        self.assertEqual(dpkg_packages(R).get(PACKAGE, ("", ""))[1], "ii")
        self.assertEqual(root.is_enabled(UNIT), "enabled")
        TIMINGS.append(f"round trip (scripts={scripts}): world {t_world:.1f} s, record "
                       f"{t_record:.1f} s, total {time.monotonic() - t0:.1f} s")
        return report

    def test_merged_usr_files_of_other_packages_are_kept(self):
        """On a merged-/usr root dpkg knows util-linux's files as /lib/systemd/system/...
        and /sbin/fstrim; found at /usr/lib/... and /usr/sbin/..., they are still
        util-linux's: conflicts, never steps. (excise once took them for nobody's.)"""
        overlay = sandbox.OverlayRoot(os.path.join(self.tmp, "root"), [self.base.root],
                                      os.path.join(self.tmp, "layers"))
        pbdir = os.path.join(self.tmp, "playbooks")
        os.makedirs(pbdir, mode=0o755)
        playbook = os.path.join(pbdir, "fstrim.toml")
        with open(playbook, "w", encoding="utf-8") as f:
            f.write('schema = 1\n\n[product]\nid = "fstrim-by-mistake"\nname = "fstrim"\n\n'
                    '[[service]]\nunits = ["fstrim.timer"]\n\n'
                    '[[path]]\nglobs = ["/usr/lib/systemd/system/fstrim.*", "/usr/sbin/fstrim"]\n')
        os.chmod(playbook, 0o644)
        plan = self.excise("plan", "--root", overlay.path, "--format", "json", playbook,
                           expect=2).json()
        owned = {"/usr/lib/systemd/system/fstrim.timer", "/usr/lib/systemd/system/fstrim.service",
                 "/usr/sbin/fstrim"}
        self.assertEqual([s["target"] for s in plan["steps"] if s["target"] in owned], [])
        self.assertEqual({c["target"] for c in plan["conflicts"]}, owned)

    def test_round_trip_with_maintainer_scripts(self):
        self.round_trip("run")

    def test_round_trip_without_maintainer_scripts(self):
        self.round_trip("skip")


if __name__ == "__main__":
    t0 = time.monotonic()
    prog = unittest.main(exit=False, verbosity=2)
    for line in TIMINGS:
        print(line, file=sys.stderr)
    print(f"test_real_package: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    sys.exit(not prog.result.wasSuccessful())
