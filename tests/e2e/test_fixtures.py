#!/usr/bin/python3
"""Self-test of the end-to-end library (tests/e2e/lib/excise_e2e): the fixtures must be
right before they can judge excise. Needs root; does not need the excise binary."""

import hashlib
import os
import stat
import sys
import textwrap
import time
import tomllib
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))

from excise_e2e import (ACL_ACCESS, Deb, File, build_deb, compare, decode_acl, dpkg_packages,  # noqa: E402
                        format_time, make_fake_product, make_root, make_temp_dir, record, remove_temp_dir,
                        run, run_and_kill, run_excise, run_tool, show, unit_state, unit_text)
from excise_e2e.reference import reference_apply  # noqa: E402

TIMINGS: list[str] = []


def texts(diffs) -> list[str]:
    return [str(d) for d in diffs]


@unittest.skipUnless(os.geteuid() == 0, "needs root (dpkg --root, useradd --root, chown)")
class WithTemp(unittest.TestCase):
    def setUp(self):
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)


class ScenarioTest(WithTemp):
    """The fake product world, in both scripts modes, is what the brief says."""

    def build(self, scripts):
        t0 = time.monotonic()
        sc = make_fake_product(os.path.join(self.tmp, scripts), scripts)
        TIMINGS.append(f"make_fake_product(scripts={scripts!r}): {time.monotonic() - t0:.2f} s")
        return sc

    def check_world(self, sc):
        r = sc.root
        pk = dpkg_packages(r.path)
        for p in sc.packages + sc.innocent_packages:
            self.assertEqual(pk.get(p, ("", ""))[1], "ii", f"{p}: {pk.get(p)}")
        self.assertEqual(pk["acme-agent"][0], "1.2.3")
        # The dependent really depends on the product (dependents-first is exercised).
        dep = run_tool(["dpkg-query", f"--admindir={r.admindir}", "-W", "-f", "${Depends}",
                        "acme-agent-gui"]).stdout
        self.assertIn("acme-agent", dep)
        # The conflict: matched by /etc/acme*, owned by the innocent package.
        owner = run_tool(["dpkg-query", f"--admindir={r.admindir}", "-S", "/etc/acme-shared.conf"])
        self.assertTrue(owner.stdout.startswith("acme-shared-config:"), owner.stdout)
        # Scripts really ran, chrooted, and dpkg logged inside the root.
        self.assertEqual(r.read("/var/lib/acme/state"), b"enrolled=1\n")
        self.assertEqual(os.stat(r.host("/var/lib/acme/state")).st_uid, r.uid("acme"))
        self.assertIn(b"install acme-agent:all <none> 1.2.3", r.read("/var/log/dpkg.log"))
        # Units.
        self.assertEqual(unit_state(r.path, "acme-agent.service"), "enabled")
        self.assertEqual(r.is_enabled("acme-shared-sync.service"), "enabled")
        self.assertEqual(r.is_enabled("acmed.service"), "alias")
        self.assertEqual(os.readlink(r.host("/etc/systemd/system/multi-user.target.wants/"
                                            "acme-agent.service")),
                         b"/lib/systemd/system/acme-agent.service")
        # Accounts.
        self.assertLess(r.uid("acme"), 1000)
        self.assertEqual(r.gid("acme"), r.uid("acme"))
        group = r.read("/etc/group").decode()
        self.assertIn(f"acme:x:{r.gid('acme')}:alice\n", group)
        self.assertTrue(os.path.isdir(r.host("/home/alice")))
        st = os.stat(r.host("/etc/shadow"))
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_gid), (0o640, 42))
        # Leftovers with their hostile properties.
        for p in sc.odd_names:
            self.assertTrue(r.exists(p), show(p))
        self.assertIn(255, [len(os.path.basename(p)) for p in sc.odd_names])
        self.assertTrue(os.stat(r.host("/opt/acme/bin/acme-suid")).st_mode & stat.S_ISUID)
        self.assertTrue(os.stat(r.host("/opt/acme/data/acme-helper")).st_mode & stat.S_ISUID)
        a, b = os.stat(r.host("/opt/acme/data/cache.db")), os.stat(r.host("/opt/acme/data/cache.db.bak"))
        self.assertEqual((a.st_ino, a.st_nlink), (b.st_ino, 2))
        self.assertEqual(os.getxattr(r.host("/opt/acme/data/cache.db"), "user.acme.origin"), b"sync")
        getfacl = run_tool(["getfacl", "-n", "-c", "-p", r.host("/etc/acme-extra.conf").decode()]).stdout
        self.assertIn(f"user:{r.uid('acme')}:r--", getfacl)
        self.assertEqual(decode_acl(os.getxattr(r.host("/etc/acme-extra.conf"), ACL_ACCESS)),
                         f"user::rw-,user:{r.uid('acme')}:r--,group::r--,mask::r--,other::r--")
        self.assertEqual(os.readlink(r.host("/home/alice/.config/acme/docs")), b"/home/alice/Documents")
        for p in sc.survive + sc.conflicts + sc.gone:
            self.assertTrue(r.exists(p), show(p))
        # Playbook: valid TOML, schema 1, what the brief lists.
        with open(sc.playbook, "rb") as f:
            pb = tomllib.load(f)
        self.assertEqual(pb["schema"], 1)
        self.assertEqual(pb["product"]["id"], "acme-agent")
        self.assertEqual(pb["service"][0]["units"], ["acme-agent.service"])
        self.assertEqual(set(pb["package"][0]["names"]), set(sc.packages))
        self.assertEqual(pb["package"][0]["scripts"], sc.scripts)
        self.assertIn("~/.config/acme", pb["path"][0]["globs"])
        self.assertIn("/etc/acme*", pb["path"][0]["globs"])
        self.assertEqual(pb["user"][0]["names"], ["acme"])
        self.assertEqual(pb["group"][0]["names"], ["acme"])
        st = os.stat(sc.playbook)
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o644))
        # Recording twice gives no difference (files, xattrs, links, views).
        m1, m2 = record(r.path), record(r.path)
        self.assertEqual(texts(compare(m1, m2)), [])
        self.assertIn("acme-agent", m1.views["packages"])

    def test_scripts_run(self):
        self.check_world(self.build("run"))

    def test_scripts_skip(self):
        self.check_world(self.build("skip"))

    def test_host_untouched(self):
        watched = ("/etc/passwd", "/etc/group", "/var/lib/dpkg/status")

        def acme_lines():
            out = {}
            for p in watched:
                with open(p, "rb") as f:
                    out[p] = [l for l in f if l.startswith((b"acme", b"Package: acme"))]
            return out

        before = acme_lines()
        self.build("run")
        self.assertEqual(acme_lines(), before)

    def test_reference_apply_meets_expectations(self):
        """A hand-made apply with the real tools reaches exactly the expected state, so
        the scenario's expectations are consistent; and a harmed decoy is caught."""
        for scripts, merged in (("run", False), ("skip", False), ("run", True)):
            with self.subTest(scripts=scripts, merged_usr=merged):
                sc = make_fake_product(os.path.join(self.tmp, f"ref-{scripts}-{merged}"), scripts,
                                       merged_usr=merged)
                before = record(sc.root.path)
                reference_apply(sc)
                after = record(sc.root.path)
                self.assertEqual(sc.after_apply_problems(before, after), [])
                self.assertEqual(sc.root.exists("/var/lib/acme/state"), scripts == "skip")
                self.assertTrue(sc.root.exists("/etc/acme-shared.conf"))
                os.unlink(sc.root.host("/home/alice/Documents/report.txt"))
                problems = sc.after_apply_problems(before)
                self.assertIn("missing: /home/alice/Documents/report.txt (file)", problems)
                self.assertIn("changed mtime", " ".join(problems))
                self.assertNotEqual(sc.rollback_differences(before, after), [])

    def test_merged_usr_root(self):
        r = make_root(os.path.join(self.tmp, "merged"), merged_usr=True)
        self.assertEqual(os.readlink(os.path.join(r.path, "lib")), "usr/lib")
        deb = build_deb(Deb("tiny", "1", files={"/usr/bin/tiny": File("#!/bin/sh\n", 0o755)},
                            units={"tiny.service": unit_text("tiny", "/usr/bin/tiny")},
                            scripts={"postinst": "touch /var/lib/tiny-configured\n"}),
                        os.path.join(self.tmp, "debs"))
        r.install_debs([deb], expect_paths=["/var/lib/tiny-configured"])
        self.assertTrue(os.path.isfile(os.path.join(r.path, "usr/lib/systemd/system/tiny.service")))
        r.enable_units("tiny.service")
        self.assertEqual(r.is_enabled("tiny.service"), "enabled")


