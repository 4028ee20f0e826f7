"""[[line]] and [[cron]]: lines a product added to shared files go, every other byte of
those files stays (owner, mode, xattrs too), and rollback puts them back exactly, or next
to their old neighbours when the file changed since."""
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403

PLAYBOOK = """schema = 1

[product]
id = "acme-lines"
name = "Acme lines"

[[line]]
file = "/etc/ld.so.preload"
match = 'libacme[^/]*\\.so'

[[cron]]
match = "acme"
"""

T = 1_736_000_000_123_456_789


class Lines(unittest.TestCase):
    def setUp(self):
        require_excise()
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)
        self.root = self.make_world("root")
        self.playbook = os.path.join(self.tmp, "acme-lines.toml")
        with open(self.playbook, "w") as f:
            f.write(PLAYBOOK)
        os.chmod(self.playbook, 0o644)

    def make_world(self, name: str):
        r = make_root(os.path.join(self.tmp, name))
        alice = r.add_user("alice")
        r.put_file("/etc/ld.so.preload", "/usr/lib/libother.so\n/opt/acme/lib/libacme-hook.so\n"
                   "/usr/lib/libkeep.so", xattrs={"user.note": b"keep me"})
        r.put_file("/etc/crontab", "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"
                   "*/5 * * * * root /opt/acme/bin/acme-update\n")
        r.put_dir("/etc/cron.d")
        r.put_file("/etc/cron.d/acme", "# Acme updater\n0 3 * * * root /opt/acme/bin/acme-sync\n")
        r.put_file("/etc/cron.d/other", "0 4 * * * root /usr/bin/true\n")
        r.put_dir("/var/spool/cron/crontabs", mode=0o1730)
        r.put_file("/var/spool/cron/crontabs/alice", "@reboot /home/alice/acme-launcher\n0 * * * * date\n",
                   mode=0o600, owner=(alice, 0))
        for p in ["/etc/ld.so.preload", "/etc/crontab", "/etc/cron.d/acme", "/etc/cron.d/other",
                  "/var/spool/cron/crontabs/alice", "/etc/cron.d", "/var/spool/cron/crontabs", "/etc"]:
            r.set_mtime(p, T)
        return r

    def excise(self, *args, expect=0):
        r = run_excise(*args)
        self.assertEqual(r.code, expect, str(r))
        return r

    def test_round_trip(self):
        root = self.root.path
        before = record(root)
        plan = self.excise("plan", "--root", root, "--format", "json", self.playbook, expect=2).json()
        self.assertEqual([(s["action"], s["target"]) for s in plan["steps"]], [
            ("line.remove", "/etc/ld.so.preload"),
            ("line.remove", "/etc/crontab"),
            ("line.remove", "/etc/cron.d/acme"),
            ("line.remove", "/var/spool/cron/crontabs/alice"),
        ])
        self.excise("apply", "--yes", "--root", root, self.playbook)
        self.assertEqual(self.root.read("/etc/ld.so.preload"), b"/usr/lib/libother.so\n/usr/lib/libkeep.so")
        self.assertEqual(self.root.read("/etc/cron.d/acme"), b"# Acme updater\n")  # regexes are case-sensitive
        self.assertEqual(self.root.read("/var/spool/cron/crontabs/alice"), b"0 * * * * date\n")
        after = record(root)
        spool = after.entries[b"/var/spool/cron/crontabs/alice"]
        self.assertEqual((spool.mode & 0o7777, spool.uid), (0o600, self.root.uid("alice")))
        self.assertEqual(after.entries[b"/etc/ld.so.preload"].xattrs, (("user.note", b"keep me"),))
        self.excise("plan", "--root", root, self.playbook, expect=0)
        self.excise("rollback", "--root", root, "--last", "--yes")
        self.assertEqual([str(d) for d in compare(before, record(root), exclude=ROLLBACK_RECORDS)], [])

    def test_rollback_into_a_changed_file(self):
        root = self.root.path
        self.excise("apply", "--yes", "--root", root, self.playbook)
        with open(self.root.host("/etc/ld.so.preload"), "ab") as f:
            f.write(b"\n/usr/lib/libnew.so\n")
        r = self.excise("rollback", "--root", root, "--last", "--yes")
        self.assertEqual(self.root.read("/etc/ld.so.preload"),
                         b"/usr/lib/libother.so\n/opt/acme/lib/libacme-hook.so\n/usr/lib/libkeep.so\n/usr/lib/libnew.so\n")
        self.assertIn("put back a line into a file that changed since apply", r.stderr)

    def killed_at(self, syscall: str, n: int, *args) -> Result:
        """excise ARGS killed at its Nth call of SYSCALL (strace), or run whole when it
        makes fewer."""
        argv = ["strace", "-o", os.devnull, "-e", f"trace={syscall}",
                "-e", f"inject={syscall}:signal=KILL:when={n}", excise_argv()[0], *args]
        return run(argv)

    def assert_as_before(self, root, before, what):
        self.assertEqual([str(d) for d in compare(before, record(root.path),
                                                  exclude=ROLLBACK_RECORDS)], [], what)

    def test_killed_while_replacing_a_file(self):
        # SAFETY S13/S17 for line edits: killed between writing a file's temporary and
        # renaming it into place (apply and rollback), or before a rollback puts the
        # directory's times back: rolling back (again) leaves no temporary and gives back
        # every byte and time; a killed apply resumed by apply again leaves none either.
        cases = 0
        for syscall, phase in (("renameat", "apply"), ("renameat", "resume"),
                               ("renameat", "rollback"), ("utimensat", "rollback")):
            for n in range(1, 100):
                root = self.make_world(f"{phase}-{syscall}-{n}")
                before = record(root.path)
                pb = ("--root", root.path, self.playbook)
                if phase == "rollback":
                    self.excise("apply", "--yes", *pb)
                    r = self.killed_at(syscall, n, "rollback", "--root", root.path, "--last",
                                       "--yes")
                else:
                    r = self.killed_at(syscall, n, "apply", "--yes", *pb)
                if r.code == 0:
                    shutil.rmtree(root.path)
                    break  # past the last call
                self.assertEqual(r.code, -9, str(r))
                cases += 1
                what = f"{phase} killed at {syscall} #{n}"
                if phase == "resume":
                    self.excise("apply", "--yes", *pb)
                    self.assertEqual(self.excise("plan", *pb, expect=0).code, 0)
                    temps = [p for p in record(root.path).entries if b".excise-tmp-" in p]
                    self.assertEqual(temps, [], what)
                    runs = self.excise("runs", "--root", root.path, "--format", "json").json()
                    for run_id in reversed([x["run"] for x in runs["runs"]]):  # newest first
                        self.excise("rollback", "--root", root.path, run_id, "--yes")
                else:
                    self.excise("rollback", "--root", root.path, "--last", "--yes")
                self.assert_as_before(root, before, what)
                shutil.rmtree(root.path)
            else:
                self.fail(f"{phase}: {syscall} was still being called after 99 kills")
        self.assertGreater(cases, 8)


if __name__ == "__main__":
    unittest.main(verbosity=2)
