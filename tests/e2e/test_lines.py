"""[[line]] and [[cron]]: lines a product added to shared files go, every other byte of
those files stays (owner, mode, xattrs too), and rollback puts them back exactly, or next
to their old neighbours when the file changed since."""
import os
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
        self.root = make_root(os.path.join(self.tmp, "root"))
        alice = self.root.add_user("alice")
        r = self.root
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
        self.playbook = os.path.join(self.tmp, "acme-lines.toml")
        with open(self.playbook, "w") as f:
            f.write(PLAYBOOK)
        os.chmod(self.playbook, 0o644)

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


if __name__ == "__main__":
    unittest.main(verbosity=2)