class DebBuildTest(WithTemp):
    def test_package_contents_and_reproducibility(self):
        deb = Deb("demo", "2.1-1", depends=["libc6", "demo-data (>= 2)"],
                  description="demo\nlong text\n\nsecond paragraph",
                  files={"/usr/bin/demo-suid": File(b"\x00bin", 0o4755),
                         "/etc/demo.conf": "a = 1\n"},
                  directories={"/var/lib/demo": 0o750},
                  symlinks={"/usr/bin/demo": "demo-suid"},
                  conffiles=["/etc/demo.conf"],
                  scripts={"postrm": "rm -rf /var/lib/demo\n"},
                  units={"demo.service": unit_text("Demo", "/usr/bin/demo", alias=["d.service"])})
        p1 = build_deb(deb, os.path.join(self.tmp, "a"))
        p2 = build_deb(deb, os.path.join(self.tmp, "b"))
        digest = []
        for p in (p1, p2):
            with open(p, "rb") as f:
                digest.append(hashlib.sha256(f.read()).hexdigest())
        self.assertEqual(digest[0], digest[1], "builds are not reproducible")
        self.assertEqual(os.path.basename(p1), "demo_2.1-1_all.deb")
        info = run_tool(["dpkg-deb", "-I", p1]).stdout
        self.assertIn("Depends: libc6, demo-data (>= 2)", info)
        self.assertIn("  .\n  second paragraph", info)
        self.assertIn("conffiles", info)
        self.assertEqual(run_tool(["dpkg-deb", "-f", p1, "Architecture"]).stdout.strip(), "all")
        listing = run_tool(["dpkg-deb", "-c", p1]).stdout
        self.assertRegex(listing, r"-rwsr-xr-x root/root .* \./usr/bin/demo-suid")
        self.assertRegex(listing, r"drwxr-x--- root/root .* \./var/lib/demo/")
        self.assertRegex(listing, r"\./usr/bin/demo -> demo-suid")
        self.assertIn("./lib/systemd/system/demo.service", listing)
        self.assertIn("2025-01-01 00:00", listing)
        with self.assertRaises(ValueError):
            build_deb(Deb("bad", conffiles=["/etc/missing"]), self.tmp)


