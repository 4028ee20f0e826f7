"""SAFETY.md S15: a failed fsync of the journal stops the run before its next destructive
step; it is not retried and ignored.

For every record the reference scenario's apply journals, the journal's sync of that
record fails with EIO, in two ways: excise's fail point journal.after-sync (after the
fdatasync returned), and strace failing the fdatasync system call itself
(`-e inject=fdatasync:error=EIO:when=N`, at each fdatasync of the journal's descriptor).
Then:
  * apply exits non-zero and says the journal failed;
  * no record follows the failed one in the journal (the FileJournal is poisoned: not
    even the "failed" or "end" record is attempted, nor a retry of the sync);
  * the root is exactly as if excise had been killed at that moment (same syscall or fail
    point, signal KILL instead of EIO): the step after it never happened. Compared over
    the whole manifest but times (two runs edit the account files at different moments),
    except excise's own directory, dpkg's log and the shadow-utils lock files (which the
    EIO run releases on its way out and the killed one leaves).
  * rollback then gives back the before-state exactly.
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403
from excise_e2e.fault_scenario import copy_scenario, make_reference_scenario  # noqa: E402
from excise_e2e.sweep import no_leak_check  # noqa: E402

# The locks: released by the run that failed cleanly, left by the killed one.
NOT_COMPARED = ["var/lib/excise/**", "etc/.pwd.lock", "etc/*.lock", "var/log/dpkg.log"]


def base_dir() -> str:
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


class JournalSyncFailure(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_excise()
        cls.tmp = tempfile.mkdtemp(prefix="excise-e2e-", dir=base_dir())
        cls.template = make_reference_scenario(os.path.join(cls.tmp, "template"))
        cls.before = record(cls.template.root.path)
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        remove_temp_dir(cls.tmp)

    def copy(self):
        JournalSyncFailure.n += 1
        return copy_scenario(self.template, os.path.join(self.tmp, f"c{self.n}"))

    def apply(self, sc, env=None, strace=None):
        argv = excise_argv("apply", "--yes", "--root", sc.root.path, sc.playbook)
        if strace:
            argv = ["strace", "-o", os.path.join(self.tmp, "trace"), *strace, "--", *argv]
            env = {**(env or {}), **no_leak_check()}
        return run(argv, env=env)

    def journal(self, sc) -> list[str]:
        runs = os.path.join(sc.root.path, "var/lib/excise/runs")
        with open(os.path.join(runs, sorted(os.listdir(runs))[-1], "journal"), "rb") as f:
            return f.read().decode().splitlines()

    def journal_syncs(self) -> list[int]:
        """Which fdatasync calls of a clean apply (1-based) sync the journal."""
        sc = self.copy()
        trace = os.path.join(self.tmp, "discover")
        r = run(["strace", "-o", trace, "-e", "trace=openat,fdatasync", "--",
                 *excise_argv("apply", "--yes", "--root", sc.root.path, sc.playbook)],
                env=no_leak_check())
        self.assertEqual(r.code, 0, str(r))
        fd, n, out = None, 0, []
        with open(trace) as f:
            for line in f:
                m = re.match(r'openat\(\d+, "journal", .*\) = (\d+)$', line.strip())
                if m:
                    fd = m.group(1)
                m = re.match(r"fdatasync\((\d+)\)", line)
                if m:
                    n += 1
                    if m.group(1) == fd:
                        out.append(n)
        self.assertEqual(len(out), len(self.journal(sc)))  # one sync per record
        return out

    def test_failed_journal_sync_stops_the_run(self):
        syncs = self.journal_syncs()
        cases = [(f"fail point journal.after-sync:{k}", {"EXCISE_FAIL_POINTS": f"journal.after-sync:{k}=eio"},
                  None, {"EXCISE_FAIL_POINTS": f"journal.after-sync:{k}=kill"}, None, k)
                 for k in range(1, len(syncs) + 1)]
        cases += [(f"strace fdatasync #{n} (record {k})", None,
                   ["-e", "trace=fdatasync", "-e", f"inject=fdatasync:error=EIO:when={n}"],
                   None, ["-e", "trace=fdatasync", "-e", f"inject=fdatasync:signal=KILL:when={n}"],
                   k) for k, n in enumerate(syncs, start=1)]
        for what, env, strace, kill_env, kill_strace, k in cases:
            with self.subTest(what):
                failing = self.copy()
                r = self.apply(failing, env=env, strace=strace)
                self.assertGreater(r.code, 0, f"{what}: {r}")
                self.assertRegex(r.stderr, r"(journal \S+: fdatasync failed: Input/output error|"
                                           r"fail point journal.after-sync: injected EIO)\n"
                                           r"run \S+ stopped there; ", str(r))
                # Nothing after the record whose sync failed: no "failed", no "end".
                self.assertEqual(len(self.journal(failing)), k, f"{what}: {r}")
                killed = self.copy()
                rk = self.apply(killed, env=kill_env, strace=kill_strace)
                self.assertEqual(rk.code, -9, f"{what}: {rk}")
                # Times are left out: two runs edit the account files at different moments.
                diffs = compare(record(killed.root.path), record(failing.root.path),
                                exclude=NOT_COMPARED, ignore=["mtime"])
                self.assertEqual([str(d) for d in diffs], [],
                                 f"{what}: the run went on after the failed sync")
                rb = run_excise("rollback", "--last", "--yes", "--root", failing.root.path)
                self.assertEqual(rb.code, 0, str(rb))
                self.assertEqual([str(d) for d in failing.rollback_differences(self.before)], [])
                for sc in (failing, killed):
                    subprocess.run(["rm", "-rf", "--", sc.root.path], check=True)
        print(f"\nS15: {len(cases)} failed journal syncs ({len(syncs)} records, "
              f"fail point and system call)", flush=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
