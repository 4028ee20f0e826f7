"""SAFETY.md S25: a dry run, traced with strace -f, makes zero destructive system calls
and writes nothing anywhere but its own output (stdout and stderr). Done on the full
fake product (packages, services, paths with hostile names, accounts) for `plan`,
`apply --dry-run` and `rollback --dry-run`; the root's manifest is also unchanged.
"""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import compare, excise_argv, make_fake_product, record  # noqa: E402
from excise_e2e.sweep import sanitized_binary  # noqa: E402
from excise_e2e.safety import (DESTRUCTIVE_SYSCALLS, SafetyTest, Sentinel, call_name,  # noqa: E402
                               traced)

WRITES = ("write", "pwrite64", "writev", "pwritev", "pwritev2", "sendfile", "splice",
          "copy_file_range", "fallocate", "sync_file_range")
OPENS = ("open", "openat", "openat2", "creat")
WRITE_FLAGS = re.compile(rb"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND|O_TMPFILE")
FD = re.compile(rb"^\S+\s+[a-z0-9_]+\((\d+)(<[^>]*>)?")


def writes_elsewhere(calls: list[bytes]) -> list[bytes]:
    """Calls that could change a file: an open for writing, or a write to a descriptor
    other than stdout and stderr."""
    out = []
    for c in calls:
        name = call_name(c)
        if name in OPENS:
            if WRITE_FLAGS.search(c):
                out.append(c)
        elif name in WRITES:
            m = FD.match(c)
            if b"<pipe:[" in c and sanitized_binary():
                continue  # the sanitizer runtime probes memory by writing it to a pipe
            if not m or m.group(1) not in (b"1", b"2"):
                out.append(c)
        else:
            out.append(c)  # a destructive call
    return out


class DryRun(SafetyTest):
    def traced_excise(self, *args, expect):
        r, calls = traced(excise_argv(*args), DESTRUCTIVE_SYSCALLS + WRITES + OPENS)
        self.assertEqual(r.code, expect, str(r))
        self.assertEqual(writes_elsewhere(calls), [])
        return r, calls

    def test_plan_and_dry_run_apply_change_nothing(self):
        sc = make_fake_product(self.tmp, scripts="run")
        sentinel = Sentinel.make(sc.root.host("/srv/sentinel"))
        before = record(sc.root.path)
        r, _ = self.traced_excise("plan", "--root", sc.root.path, sc.playbook, expect=2)
        self.assertIn("path.quarantine", r.stdout)
        r, calls = self.traced_excise("apply", "--dry-run", "--yes", "--root", sc.root.path,
                                      sc.playbook, expect=0)
        # It did go through every step (on the backend that writes nothing).
        self.assertIn("package.purge", r.stdout + r.stderr)
        self.assertIn("account.remove-user", r.stdout + r.stderr)
        self.assertGreater(len(calls), 0)  # it did print
        after = record(sc.root.path)
        self.assertEqual([str(d) for d in compare(before, after)], [])
        self.assertFalse(sc.root.exists("/var/lib/excise"))
        self.assert_safe(sc.root, sentinel)

    def test_dry_run_rollback_changes_nothing(self):
        sc = make_fake_product(self.tmp, scripts="skip")
        self.excise("apply", "--yes", "--root", sc.root.path, sc.playbook)
        # An image without dpkg's lock files: taking dpkg's lock would create them.
        for name in ("lock", "lock-frontend"):
            os.unlink(sc.root.host(f"/var/lib/dpkg/{name}"))
        sentinel = Sentinel.make(sc.root.host("/srv/sentinel"))
        before = record(sc.root.path)
        r, _ = self.traced_excise("rollback", "--dry-run", "--yes", "--last", "--root",
                                  sc.root.path, expect=0)
        after = record(sc.root.path)
        self.assertEqual([str(d) for d in compare(before, after)], [])
        self.assert_safe(sc.root, sentinel)


if __name__ == "__main__":
    unittest.main(verbosity=2)