class ManifestTest(WithTemp):
    """Each kind of change is reported, exactly and only once."""

    def setUp(self):
        super().setUp()
        self.sc = make_fake_product(self.tmp, "skip")
        self.r = self.sc.root
        self.base = record(self.r.path)

    def expect(self, mutate, undo, expected, **kw):
        mutate()
        got = texts(compare(self.base, record(self.r.path), **kw))
        undo()
        self.assertEqual(got, expected)
        self.assertEqual(texts(compare(self.base, record(self.r.path))), [], "undo left a change")

    def h(self, p):
        return self.r.host(p)

    def keep_mtime(self, *paths):
        """A function that puts back the current mtimes of paths."""
        saved = [(p, os.lstat(self.h(p)).st_mtime_ns) for p in paths]
        return lambda: [os.utime(self.h(p), ns=(t, t), follow_symlinks=False) for p, t in saved]

    def t(self, p):
        return self.base[p].mtime

    def test_content(self):
        p = "/etc/acme-extra.conf"
        back = self.keep_mtime(p)
        old = self.base[p].content

        def mutate():
            with open(self.h(p), "r+b") as f:
                f.write(b"EXTRA")            # same size
            back()

        def undo():
            with open(self.h(p), "r+b") as f:
                f.write(b"extra")
            back()
        new = hashlib.sha256(b"EXTRA = yes\n").hexdigest()
        self.expect(mutate, undo, [f"changed content: {p} (sha256 {old[:16]} → sha256 {new[:16]})"])

    def test_mode_owner_mtime(self):
        p = "/opt/acmeX/keep.txt"
        self.expect(lambda: os.chmod(self.h(p), 0o4600), lambda: os.chmod(self.h(p), 0o644),
                    [f"changed mode: {p} (0644 → 4600)"])
        self.expect(lambda: os.chown(self.h(p), 1000, 1001), lambda: os.chown(self.h(p), 0, 0),
                    [f"changed uid: {p} (0 → 1000)", f"changed gid: {p} (0 → 1001)"])
        t = self.t(p)
        self.expect(lambda: os.utime(self.h(p), ns=(t, t + 1)),
                    lambda: os.utime(self.h(p), ns=(t, t)),
                    [f"changed mtime: {p} (2025-01-04T14:13:20.{(t % 10**9):09d}Z → "
                     f"2025-01-04T14:13:20.{(t % 10**9) + 1:09d}Z)"])

    def test_xattrs_and_acl(self):
        p = "/var/log/acme/agent.log"
        self.expect(lambda: os.setxattr(self.h(p), "user.acme.rotated", b"1"),
                    lambda: os.setxattr(self.h(p), "user.acme.rotated", b"0"),
                    [f"changed xattr user.acme.rotated: {p} (b'0' → b'1')"])
        self.expect(lambda: os.setxattr(self.h(p), "user.new", b"x"),
                    lambda: os.removexattr(self.h(p), "user.new"),
                    [f"extra xattr user.new: {p} (b'x')"])
        self.expect(lambda: os.removexattr(self.h(p), "user.acme.rotated"),
                    lambda: os.setxattr(self.h(p), "user.acme.rotated", b"0"),
                    [f"missing xattr user.acme.rotated: {p} (b'0')"])
        q = "/etc/acme-extra.conf"
        acme = self.r.uid("acme")
        self.expect(lambda: run_tool(["setfacl", "-m", f"u:{acme}:rw", self.h(q).decode()]),
                    lambda: run_tool(["setfacl", "-m", f"u:{acme}:r,m::r", self.h(q).decode()]),
                    [f"changed mode: {q} (0644 → 0664)",
                     f"changed xattr {ACL_ACCESS}: {q} (user::rw-,user:{acme}:r--,group::r--,"
                     f"mask::r--,other::r-- → user::rw-,user:{acme}:rw-,group::r--,mask::rw-,"
                     f"other::r--)"])
        # Dirs carry xattrs too (a default ACL here); hard links share them.
        self.assertIn("system.posix_acl_default", dict(self.base["/home/alice/.config/acme"].xattrs))
        c = "/opt/acme/data/cache.db"
        self.expect(lambda: os.setxattr(self.h(c), "user.acme.origin", b"x"),
                    lambda: os.setxattr(self.h(c), "user.acme.origin", b"sync"),
                    [f"changed xattr user.acme.origin: {c} (b'sync' → b'x')",
                     f"changed xattr user.acme.origin: {c}.bak (b'sync' → b'x')"])

    def test_symlink_target(self):
        p = "/opt/acme/current"
        back = self.keep_mtime(p, "/opt/acme")

        def retarget(target):
            def go():
                os.symlink(target, self.h(p + ".new"))
                os.rename(self.h(p + ".new"), self.h(p))
                back()
            return go
        self.expect(retarget("lib"), retarget("bin"), [f"changed target: {p} (bin → lib)"])

    def test_hard_link_broken(self):
        a, b = "/opt/acme/data/cache.db", "/opt/acme/data/cache.db.bak"
        back = self.keep_mtime(a, "/opt/acme/data")

        def copy_over(src, dst):
            run_tool(["cp", "-a", self.h(src).decode(), self.h(dst + ".tmp").decode()])
            os.rename(self.h(dst + ".tmp"), self.h(dst))
            back()

        def relink():
            os.link(self.h(a), self.h(b + ".tmp"))
            os.rename(self.h(b + ".tmp"), self.h(b))
            back()
        self.expect(lambda: copy_over(a, b), relink,
                    [f"changed nlink: {a} (2 → 1)", f"changed hard links: {a} ({a}, {b} → (none))",
                     f"changed nlink: {b} (2 → 1)", f"changed hard links: {b} ({a}, {b} → (none))"])

    def test_added_and_removed(self):
        d = "/opt/acmeX"
        back = self.keep_mtime(d)
        with open(self.h(d + "/new.txt"), "w") as f:
            f.write("new")
        t_new = os.lstat(self.h(d)).st_mtime_ns
        got = texts(compare(self.base, record(self.r.path)))
        os.unlink(self.h(d + "/new.txt"))
        back()
        self.assertEqual(got, [f"changed mtime: {d} ({format_time(self.t(d))} → {format_time(t_new)})",
                               f"extra: {d}/new.txt (file)"])
        # Removed: a file in a decoy tree (and the parent's mtime), and excluding the tree
        # hides both.
        f = "/opt/acme-tools/README"
        content = self.r.read(f)
        back2 = self.keep_mtime(f, "/opt/acme-tools")

        def restore():
            self.r.put_file(f, content, 0o644)
            back2()
        os.unlink(self.h(f))
        after = record(self.r.path)
        got = texts(compare(self.base, after))
        hidden = texts(compare(self.base, after, exclude=["opt/acme-tools/**"]))
        ignored = texts(compare(self.base, after, ignore=["dir.mtime"]))
        restore()
        self.assertEqual(len(got), 2)
        self.assertRegex(got[0], r"^changed mtime: /opt/acme-tools \(2025-01-04T.* → .*\)$")
        self.assertEqual(got[1], f"missing: {f} (file)")
        self.assertEqual(hidden, [])
        self.assertEqual(ignored, [f"missing: {f} (file)"])
        self.assertEqual(texts(compare(self.base, record(self.r.path))), [])

    def test_type_device_views_and_odd_names(self):
        p = "/opt/acmeX/keep.txt"
        back = self.keep_mtime(p, "/opt/acmeX")
        content = self.r.read(p)

        def to_dev(rdev):
            def go():
                os.unlink(self.h(p))
                os.mknod(self.h(p), 0o600 | stat.S_IFCHR, rdev)
                back()
            return go

        def to_file():
            os.unlink(self.h(p))
            self.r.put_file(p, content, 0o644)
            back()
        self.expect(to_dev(os.makedev(1, 3)), to_file, [f"changed type: {p} (file → chr)"])
        to_dev(os.makedev(1, 3))()
        dev = record(self.r.path)
        to_dev(os.makedev(1, 5))()
        got = texts(compare(dev, record(self.r.path)))
        to_file()
        self.assertEqual(got, [f"changed rdev: {p} (1:3 → 1:5)"])
        # Views: a unit disabled shows as such, in words.
        wants = "/etc/systemd/system/multi-user.target.wants"
        back_wants = self.keep_mtime(wants, wants + "/acme-shared-sync.service")
        self.expect(lambda: self.r.disable_units("acme-shared-sync.service"),
                    lambda: (self.r.enable_units("acme-shared-sync.service"), back_wants()),
                    ["unit acme-shared-sync.service: enabled → disabled"],
                    exclude=["etc/systemd/**"])
        # Hostile names come out escaped and exact.
        odd = self.sc.odd_names[0]
        self.assertEqual(show(odd), "/opt/acme/data/line\\nbreak.dat")
        self.assertEqual(show(b"/a\tb/\xff\\"), "/a\\tb/\\xff\\\\")
        self.assertIn(b"/opt/acme/data/latin1-\xe9\xff.dat", self.base)

    def test_mount_point_not_crossed(self):
        """In a private mount namespace: a tmpfs inside the root is flagged, not entered."""
        mnt = os.path.join(self.r.path, "opt/acme/data/mnt")
        os.mkdir(mnt)
        code = textwrap.dedent(f"""
            import sys, subprocess
            sys.path.insert(0, {os.path.join(HERE, 'lib')!r})
            from excise_e2e import record
            subprocess.run(["mount", "-t", "tmpfs", "none", {mnt!r}], check=True)
            open({mnt!r} + "/inside", "w").close()
            m = record({self.r.path!r}, views=False)
            e = m["/opt/acme/data/mnt"]
            print(e.mountpoint, "/opt/acme/data/mnt/inside" in m)
            """)
        proc = run(["unshare", "--mount", "--propagation", "private", "/usr/bin/python3", "-c", code])
        self.assertEqual(proc.stdout.strip(), "True False", proc)
        self.assertEqual(os.listdir(mnt), [])  # the host never saw the mount


    def test_only_subtrees(self):
        """record(only=...): the subtrees whole, their ancestors alone, nothing else."""
        only = ["/opt/acme/data", "/etc/acme", "/var/log/acme", "/absent"]
        m = record(self.r.path, only=only, views=False)
        self.assertIn("/opt/acme/data/cache.db", m)
        self.assertEqual(m["/opt/acme/data/cache.db"].links,
                         (b"/opt/acme/data/cache.db", b"/opt/acme/data/cache.db.bak"))
        for ancestor in ("/", "/opt", "/opt/acme", "/etc", "/var", "/var/log"):
            self.assertIn(ancestor, m)
        for outside in ("/opt/acme/bin", "/opt/acme-tools", "/etc/passwd", "/absent"):
            self.assertNotIn(outside, m)
        # An ancestor's own change shows; a change outside the subtrees does not.
        restore = self.keep_mtime("/opt/acme")
        os.utime(self.h("/opt/acme"), ns=(1, 1))
        with open(self.h("/opt/acmeX/keep.txt"), "a") as f:
            f.write("outside\n")
        got = texts(compare(m, record(self.r.path, only=only, views=False)))
        restore()
        self.assertEqual(len(got), 1)
        self.assertTrue(got[0].startswith("changed mtime: /opt/acme ("), got)
        with self.assertRaises(ValueError):
            compare(m, record(self.r.path, only=only[:1], views=False))


