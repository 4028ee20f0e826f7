"""SAFETY.md S7 and S8: hard links.

S7: a hard link to the root's /etc/shadow inside a target tree. Only that name goes;
/etc/shadow keeps its content, mode, owner and mtime, and after rollback its link count
too. The quarantine holding the name is a root-only (0700) directory.
S8: a hard link, outside the target tree, to a banned set-uid (or set-gid) binary. The
set-id bits are cleared (on the inode, so through every name) before the banned name
is removed (strace shows the order); rollback gives them back.
Both in the two quarantine modes: rename (same file system) and copy (the state
directory on a tmpfs; the test runs in its own mount namespace).
"""
import os
import re
import stat
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import excise_argv, make_fake_product  # noqa: E402
from excise_e2e.safety import (SafetyTest, Sentinel, file_facts, mount, path_playbook,  # noqa: E402
                               private_mount_namespace, traced)

MODES = ("rename", "copy")


class HardLinks(SafetyTest):
    @classmethod
    def setUpClass(cls):
        private_mount_namespace()

    def state_args(self, mode):
        if mode == "rename":
            return []
        mnt = os.path.join(self.tmp, f"state-{len(os.listdir(self.tmp))}")
        os.mkdir(mnt)
        mount("-t", "tmpfs", "-o", "mode=0755", "excise-hardlinks", mnt)
        return ["--state-dir", os.path.join(mnt, "excise")]

    # -- S7 --------------------------------------------------------------------------
    def test_link_to_shadow_in_a_target_tree(self):
        for i, (mode, glob) in enumerate([(m, g) for m in MODES
                                          for g in ("/opt/acme", "/opt/acme/license.key")]):
            with self.subTest(mode=mode, glob=glob):
                root = self.make_root(f"root{i}")
                root.put_file("/opt/acme/bin/agent", "banned\n", 0o755)
                os.link(root.host("/etc/shadow"), root.host("/opt/acme/license.key"))
                shadow = root.host("/etc/shadow")
                facts = file_facts(shadow)
                self.assertEqual(facts[3], 2)  # nlink
                sentinels = [Sentinel(root.host("/etc")), Sentinel.make(root.host("/srv/sentinel"))]
                # /etc/shadow's link count is the one thing an apply may change.
                ignore = [("shadow", "nlink")]
                state = self.state_args(mode)
                pb = self.playbook(path_playbook("acme", [glob]), f"s7-{i}.toml")
                self.excise("apply", "--yes", "--root", root.path, *state, pb)
                self.assertFalse(root.exists("/opt/acme/license.key"))
                after = file_facts(shadow)
                self.assertEqual(after[:3] + after[4:], facts[:3] + facts[4:])  # all but nlink
                self.assertEqual(after[3], 2 if mode == "rename" else 1)
                # Whatever holds the name now is root's alone: quarantines are 0700 root.
                runs = os.path.join(state[1], "runs") if state else root.host("/var/lib/excise/runs")
                qdirs = [d for d, _, _ in os.walk(os.fsdecode(runs)) if d.endswith("/q")]
                self.assertTrue(qdirs)
                for d in qdirs:
                    st = os.lstat(d)
                    self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o700), d)
                self.assert_safe(root, *sentinels, extra=state, ignore=ignore)
                self.excise("rollback", "--yes", "--last", "--root", root.path, *state)
                back = file_facts(shadow)
                self.assertEqual(back[:3] + back[4:], facts[:3] + facts[4:])
                if mode == "rename":
                    # The very same name for the very same inode, so the count is back.
                    self.assertEqual(back[3], 2)
                    self.assertTrue(os.path.samefile(shadow, root.host("/opt/acme/license.key")))
                else:
                    # A copy cannot be linked back to an inode outside the tree: the name
                    # returns as a copy with shadow's metadata (mode 0640 root:shadow).
                    self.assertEqual(back[3], 1)
                    self.assertEqual(file_facts(root.host("/opt/acme/license.key"))[:3], facts[:3])
                self.assert_safe(root, *sentinels, extra=state, ignore=ignore)

    # -- S8 --------------------------------------------------------------------------
    def test_setid_link_outside_the_tree(self):
        cases = [(m, g, bits) for m in MODES for g in ("/opt/acme", "/opt/acme/bin/helper")
                 for bits in (0o4755, 0o2755)]
        for i, (mode, glob, bits) in enumerate(cases):
            with self.subTest(mode=mode, glob=glob, bits=oct(bits)):
                root = self.make_root(f"root{i}")
                helper = root.put_file("/opt/acme/bin/helper", "#!/bin/sh\necho privileged\n", bits)
                keep = root.host("/home/alice/helper-keep")
                os.link(helper, keep)
                sentinels = [Sentinel(root.host("/etc")), Sentinel.make(root.host("/srv/sentinel"))]
                state = self.state_args(mode)
                pb = self.playbook(path_playbook("acme", [glob]), f"s8-{i}.toml")
                r, calls = traced(excise_argv("apply", "--yes", "--root", root.path, *state, pb),
                                  ("open", "openat", "chmod", "fchmod", "fchmodat", "rename",
                                   "renameat", "renameat2", "unlink", "unlinkat"))
                self.assertEqual(r.code, 0, str(r))
                self.assertFalse(root.exists("/opt/acme/bin/helper"))
                # alice's name survives, without the set-id bits.
                self.assertEqual(stat.S_IMODE(os.lstat(keep).st_mode), bits & 0o777)
                # The bits went before the banned name: the helper's chmod comes before the
                # rename or unlink that takes the helper (or its tree) away.
                order = helper_events(calls, root.host("/opt/acme/bin/helper"))
                self.assertTrue(order and order[0][0] == "chmod", "\n".join(
                    f"{k}: {c.decode('utf-8', 'replace')}" for k, c in order))
                self.assertIn(b"0%o" % (bits & 0o777), order[0][1])
                self.assertIn("remove", [k for k, _ in order])
                self.assert_safe(root, *sentinels, extra=state)
                self.excise("rollback", "--yes", "--last", "--root", root.path, *state)
                self.assertEqual(stat.S_IMODE(os.lstat(helper).st_mode), bits)
                if mode == "rename":
                    self.assertTrue(os.path.samefile(helper, keep))
                    self.assertEqual(stat.S_IMODE(os.lstat(keep).st_mode), bits)
                else:
                    # The copy comes back as its own inode; alice's link stays disarmed.
                    self.assertEqual(stat.S_IMODE(os.lstat(keep).st_mode), bits & 0o777)
                self.assert_safe(root, *sentinels, extra=state)


    def test_setid_link_to_a_package_file(self):
        """The banned binary belongs to a package that dpkg purges: the user's link to it
        is disarmed all the same, and rollback (the package snapshot) re-arms it."""
        sc = make_fake_product(os.path.join(self.tmp, "product"), scripts="skip")
        suid = sc.root.host("/opt/acme/bin/acme-suid")
        keep = sc.root.host("/home/alice/suid-keep")
        os.link(suid, keep)
        self.assertEqual(stat.S_IMODE(os.lstat(keep).st_mode), 0o4755)
        sentinel = Sentinel.make(sc.root.host("/srv/sentinel"))
        self.excise("apply", "--yes", "--root", sc.root.path, sc.playbook)
        self.assertFalse(sc.root.exists("/opt/acme/bin/acme-suid"))
        self.assertEqual(stat.S_IMODE(os.lstat(keep).st_mode) & 0o7000, 0)
        self.excise("rollback", "--yes", "--last", "--root", sc.root.path)
        self.assertTrue(os.path.samefile(suid, keep))
        self.assertEqual(stat.S_IMODE(os.lstat(keep).st_mode), 0o4755)
        self.assert_safe(sc.root, sentinel)


