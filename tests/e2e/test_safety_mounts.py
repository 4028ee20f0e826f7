"""SAFETY.md S5: a mount inside a target tree (a tmpfs, a bind mount of the root's
/etc). The plan reports the tree blocked, apply does not descend into it and says so;
a mount that appears between `plan -o` and `apply FILE` makes the plan stale. The test runs
in its own mount namespace: the host never sees these mounts.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import compare, record  # noqa: E402
from excise_e2e.safety import (SafetyTest, Sentinel, mount, path_playbook,  # noqa: E402
                               private_mount_namespace, umount)


class MountInsideTarget(SafetyTest):
    @classmethod
    def setUpClass(cls):
        private_mount_namespace()

    def world(self, kind):
        root = self.make_root(f"root-{kind}")
        root.put_file("/opt/acme/bin/agent", "banned\n", 0o755)
        root.put_file("/opt/acme/log/agent.log", "banned\n")
        root.put_dir("/opt/acme/cache")
        outside = [Sentinel(root.host("/etc")), Sentinel.make(root.host("/srv/sentinel"))]
        if kind == "tmpfs":
            mount("-t", "tmpfs", "-o", "mode=0755", "excise-s5", root.host("/opt/acme/cache"))
            inside = Sentinel.make(root.host("/opt/acme/cache/keep"))
        else:
            # The root's own /etc, bound into the tree: removing the tree must not empty it.
            mount("--bind", root.host("/etc"), root.host("/opt/acme/cache"))
            inside = Sentinel(root.host("/opt/acme/cache"))
        self.addCleanup(umount, root.host("/opt/acme/cache"))
        return root, outside + [inside]

    def unchanged_after(self, root, sentinels, *args, expect):
        before = record(root.path, views=False)
        r = self.excise(*args, expect=expect)
        after = record(root.path, views=False)
        self.assertEqual([str(d) for d in compare(before, after, exclude=["var/lib/excise/**"],
                                                  views=False)], [])
        self.assert_safe(root, *sentinels)
        return r

    def test_plan_blocks_and_apply_says_so(self):
        for kind in ("tmpfs", "bind"):
            with self.subTest(kind=kind):
                root, sentinels = self.world(kind)
                pb = self.playbook(path_playbook("acme", ["/opt/acme", "/opt/acme/cache"]),
                                   f"{kind}.toml")
                plan = self.excise("plan", "--root", root.path, "--format", "json", pb,
                                   expect=2).json()
                self.assertEqual(plan["steps"], [])
                blocked = {b["target"]: b["reason"] for b in plan["blocked"]}
                self.assertEqual(
                    blocked["/opt/acme"],
                    "contains a mount point (/opt/acme/cache): excise does not remove across "
                    "mounts; unmount it first")
                self.assertIn("mount point", blocked["/opt/acme/cache"])
                r = self.unchanged_after(root, sentinels, "apply", "--yes", "--root", root.path,
                                         pb, expect=1)
                self.assertIn("/opt/acme: contains a mount point (/opt/acme/cache)", r.stdout)

    def test_mount_after_planning_refuses_the_plan(self):
        root = self.make_root()
        root.put_file("/opt/acme/bin/agent", "banned\n", 0o755)
        root.put_dir("/opt/acme/cache")
        pb = self.playbook(path_playbook("acme", ["/opt/acme"]))
        plan_file = os.path.join(self.tmp, "plan.json")
        self.excise("plan", "--root", root.path, "-o", plan_file, pb, expect=2)
        mount("-t", "tmpfs", "-o", "mode=0755", "excise-s5", root.host("/opt/acme/cache"))
        self.addCleanup(umount, root.host("/opt/acme/cache"))
        sentinels = [Sentinel.make(root.host("/opt/acme/cache/keep")), Sentinel(root.host("/etc"))]
        r = self.unchanged_after(root, sentinels, "apply", "--yes", "--root", root.path,
                                 plan_file, expect=1)
        self.assertIn("no longer matches the system; nothing was changed", r.stderr)
        self.assertIn("now blocked: /opt/acme: contains a mount point (/opt/acme/cache)", r.stderr)
        self.assertTrue(root.exists("/opt/acme/bin/agent"))

    def test_globs_do_not_search_inside_mounts(self):
        root, sentinels = self.world("tmpfs")
        root.put_file("/opt/acme/cache/keep/old.log", "inside the mount\n")
        sentinels[-1] = Sentinel(root.host("/opt/acme/cache/keep"))
        pb = self.playbook(path_playbook("acme", ["/opt/acme/**/*.log"]))
        plan = self.excise("plan", "--root", root.path, "--format", "json", pb, expect=2).json()
        self.assertEqual([s["target"] for s in plan["steps"]], ["/opt/acme/log/agent.log"])
        self.excise("apply", "--yes", "--root", root.path, pb)
        self.assertFalse(root.exists("/opt/acme/log/agent.log"))
        self.assert_safe(root, *sentinels)


if __name__ == "__main__":
    unittest.main(verbosity=2)