class SandboxTest(WithTemp):
    def test_overlay_freeze(self):
        """OverlayRoot in a private namespace: writes land in the upper layer; after
        freeze() they are a lower layer (renaming their directories gives EXDEV); the
        lower directory and the host see none of it."""
        lower = os.path.join(self.tmp, "lower")
        os.makedirs(os.path.join(lower, "d"))
        code = textwrap.dedent(f"""
            import errno, os, sys
            sys.path.insert(0, {os.path.join(HERE, 'lib')!r})
            from excise_e2e import sandbox
            sandbox.enter_private_mount_namespace()
            ov = sandbox.OverlayRoot({self.tmp!r} + "/merged", [{lower!r}], {self.tmp!r} + "/layers")
            os.makedirs(ov.path + "/new/sub")
            os.rename(ov.path + "/new", ov.path + "/new2")  # upper only: a rename
            ov.freeze()
            try:
                os.rename(ov.path + "/new2", ov.path + "/new3")
                print("renamed")
            except OSError as e:
                print(errno.errorcode[e.errno])
            print(sandbox.mount_type(ov.path), os.listdir(ov.path + "/new2"))
            """)
        proc = run(["unshare", "--mount", "--propagation", "private", "/usr/bin/python3", "-c", code])
        self.assertEqual(proc.stdout.split("\n")[:2], ["EXDEV", "overlay ['sub']"], proc)
        self.assertEqual(os.listdir(lower), ["d"])
        self.assertEqual(os.listdir(os.path.join(self.tmp, "merged")), [])
        self.assertEqual(sorted(os.listdir(os.path.join(self.tmp, "layers/upper0"))), ["new2"])


