"""SAFETY.md S9: very deep and very wide trees, under a low open-file limit.

A 100,000-level tree (built with mkdirat/openat on descriptors: its paths are far
beyond PATH_MAX) and a 100,000-entry directory (EXCISE_S9_WIDE raises it; the script
scripts/safety-big-trees.sh runs 1,000,000) are planned, applied and rolled back with
RLIMIT_NOFILE = 64, in both quarantine modes (rename; copy then remove, with the state
directory on another tmpfs). No crash, bounded memory (the maximum RSS of every command
is measured and printed), the tree comes back exactly (checked through descriptors).
A copy that runs out of inodes halfway stops cleanly: the original is untouched, the
journal is sound, rollback drops the partial copy and a second apply finishes.

The root and the state directory are tmpfs mounts in the test's own mount namespace,
so building and dropping the trees is cheap and leaves nothing behind.
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import excise_argv, make_root  # noqa: E402
from excise_e2e.sweep import sanitized_binary  # noqa: E402
from excise_e2e.safety import (SafetyTest, Sentinel, journal_problems, max_rss_kib,  # noqa: E402
                               mount, path_playbook, private_mount_namespace)

DEEP = int(os.environ.get("EXCISE_S9_DEEP", "100000"))
WIDE = int(os.environ.get("EXCISE_S9_WIDE", "100000"))
NOFILE = 64
# Generous but finite: a walk that kept every path, or a descriptor per level, would
# blow well past it at these sizes.
RSS_LIMIT_KIB = int(os.environ.get("EXCISE_S9_RSS_LIMIT_KIB", str(512 * 1024)))
FIGURES: list[str] = []


def build_deep(top: bytes, levels: int) -> None:
    """top/d/d/.../d/leaf, `levels` directories below top, by descriptors only."""
    os.mkdir(top)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(levels):
        os.mkdir("d", 0o755, dir_fd=fd)
        child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    leaf = os.open("leaf", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640, dir_fd=fd)
    os.write(leaf, b"the bottom\n")
    os.close(leaf)
    os.close(fd)


def deep_shape(top: bytes) -> tuple[int, bytes]:
    """(levels, content of the leaf), walking down by descriptors; raises on any other
    entry, so a partial or reshaped tree does not pass."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    levels = 0
    try:
        while True:
            names = os.listdir(fd)
            if names == ["d"]:
                child = os.open("d", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = child
                levels += 1
                continue
            if names != ["leaf"]:
                raise AssertionError(f"level {levels}: unexpected entries {names[:5]}")
            leaf = os.open("leaf", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
            try:
                return levels, os.read(leaf, 100)
            finally:
                os.close(leaf)
    finally:
        os.close(fd)


def build_wide(top: bytes, entries: int) -> None:
    os.mkdir(top)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for i in range(entries):
            f = os.open(b"entry-%07d" % i, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=fd)
            if i % 1000 == 0:
                os.write(f, b"%d\n" % i)
            os.close(f)
    finally:
        os.close(fd)


def wide_shape(top: bytes) -> tuple[int, int]:
    names = os.listdir(top)
    expected = {b"entry-%07d" % i for i in range(len(names))}
    return len(names), len(set(names) - expected)


class BigTrees(SafetyTest):
    @classmethod
    def setUpClass(cls):
        private_mount_namespace()

    @classmethod
    def tearDownClass(cls):
        print("\n" + "\n".join(FIGURES), file=sys.stderr, flush=True)

    def tmpfs(self, name, options="mode=0755"):
        path = os.path.join(self.tmp, name)
        os.mkdir(path)
        mount("-t", "tmpfs", "-o", options, f"excise-s9-{name}", path)
        return path

    def limited(self, what, *args, expect):
        """excise with RLIMIT_NOFILE = 64, its maximum RSS measured."""
        t0 = time.monotonic()
        r, rss = max_rss_kib(["prlimit", f"--nofile={NOFILE}:{NOFILE}", *excise_argv(*args)],
                             timeout=1800)
        FIGURES.append(f"S9 {what}: exit {r.code}, {time.monotonic() - t0:.1f} s, "
                       f"max RSS {rss / 1024:.1f} MiB")
        self.assertEqual(r.code, expect, str(r))
        if not sanitized_binary():  # ASan's shadow memory and quarantine are not ours
            self.assertLess(rss, RSS_LIMIT_KIB, f"{what}: max RSS {rss} KiB")
        return r

    def world(self, mode):
        root = make_root(self.tmpfs(f"root-{mode}"))
        state = []
        if mode == "copy":
            state = ["--state-dir", os.path.join(self.tmpfs(f"state-{mode}"), "excise")]
        sentinel = Sentinel.make(root.host("/srv/sentinel"))
        return root, state, sentinel

    def round_trip(self, what, mode, build, shape, size):
        root, state, sentinel = self.world(mode)
        top = root.host("/opt/acme")
        os.mkdir(top)
        t0 = time.monotonic()
        build(top + b"/tree", size)
        FIGURES.append(f"S9 {what} {size:,} ({mode}): built in {time.monotonic() - t0:.1f} s")
        expected = shape(top + b"/tree")
        pb = self.playbook(path_playbook("acme", ["/opt/acme"]), f"{what}-{mode}.toml")
        r = self.limited(f"{what} {size:,} plan", "plan", "--root", root.path, *state,
                         "--format", "json", pb, expect=2)
        self.assertIn(f"{size + (2 if what == 'deep' else 1) + 1} entries",
                      r.json()["steps"][0]["reason"])
        self.limited(f"{what} {size:,} apply ({mode})", "apply", "--yes", "--root", root.path,
                     *state, pb, expect=0)
        self.assertFalse(os.path.lexists(top))
        self.limited(f"{what} {size:,} rollback ({mode})", "rollback", "--yes", "--last",
                     "--root", root.path, *state, expect=0)
        self.assertEqual(shape(top + b"/tree"), expected)
        self.assert_safe(root, sentinel, extra=state)

    def test_deep_rename(self):
        self.round_trip("deep", "rename", build_deep, deep_shape, DEEP)

    def test_deep_copy(self):
        self.round_trip("deep", "copy", build_deep, deep_shape, DEEP)

    def test_wide_rename(self):
        self.round_trip("wide", "rename", build_wide, wide_shape, WIDE)

    def test_wide_copy(self):
        self.round_trip("wide", "copy", build_wide, wide_shape, WIDE)

    def test_copy_out_of_inodes_stops_cleanly(self):
        """The quarantine's file system holds 5,000 inodes; the tree has 20,000. The copy
        fails halfway: apply exits 1 with the original untouched; rollback drops the
        partial copy; with room again, apply finishes and rollback restores."""
        root = make_root(self.tmpfs("root-enospc"))
        state_fs = self.tmpfs("state-enospc", "mode=0755,nr_inodes=5000")
        state = ["--state-dir", os.path.join(state_fs, "excise")]
        sentinel = Sentinel.make(root.host("/srv/sentinel"))
        top = root.host("/opt/acme")
        os.mkdir(top)
        build_wide(top + b"/tree", 20000)
        pb = self.playbook(path_playbook("acme", ["/opt/acme"]), "enospc.toml")
        r = self.limited("copy out of inodes: apply", "apply", "--yes", "--root", root.path,
                         *state, pb, expect=1)
        self.assertIn("No space left on device", r.stdout + r.stderr)
        self.assertEqual(wide_shape(top + b"/tree"), (20000, 0))
        self.assertEqual(journal_problems(root.path, *state), [])
        self.limited("copy out of inodes: rollback", "rollback", "--yes", "--last",
                     "--root", root.path, *state, expect=0)
        self.assertEqual(wide_shape(top + b"/tree"), (20000, 0))
        mount("-o", "remount,nr_inodes=0", state_fs)  # room again
        self.limited("copy out of inodes: apply again", "apply", "--yes", "--root", root.path,
                     *state, pb, expect=0)
        self.assertFalse(os.path.lexists(top))
        self.limited("copy out of inodes: rollback again", "rollback", "--yes", "--last",
                     "--root", root.path, *state, expect=0)
        self.assertEqual(wide_shape(top + b"/tree"), (20000, 0))
        self.assert_safe(root, sentinel, extra=state)


if __name__ == "__main__":
    unittest.main(verbosity=2)
