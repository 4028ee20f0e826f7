"""SAFETY.md S6 and S23, through the real binary: playbooks that name the root (or a
top-level directory), and playbooks someone other than root could have written, are
refused when loading, with a message naming the file and saying why (and, for trust,
how to fix it), exit 1, and not one destructive system call in the whole run (strace
-f over every command that takes playbooks). The root and a sentinel are unchanged.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import compare, excise_argv, record  # noqa: E402
from excise_e2e.safety import (SafetyTest, Sentinel, path_playbook, traced,  # noqa: E402
                               write_playbook)

# Each root synonym, and the problem the loader names (playbooks/glob + protected list).
ROOT_SYNONYMS = [
    ("/", "could match the protected path / (the root directory)"),
    ("//", "empty path component ('//' or a trailing '/')"),
    ("/./", "'.' and '..' components are not allowed"),
    ("/etc/..", "'.' and '..' components are not allowed"),
    ("~/..", "'.' and '..' components are not allowed"),
    ("/home/*/..", "'.' and '..' components are not allowed"),
    ("*", "must be absolute (start with '/' or '~/')"),
    ("/*", "could match the protected path /* (a top-level directory)"),
    ("", "must not be empty"),
    ("////", "empty path component ('//' or a trailing '/')"),
    ("/../", "'.' and '..' components are not allowed"),
    ("/opt/rootlink/", "empty path component ('//' or a trailing '/')"),
    ("/opt/rootlink/..", "'.' and '..' components are not allowed"),
    # Top-level directories and homes, spelled every way.
    ("/**", "could match the protected path / (the root directory)"),
    ("/**/*", "could match the protected path /root (a home directory)"),
    ("/etc", "could match the protected path /etc (a top-level directory)"),
    ("/e*", "could match the protected path /* (a top-level directory)"),
    ("/?sr", "could match the protected path /* (a top-level directory)"),
    ("/[a-z]*", "could match the protected path /* (a top-level directory)"),
    ("~", "could match the protected path ~ (a home directory)"),
    ("/home/*", "could match the protected path /home/* (a home directory)"),
]

# Every command that reads playbooks.
COMMANDS = [("plan",), ("apply", "--yes"), ("apply", "--dry-run"), ("validate",)]


class Refused(SafetyTest):
    def world(self):
        root = self.make_root()
        root.put_file("/opt/acme/bin/agent", "banned\n", 0o755)
        os.symlink("/", root.host("/opt/rootlink"))
        os.symlink("rootlink", root.host("/opt/rootlink2"))
        os.symlink("..", root.host("/opt/rootlink3"))
        # A previous run left excise's state (and its lock file) in the root: a refused
        # playbook must not touch even those.
        good = self.playbook(path_playbook("old", ["/opt/old"]), "old.toml")
        root.put_file("/opt/old/x", "old\n")
        self.excise("apply", "--yes", "--root", root.path, good)
        sentinels = [Sentinel.make(root.host("/srv/sentinel"))]
        return root, sentinels

    def refused_everywhere(self, root, sentinels, playbooks, expected_lines, extra=()):
        before = record(root.path, views=False)
        for command in COMMANDS:
            with self.subTest(command=" ".join(command)):
                args = [*command, *extra]
                if command[0] != "validate":
                    args += ["--root", root.path]
                r, calls = traced(excise_argv(*args, *playbooks))
                self.assertEqual(r.code, 1, str(r))
                for line in expected_lines:
                    self.assertIn(line, r.stderr + r.stdout)
                self.assertEqual(calls, [], "destructive system calls")
        after = record(root.path, views=False)
        self.assertEqual([str(d) for d in compare(before, after, views=False)], [])
        self.assert_safe(root, *sentinels)

    def test_root_synonyms_rejected_at_load(self):
        """S6: every root synonym, one playbook each, and all of them in one."""
        root, sentinels = self.world()
        for i, (glob, problem) in enumerate(ROOT_SYNONYMS):
            with self.subTest(glob=glob):
                pb = self.playbook(path_playbook("acme", [glob]), f"s6-{i}.toml")
                # Line 10, column 10: the glob's place in path_playbook's text.
                self.refused_everywhere(root, sentinels, [pb],
                                        [f'{pb}:10:10: [[path]] #1: key \'globs\' item 1: ',
                                         problem])
        everything = self.playbook(path_playbook("acme", [g for g, _ in ROOT_SYNONYMS]), "all.toml")
        self.refused_everywhere(root, sentinels, [everything],
                                [f"item {i + 1}: " for i in range(len(ROOT_SYNONYMS))])

    def test_a_good_playbook_beside_a_bad_one_changes_nothing(self):
        root, sentinels = self.world()
        good = self.playbook(path_playbook("acme", ["/opt/acme"]), "good.toml")
        bad = self.playbook(path_playbook("evil", ["/etc/.."]), "bad.toml")
        self.refused_everywhere(root, sentinels + [Sentinel(root.host("/opt/acme"))],
                                [good, bad], [f"{bad}:10:10: [[path]] #1: key 'globs' item 1: "
                                              "\"/etc/..\": '.' and '..' components are not "
                                              "allowed"])

    def test_links_to_the_root_are_blocked_at_plan_time(self):
        """A glob that is fine on paper but meets links to "/" in the root: every match
        resolves to a protected path, nothing is removed, not one destructive call."""
        root = self.make_root()
        for name, target in (("rootlink", "/"), ("rootlink2", "rootlink"), ("rootlink3", "..")):
            os.symlink(target, root.host(f"/opt/{name}"))
        sentinels = [Sentinel(root.host(p)) for p in ("/etc", "/usr", "/home", "/opt")]
        pb = self.playbook(path_playbook("acme", ["/opt/rootlink*/*", "/opt/rootlink*/etc/passwd"]))
        plan = self.excise("plan", "--root", root.path, "--format", "json", pb, expect=2).json()
        self.assertEqual(plan["steps"], [])
        self.assertTrue(plan["blocked"])
        for b in plan["blocked"]:
            self.assertRegex(b["reason"], r"^resolves to /[a-z]*(/passwd)?, a protected path: "
                                          r"never removed$")
        r, calls = traced(excise_argv("apply", "--yes", "--root", root.path, pb))
        self.assertEqual(r.code, 1, str(r))
        self.assertEqual(calls, [])
        self.assert_safe(root, *sentinels)


class Untrusted(SafetyTest):
    """S23: not owned by root, writable by group or others, or in such a directory."""

    def check(self, pb, expected, extra=()):
        root = self.make_root()
        root.put_file("/opt/acme/bin/agent", "banned\n", 0o755)
        sentinels = [Sentinel(root.host("/opt/acme")), Sentinel.make(root.host("/srv/sentinel"))]
        for command in COMMANDS:
            with self.subTest(command=" ".join(command)):
                args = [*command, *extra]
                if command[0] != "validate":
                    args += ["--root", root.path]
                r, calls = traced(excise_argv(*args, pb))
                self.assertEqual(r.code, 1, str(r))
                self.assertIn(expected, r.stderr)
                self.assertEqual(calls, [])
        self.assertTrue(root.exists("/opt/acme/bin/agent"))
        self.assert_safe(root, *sentinels)

    def playbook_at(self, directory, mode=0o644, uid=0, dir_mode=0o755, dir_uid=0):
        pb = write_playbook(directory, "acme.toml", path_playbook("acme", ["/opt/acme"]))
        os.chown(pb, uid, 0)
        os.chmod(pb, mode)
        os.chown(directory, dir_uid, 0)
        os.chmod(directory, dir_mode)
        return pb

    def test_file_owned_by_a_user(self):
        pb = self.playbook_at(os.path.join(self.tmp, "a"), uid=1234)
        self.check(pb, f"{pb}: refused: the file is owned by uid 1234, not root; a playbook must "
                       f"be writable only by root; to fix: chown root {pb}")

    def test_file_writable_by_group(self):
        pb = self.playbook_at(os.path.join(self.tmp, "b"), mode=0o664)
        self.check(pb, f"{pb}: refused: the file is writable by group or others (mode 0664); a "
                       f"playbook must be writable only by root; to fix: chmod go-w {pb}")

    def test_file_writable_by_others(self):
        pb = self.playbook_at(os.path.join(self.tmp, "c"), mode=0o666)
        self.check(pb, f"{pb}: refused: the file is writable by group or others (mode 0666); a "
                       f"playbook must be writable only by root; to fix: chmod go-w {pb}")

    def test_directory_writable_by_others(self):
        d = os.path.join(self.tmp, "d")
        pb = self.playbook_at(d, dir_mode=0o777)
        self.check(pb, f"{pb}: refused: directory {d} is writable by group or others (mode 0777); "
                       f"a playbook must be writable only by root; to fix: chmod go-w {d}, or "
                       f"keep playbooks in a directory only root can write")

    def test_directory_owned_by_a_user(self):
        d = os.path.join(self.tmp, "e")
        pb = self.playbook_at(d, dir_uid=1234)
        self.check(pb, f"{pb}: refused: directory {d} is owned by uid 1234, not root; a playbook "
                       f"must be writable only by root; to fix: chown root {d}, or keep "
                       f"playbooks in a directory only root can write")

    def test_a_catalogue_in_an_untrusted_directory(self):
        d = os.path.join(self.tmp, "catalogue")
        pb = self.playbook_at(d, dir_mode=0o775)
        self.check("acme", f"{pb}: refused: directory {d} is writable by group or others (mode "
                           f"0775)", extra=("--catalogue", d))


if __name__ == "__main__":
    unittest.main(verbosity=2)