class RunnerTest(WithTemp):
    def fake_excise(self, body):
        path = os.path.join(self.tmp, "fake-excise")
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)
        old = os.environ.get("EXCISE_BIN")
        os.environ["EXCISE_BIN"] = path
        self.addCleanup(lambda: os.environ.__setitem__("EXCISE_BIN", old) if old is not None
                        else os.environ.pop("EXCISE_BIN", None))

    def test_run_excise_json_stdin_env(self):
        self.fake_excise('read line\nprintf \'{"args": "%s", "stdin": "%s", "env": "%s"}\\n\' '
                         '"$*" "$line" "$EXCISE_TEST_VAR"\necho note >&2\nexit 2\n')
        r = run_excise("plan", "--root", "/x", stdin="hello\n", env={"EXCISE_TEST_VAR": "v"})
        self.assertEqual(r.code, 2)
        self.assertEqual(r.stderr, "note\n")
        self.assertEqual(r.json(), {"args": "plan --root /x", "stdin": "hello", "env": "v"})
        self.assertIn("exit 2", str(r))
        bad = run_excise("x", stdin="\n")
        bad.stdout_bytes = b"not json"
        with self.assertRaises(AssertionError):
            bad.json()

    def test_run_and_kill(self):
        # After a delay, the whole process group dies (the background grandchild too).
        pidfile = os.path.join(self.tmp, "pid")
        r = run_and_kill(["/bin/sh", "-c", f"sleep 30 & echo $! > {pidfile}; echo started; wait"],
                         after=0.3)
        self.assertTrue(r.killed)
        self.assertEqual(r.code, -9)
        self.assertLess(r.seconds, 5)
        self.assertEqual(r.stdout, "started\n")
        with open(pidfile) as f:
            pid = int(f.read())
        for _ in range(100):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().split(") ")[1][0] == "Z":
                        break
            except FileNotFoundError:
                break
            time.sleep(0.01)
        else:
            self.fail(f"grandchild {pid} survived")
        # On a condition seen in the output so far.
        r = run_and_kill(["/bin/sh", "-c", "echo step1; sleep 0.1; echo step2; sleep 30"],
                         when=lambda out, err: b"step2" in out)
        self.assertTrue(r.killed)
        self.assertEqual(r.stdout, "step1\nstep2\n")
        # A command that ends first is not killed.
        r = run_and_kill(["/bin/true"], after=10)
        self.assertEqual((r.killed, r.code), (False, 0))


