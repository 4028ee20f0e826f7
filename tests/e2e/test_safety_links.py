"""SAFETY.md S1, S2, S4, S18: symlinks planted by a user, before planning (S1, S2),
between plan and apply (S4) and between apply and rollback (S18). Each test keeps
root-owned sentinels where a followed link would lead, and checks the exit code and
the journal. The host variants run excise with the host read-only (guarded_argv) and
compare the host's own account files: the target root is a temp dir, so an absolute
link followed the host's way would reach the real /etc.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import compare, excise_argv, record  # noqa: E402
from excise_e2e.safety import (HostFiles, SafetyTest, Sentinel, guarded_argv,  # noqa: E402
                               path_playbook, traced)


def plant_link(root, path, target, owner):
    h = root.host(path)
    os.symlink(os.fsencode(target), h)
    os.lchown(h, *owner)


class PlantedLinks(SafetyTest):
    """S1: ~alice/.acme -> /etc (or /): the link goes, nothing it points to."""

    def world(self, target, name="root"):
        root = self.make_root(name)
        alice = self.owner(root, "alice")
        # What a followed link would reach: the root's /etc with a product-named tree in
        # it, and for "/" the whole system part of the root.
        sentinels = [Sentinel.make(root.host("/etc/acme")), Sentinel.make(root.host("/usr/acme"))]
        sentinels += [Sentinel(root.host(p)) for p in ("/etc", "/usr", "/root", "/var/lib/dpkg")]
        plant_link(root, "/home/alice/.acme", target, alice)
        home = Sentinel(root.host("/home/alice"))
        return root, alice, sentinels, home

    def test_link_itself_goes_and_comes_back(self):
        for i, target in enumerate(("/etc", "/", "../../etc", "/etc/acme")):
            with self.subTest(target=target):
                root, alice, sentinels, home = self.world(target, f"root{i}")
                pb = self.playbook(path_playbook("acme", ["~/.acme"]), f"s1-{i}.toml")
                plan = self.excise("plan", "--root", root.path, "--format", "json", pb,
                                   expect=2).json()
                self.assertEqual([s["target"] for s in plan["steps"]], ["/home/alice/.acme"])
                self.assertIn("the link goes, not its target", plan["steps"][0]["reason"])
                self.assertEqual(plan["blocked"], [])
                r, calls = traced(excise_argv("apply", "--yes", "--root", root.path, pb),
                                  ("chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown",
                                   "fchownat", "truncate", "ftruncate"))
                self.assertEqual(r.code, 0, str(r))
                # Quarantining a link is one rename: no owner or mode changes anywhere
                # (but in excise's own state: the run lock is truncated and rewritten).
                self.assertEqual([c for c in calls if b"/var/lib/excise/" not in c], [])
                self.assertFalse(root.exists("/home/alice/.acme"))
                self.assert_safe(root, *sentinels)
                self.excise("rollback", "--yes", "--last", "--root", root.path)
                self.assertEqual(os.readlink(root.host("/home/alice/.acme")), os.fsencode(target))
                self.assertEqual(home.changes(), [])
                self.assert_safe(root, *sentinels)

    def test_host_etc_is_never_reached(self):
        """The same with globs that go through the link, excise run with the host
        read-only, and the host's own account files compared."""
        host = HostFiles()
        root, alice, sentinels, home = self.world("/etc")
        plant_link(root, "/home/alice/.acme-root", "/", alice)
        home = Sentinel(root.host("/home/alice"))
        pb = self.playbook(path_playbook("acme", ["~/.acme", "~/.acme/passwd", "~/.acme/*",
                                                  "~/.acme-root/etc/shadow"]))
        plan = self.excise("plan", "--root", root.path, "--format", "json", pb, expect=2,
                           wrap=lambda a: guarded_argv(self.tmp, a)).json()
        self.assertEqual([s["target"] for s in plan["steps"]], ["/home/alice/.acme"])
        blocked = {b["target"]: b["reason"] for b in plan["blocked"]}
        self.assertEqual(sorted(blocked), ["/home/alice/.acme", "/home/alice/.acme-root"])
        for reason in blocked.values():
            self.assertIn("unsafe path", reason)
            self.assertIn("not followed", reason)
        # Blocked items make apply exit 1 (it did what it could and says what it left).
        r = self.excise("apply", "--yes", "--root", root.path, pb, expect=1,
                        wrap=lambda a: guarded_argv(self.tmp, a))
        self.assertIn("blocked", r.stdout)
        self.assertNotIn("Read-only file system", r.stdout + r.stderr)
        self.assertFalse(root.exists("/home/alice/.acme"))
        self.assertTrue(root.exists("/home/alice/.acme-root"))
        self.assert_safe(root, *sentinels, host=host)
        self.excise("rollback", "--yes", "--last", "--root", root.path,
                    wrap=lambda a: guarded_argv(self.tmp, a))
        self.assertEqual(home.changes(), [])
        self.assert_safe(root, *sentinels, host=host)


