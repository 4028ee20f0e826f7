"""Crash consistency of the signature scenario: apply is killed with SIGKILL at each step
in turn (through excise's built-in fail points: after the step's journal record is
durable but before it acts, and after it acted but before its outcome is journaled).
Then either rollback gives back the before-state exactly, or apply again finishes the
job and rolling back both runs, newest first, gives back the before-state exactly.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403

KILL_POINTS = ["step.before-act", "step.after-act"]


class KilledApply(unittest.TestCase):
    def setUp(self):
        require_excise()

    def scenario(self, scripts="run"):
        tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, tmp)
        return make_fake_product(tmp, scripts=scripts)

    def excise(self, *args, expect=0, env=None):
        r = run_excise(*args, env=env)
        self.assertEqual(r.code, expect, str(r))
        return r

    def step_count(self, sc):
        plan = self.excise("plan", "--root", sc.root.path, "--format", "json", sc.playbook, expect=2).json()
        return len(plan["steps"])

    def killed_apply(self, sc, point, n):
        r = run_excise("apply", "--yes", "--root", sc.root.path, sc.playbook,
                       env={"EXCISE_FAIL_POINTS": f"{point}:{n}=kill"})
        self.assertEqual(r.code, -9, f"expected a SIGKILL at {point} #{n}: {r}")

    def run_ids(self, sc):
        runs = self.excise("runs", "--root", sc.root.path, "--format", "json").json()["runs"]
        return [r["run"] for r in runs]

    def test_kill_at_each_step_then_rollback(self):
        total = None
        for point in KILL_POINTS:
            n = 1
            while total is None or n <= total:
                with self.subTest(point=point, step=n):
                    sc = self.scenario()
                    before = record(sc.root.path)
                    if total is None:
                        total = self.step_count(sc)
                    self.killed_apply(sc, point, n)
                    self.excise("rollback", "--root", sc.root.path, "--last", "--yes")
                    self.assertEqual([str(d) for d in sc.rollback_differences(before)], [])
                    # A second rollback of the same run finds nothing left to do.
                    again = self.excise("rollback", "--root", sc.root.path, "--last", "--yes",
                                        "--format", "json").json()
                    self.assertFalse(again["changed"])
                n += 1

    def test_kill_at_each_step_then_apply_again(self):
        total = None
        for point in KILL_POINTS:
            n = 1
            while total is None or n <= total:
                with self.subTest(point=point, step=n):
                    sc = self.scenario("skip")
                    before = record(sc.root.path)
                    if total is None:
                        total = self.step_count(sc)
                    self.killed_apply(sc, point, n)
                    self.excise("apply", "--yes", "--root", sc.root.path, sc.playbook)
                    self.assertEqual(sc.after_apply_problems(before), [])
                    self.excise("plan", "--root", sc.root.path, sc.playbook, expect=0)
                    for run in reversed(self.run_ids(sc)):
                        self.excise("rollback", "--root", sc.root.path, run, "--yes")
                    self.assertEqual([str(d) for d in sc.rollback_differences(before)], [])
                n += 1


if __name__ == "__main__":
    unittest.main(verbosity=2)
