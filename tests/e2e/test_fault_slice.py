"""A representative slice of the crash and fault sweep (scripts/fault-sweep.py; SAFETY.md
S13, S14, S17), small enough for every CI run (a few minutes):
  * every journal and step fail point at every hit, killed, in all three phases (apply,
    rollback, resume);
  * every 40th position of each mutating system call excise makes (and always its first
    and last), killed, in all three phases;
  * EIO once at every 60th position and ENOSPC from then on at every 80th, during apply.
The checks are the sweep's (excise_e2e/sweep.py): after each fault, rollback gives back
the before-state exactly and apply again the after-state; a faulty run never reports a
success it did not achieve. The full sweep runs every position of every mode.
"""
import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import remove_temp_dir, require_excise  # noqa: E402
from excise_e2e import sweep  # noqa: E402


def base_dir() -> str:
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


class FaultSlice(unittest.TestCase):
    def test_slice(self):
        require_excise()
        t0 = time.monotonic()
        base = tempfile.mkdtemp(prefix="excise-e2e-sweep-", dir=base_dir())
        self.addCleanup(remove_temp_dir, base)
        template = sweep.build_template(base)
        phases = ("apply", "rollback", "resume")
        cases = sweep.plan_cases(template, phases=phases, modes=("kill",), strace=False)
        cases += sweep.plan_cases(template, phases=phases, modes=("kill",), every=40,
                                  failpoints=False)
        cases += sweep.plan_cases(template, phases=("apply",), modes=("eio",), every=60,
                                  failpoints=False)
        cases += sweep.plan_cases(template, phases=("apply",), modes=("enospc+",), every=80,
                                  failpoints=False)
        outcomes = sweep.run_cases(template, cases)
        print(f"\n{sweep.render_table(outcomes)}\nslice took {time.monotonic() - t0:.0f} s",
              flush=True)
        failures = sweep.render_failures(outcomes)
        self.assertFalse(failures, "\n" + failures)
        unreached = [o.case.label() for o in outcomes if not o.reached]
        self.assertEqual(unreached, [], "positions found in discovery were not reached")


if __name__ == "__main__":
    unittest.main(verbosity=2)