FD_RESULT = re.compile(rb"= (\d+)<([^>]*)>$")
PROC_FD = re.compile(rb'"/proc/self/fd/(\d+)"')


def helper_events(calls: list[bytes], helper: bytes) -> list[tuple[str, bytes]]:
    """The chmods of the helper and the calls that remove it or a directory holding it,
    in order. excise changes modes through /proc/self/fd/N of an O_PATH pin: N is
    resolved to the path strace printed when that descriptor was opened."""
    opened: dict[tuple[bytes, bytes], bytes] = {}
    out = []
    parent = os.path.dirname(helper)
    for c in calls:
        pid = c.split(b" ", 1)[0]
        if b"open" in c.split(b"(", 1)[0]:
            m = FD_RESULT.search(c)
            if m:
                opened[(pid, m.group(1))] = m.group(2)
            continue
        if b"chmod" in c.split(b"(", 1)[0]:
            m = PROC_FD.search(c)
            target = opened.get((pid, m.group(1))) if m else None
            if target == helper or (target is None and helper in c):
                out.append(("chmod", c))
            continue
        # A rename or unlink of the helper, or of a directory on its way up to /opt.
        if b"= -1" in c:
            continue
        for d in (helper, parent, os.path.dirname(parent)):
            up, base = os.path.split(d)
            if b"<" + up + b'>, "' + base + b'"' in c:
                out.append(("remove", c))
                break
    return out


if __name__ == "__main__":
    unittest.main(verbosity=2)