class LinkInTheMiddle(SafetyTest):
    """S2: ~alice/.config -> /etc with a playbook glob ~/.config/acme/*: reported as an
    unsafe path (blocked), nothing under /etc touched."""

    def check(self, link_target, *, hops=(), guarded=False):
        host = HostFiles() if guarded else None
        wrap = (lambda a: guarded_argv(self.tmp, a)) if guarded else None
        root = self.make_root()
        alice = self.owner(root, "alice")
        sentinels = [Sentinel.make(root.host("/etc/acme")), Sentinel(root.host("/etc"))]
        for path, target in hops:
            plant_link(root, path, target, alice)
        plant_link(root, "/home/alice/.config", link_target, alice)
        before = record(root.path, views=False)
        pb = self.playbook(path_playbook("acme", ["~/.config/acme/*", "~/.config/acme"]))
        plan = self.excise("plan", "--root", root.path, "--format", "json", pb, expect=2,
                           wrap=wrap).json()
        self.assertEqual(plan["steps"], [])
        self.assertEqual({b["target"] for b in plan["blocked"]}, {"/home/alice/.config"})
        for b in plan["blocked"]:
            self.assertRegex(b["reason"], r"^unsafe path: /home/alice/\.(config|cfg2) is a symlink owned "
                                          r"by alice \(\d+\) .* leading to /etc owned by root "
                                          r"\(0\): not followed$")
        text = self.excise("plan", "--root", root.path, pb, expect=2, wrap=wrap).stdout
        self.assertIn("BLOCKED", text)
        r = self.excise("apply", "--yes", "--root", root.path, pb, expect=1, wrap=wrap)
        self.assertIn("/home/alice/.config: unsafe path", r.stdout)
        after = record(root.path, views=False)
        self.assertEqual([str(d) for d in compare(before, after, exclude=["var/lib/excise/**"],
                                                  views=False)], [])
        self.assert_safe(root, *sentinels, host=host)

    def test_absolute_link(self):
        self.check("/etc")

    def test_relative_link(self):
        self.check("../../etc")

    def test_link_to_a_link(self):
        # alice -> alice -> root: the object at the end decides, whatever the hops.
        self.check("/home/alice/.cfg2", hops=[("/home/alice/.cfg2", "/etc")])

    def test_host_etc_is_never_reached(self):
        self.check("/etc", guarded=True)


class SwappedAfterPlanning(SafetyTest):
    """S4: a parent of a match is swapped for a link to / between `plan -o` and
    `apply FILE`: apply re-plans, finds other facts, refuses, and changes nothing."""

    def swap_then_apply(self, root, pb, parent, owner, sentinels):
        plan_file = os.path.join(self.tmp, "plan.json")
        self.excise("plan", "--root", root.path, "-o", plan_file, pb, expect=2)
        os.rename(root.host(parent), root.host(parent + ".moved"))
        plant_link(root, parent, "/", owner)
        before = record(root.path, views=False)
        r = self.excise("apply", "--yes", "--root", root.path, plan_file, expect=1)
        self.assertIn("no longer matches the system; nothing was changed", r.stderr)
        after = record(root.path, views=False)
        self.assertEqual([str(d) for d in compare(before, after, exclude=["var/lib/excise/**"],
                                                  views=False)], [])
        self.assert_safe(root, *sentinels)
        return r

    def test_users_parent_becomes_link_to_root(self):
        root = self.make_root()
        alice = self.owner(root, "alice")
        root.put_dir("/home/alice/proj", 0o755, alice)
        root.put_file("/home/alice/proj/.acme/state", "banned\n", 0o644, alice)
        # Where the swapped path would lead: a root-owned /.acme, and the whole /etc.
        sentinels = [Sentinel.make(root.host("/.acme")), Sentinel(root.host("/etc"))]
        pb = self.playbook(path_playbook("acme", ["~/proj/.acme"]))
        r = self.swap_then_apply(root, pb, "/home/alice/proj", alice, sentinels)
        self.assertIn("path /home/alice/proj/.acme", r.stderr)
        self.assertTrue(root.exists("/home/alice/proj.moved/.acme/state"))

    def test_root_owned_parent_becomes_link_to_root(self):
        # An image whose vendor directory is replaced by a root-owned link: followed inside
        # the root (a root link is trusted), so the match is now another object.
        root = self.make_root()
        root.put_file("/opt/vendor/acme/bin/agent", "banned\n", 0o755)
        sentinels = [Sentinel.make(root.host("/acme")), Sentinel(root.host("/etc"))]
        pb = self.playbook(path_playbook("acme", ["/opt/vendor/acme"]))
        r = self.swap_then_apply(root, pb, "/opt/vendor", (0, 0), sentinels)
        # Now it resolves to the root's /acme, a top-level directory: protected.
        self.assertIn("now blocked: /opt/vendor/acme: resolves to /acme, a protected path", r.stderr)
        self.assertTrue(root.exists("/opt/vendor.moved/acme/bin/agent"))

    def test_unsafe_link_planted_after_planning(self):
        # The plan matched nothing under ~/.config; alice then plants ~/.config -> /etc.
        # Applying the old plan would report success with banned content now blocked.
        root = self.make_root()
        alice = self.owner(root, "alice")
        root.put_file("/opt/acme/bin/agent", "banned\n", 0o755)
        sentinels = [Sentinel.make(root.host("/etc/acme")), Sentinel(root.host("/usr"))]
        pb = self.playbook(path_playbook("acme", ["/opt/acme", "~/.config/acme/*"]))
        plan_file = os.path.join(self.tmp, "plan.json")
        self.excise("plan", "--root", root.path, "-o", plan_file, pb, expect=2)
        plant_link(root, "/home/alice/.config", "/etc", alice)
        r = self.excise("apply", "--yes", "--root", root.path, plan_file, expect=1)
        self.assertIn("now blocked: /home/alice/.config: unsafe path", r.stderr)
        self.assertTrue(root.exists("/opt/acme/bin/agent"))
        self.assert_safe(root, *sentinels)


