"""The signature test: record the whole root, plan, dry-run, apply, plan again, roll back,
and compare with the record byte for byte (content, mode, owner, mtime, xattrs, link
targets, hard links, package database, units, accounts).

Runs once with the vendor's maintainer scripts (scripts = "run") and once without
(scripts = "skip"), on a generated root with a real .deb installed by real dpkg.
"""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403


class RoundTrip(unittest.TestCase):
    def setUp(self):
        require_excise()
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)

    def excise(self, *args, expect=0, **kw):
        r = run_excise(*args, **kw)
        self.assertEqual(r.code, expect, str(r))
        return r

    def round_trip(self, scripts, state=()):
        sc = make_fake_product(self.tmp, scripts=scripts)
        root = sc.root.path
        root_opts = ("--root", root, *state)
        before = record(root)

        # plan: something to remove (exit 2), as a versioned JSON document
        plan = self.excise("plan", *root_opts, "--format", "json", sc.playbook, expect=2).json()
        self.assertEqual(plan["format"], "excise-plan")
        self.assertFalse(plan["changed"])
        actions = [s["action"] for s in plan["steps"]]
        self.assertIn("package.purge", actions)
        targets = {s["target"] for s in plan["steps"]}
        self.assertIn("acme-agent", targets)
        conflicts = {c["target"] for c in plan["conflicts"]}
        self.assertIn("/etc/acme-shared.conf", conflicts)
        # The whole plan, in order: phases, dependents first, deepest paths first.
        home = "/home/alice/.config/acme"
        self.assertEqual([(s["phase"], s["action"], s["target"]) for s in plan["steps"]], [
            ("quiesce", "service.disable", "acme-agent.service"),
            ("packages", "package.purge", "acme-agent-gui"),
            ("packages", "package.purge", "acme-agent"),
            ("cleanup", "path.quarantine", home),
            ("cleanup", "path.quarantine", "/var/log/acme"),
            ("cleanup", "path.quarantine", "/opt/acme"),
            ("cleanup", "path.quarantine", "/etc/acme"),
            ("cleanup", "path.quarantine", "/etc/acme-extra.conf"),
            ("accounts", "account.remove-user", "acme"),
            ("accounts", "account.remove-group", "acme"),
        ])
        self.assertEqual([s["seq"] for s in plan["steps"]], list(range(1, 11)))
        self.assertTrue(all(s["reversible"] for s in plan["steps"]))

        # dry run: the same executor, nothing written
        self.excise("apply", "--dry-run", *root_opts, sc.playbook)
        self.assertEqual(compare(before, record(root)), [], "dry run changed the root")

        # apply: the product is gone, everything else untouched
        r = self.excise("apply", "--yes", *root_opts, "--format", "json", sc.playbook)
        self.assertTrue(r.json()["changed"])
        self.assertEqual(sc.after_apply_problems(before), [])
        for package in sc.packages:
            self.assertNotIn(package, dpkg_packages(root), "dpkg still knows " + package)

        # a second plan finds nothing; a second apply changes nothing
        self.excise("plan", *root_opts, sc.playbook, expect=0)
        again = self.excise("apply", "--yes", *root_opts, "--format", "json", sc.playbook).json()
        self.assertFalse(again["changed"])

        # rollback: the record again, byte for byte
        self.excise("rollback", *root_opts, "--last", "--yes")
        self.assertEqual([str(d) for d in sc.rollback_differences(before)], [])
        # and again: nothing left to do
        r = self.excise("rollback", *root_opts, "--last", "--yes", "--format", "json")
        self.assertFalse(r.json()["changed"])
        return sc

    def test_round_trip_with_maintainer_scripts(self):
        self.round_trip("run")

    def test_round_trip_without_maintainer_scripts(self):
        self.round_trip("skip")

    def test_round_trip_with_the_state_dir_on_another_file_system(self):
        """--state-dir on another file system (/dev/shm): the package snapshot and the
        scripted purge's protected trees cannot be kept by hard links (EXDEV), so they are
        copied, and put back by copy (hard-link groups whole); the root still comes back
        byte for byte. (excise once failed every purge here, then every rollback.)"""
        if not os.path.isdir("/dev/shm"):
            self.skipTest("no /dev/shm")
        state = tempfile.mkdtemp(prefix="excise-e2e-state-", dir="/dev/shm")
        self.addCleanup(remove_temp_dir, state)
        if os.stat(state).st_dev == os.stat(self.tmp).st_dev:
            self.skipTest("/dev/shm is on the same file system as the temp dir")
        self.round_trip("run", state=("--state-dir", state))


if __name__ == "__main__":
    unittest.main(verbosity=2)