class TempDirTest(unittest.TestCase):
    def test_refuses_foreign_dirs(self):
        with self.assertRaises(ValueError):
            remove_temp_dir("/tmp")

    @unittest.skipUnless(os.geteuid() == 0, "needs root (mount, chattr)")
    def test_removal_does_not_follow_bind_mounts(self):
        """A bind mount left under a temp dir is unmounted, not emptied; an immutable
        file does not stop the removal."""
        outside = make_temp_dir()
        self.addCleanup(remove_temp_dir, outside, force=True)
        with open(os.path.join(outside, "precious"), "w") as f:
            f.write("keep")
        tmp = make_temp_dir()
        mnt = os.path.join(tmp, "mnt")
        os.mkdir(mnt)
        run_tool(["mount", "--bind", outside, mnt])
        self.addCleanup(lambda: os.path.ismount(mnt) and run_tool(["umount", "-l", mnt]))
        with open(os.path.join(tmp, "sticky"), "w") as f:
            f.write("x")
        run_tool(["chattr", "+i", os.path.join(tmp, "sticky")])
        remove_temp_dir(tmp, force=True)
        self.assertFalse(os.path.exists(tmp))
        with open(os.path.join(outside, "precious")) as f:
            self.assertEqual(f.read(), "keep")


def tearDownModule():
    for line in TIMINGS:
        print(line, file=sys.stderr)


if __name__ == "__main__":
    t0 = time.monotonic()
    prog = unittest.main(exit=False, verbosity=2)
    print(f"test_fixtures: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    sys.exit(not prog.result.wasSuccessful())