class PlantedBeforeRollback(SafetyTest):
    """S18: after apply, alice plants a link where a quarantined item lived, or where its
    parent was. Rollback writes nothing outside alice's tree, reports the conflict
    (exit 1, naming the path); once alice takes the link away, rollback finishes."""

    def world(self):
        root = self.make_root()
        alice = self.owner(root, "alice")
        root.put_dir("/home/alice/.acme", 0o755, alice)
        root.put_file("/home/alice/.acme/agent.conf", "banned\n", 0o644, alice)
        root.put_dir("/home/alice/.config", 0o755, alice)
        root.put_file("/home/alice/.config/acme/settings", "banned too\n", 0o600, alice)
        os.chown(root.host("/home/alice/.config/acme"), *alice)
        root.put_dir("/etc/cron.d")
        sentinels = [Sentinel.make(root.host("/etc/cron.d")), Sentinel.make(root.host("/etc/acme")),
                     Sentinel(root.host("/usr"))]
        before = record(root.path, views=False)
        pb = self.playbook(path_playbook("acme", ["~/.acme", "~/.config/acme"]))
        self.excise("apply", "--yes", "--root", root.path, pb)
        self.assertFalse(root.exists("/home/alice/.acme"))
        self.assertFalse(root.exists("/home/alice/.config/acme"))
        return root, alice, sentinels, before

    def rollback_refused(self, root, sentinels, path):
        etc = Sentinel(root.host("/etc"))
        r = self.excise("rollback", "--yes", "--last", "--root", root.path, expect=1)
        self.assertIn(path, r.stdout + r.stderr)
        self.assert_safe(root, *sentinels, etc)
        return r

    def finished(self, root, sentinels, before, ignore=()):
        self.excise("rollback", "--yes", "--last", "--root", root.path)
        after = record(root.path, views=False)
        self.assertEqual([str(d) for d in compare(before, after, exclude=["var/lib/excise/**"],
                                                  ignore=ignore, views=False)], [])
        self.assert_safe(root, *sentinels)
        self.assertEqual(self.excise("runs", "--root", root.path, "--format", "json").json()
                         ["runs"][-1]["state"], "rolled-back")

    def test_link_where_the_item_was(self):
        root, alice, sentinels, before = self.world()
        plant_link(root, "/home/alice/.acme", "/etc/cron.d", alice)
        r = self.rollback_refused(root, sentinels, "/home/alice/.acme")
        self.assertIn("cannot put back /home/alice/.acme: something is there again (a link)",
                      r.stdout + r.stderr)
        os.unlink(root.host("/home/alice/.acme"))
        self.finished(root, sentinels, before)

    def test_link_where_the_parent_was(self):
        root, alice, sentinels, before = self.world()
        os.rename(root.host("/home/alice/.config"), root.host("/home/alice/.config.real"))
        plant_link(root, "/home/alice/.config", "/etc", alice)
        self.rollback_refused(root, sentinels, "/home/alice/.config")
        self.assertFalse(os.path.lexists(root.host("/etc/acme/acme")))
        os.unlink(root.host("/home/alice/.config"))
        os.rename(root.host("/home/alice/.config.real"), root.host("/home/alice/.config"))
        # alice's own renames in her home after the first rollback changed its mtime:
        # that change is hers, not one for excise to undo.
        self.finished(root, sentinels, before, ignore=[("home/alice", "mtime")])

    def test_link_to_the_parent_of_the_quarantine(self):
        # The link leads to root-owned /etc: a restore through it would create
        # /etc/acme/... owned by alice. It is refused, whatever the quarantine holds.
        root, alice, sentinels, before = self.world()
        os.rename(root.host("/home/alice/.config"), root.host("/home/alice/.config.real"))
        plant_link(root, "/home/alice/.config", "../../etc", alice)
        self.rollback_refused(root, sentinels, "/home/alice/.config")
        os.unlink(root.host("/home/alice/.config"))
        os.rename(root.host("/home/alice/.config.real"), root.host("/home/alice/.config"))
        # alice's own renames in her home after the first rollback changed its mtime:
        # that change is hers, not one for excise to undo.
        self.finished(root, sentinels, before, ignore=[("home/alice", "mtime")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
