#!/usr/bin/python3
"""Crash and fault sweep of excise (SAFETY.md S13, S14, S17). Run as root from anywhere:

    scripts/fault-sweep.py                     # everything: every position, every mode
    scripts/fault-sweep.py --every 3 --modes kill --phases apply
    scripts/fault-sweep.py --syscalls renameat2,fdatasync --keep

Builds the reference scenario (tests/e2e/lib/excise_e2e/fault_scenario.py) once, finds
every mutating system call excise makes in each phase (strace), then kills excise or
fails the call (EIO, ENOSPC; once or from then on) at each position in turn, and at
every hit of each journal and step fail point, and checks that rollback gives back the
before-state exactly and apply again gives the after-state (see excise_e2e/sweep.py).
Prints positions tried and failures per phase, fault and system call, the failing cases'
details and the duration; exits 1 on any failure. The binary is $EXCISE_BIN, else
build/excise.
"""

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e", "lib"))
os.environ.setdefault("EXCISE_SOURCE_DIR", os.path.join(HERE, ".."))

from excise_e2e import remove_temp_dir, require_excise  # noqa: E402
from excise_e2e import sweep  # noqa: E402


def default_tmp() -> str:
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--phases", default="apply,rollback,resume",
                    help="comma-separated: apply, rollback, resume")
    ap.add_argument("--modes", default=",".join(sweep.MODES),
                    help="comma-separated: " + ", ".join(sweep.MODES) + " (+ = permanent)")
    ap.add_argument("--every", type=int, default=1,
                    help="try every Nth position of each system call (first and last always)")
    ap.add_argument("--syscalls", default="", help="only these system calls")
    ap.add_argument("--no-strace", action="store_true", help="fail points only")
    ap.add_argument("--no-failpoints", action="store_true", help="system calls only")
    ap.add_argument("--jobs", type=int, default=1, help="cases run in parallel")
    ap.add_argument("--tmp", default=default_tmp(), help="where the roots go (default: %(default)s)")
    ap.add_argument("--keep", action="store_true", help="keep the directories of failing cases")
    ap.add_argument("--json", default="", help="also write the results to this file")
    ap.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    args = ap.parse_args()

    require_excise()
    if os.geteuid() != 0:
        print("fault-sweep: run as root (dpkg, useradd and chown need it)", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    base = tempfile.mkdtemp(prefix="excise-e2e-sweep-", dir=args.tmp)
    try:
        template = sweep.build_template(base)
        print(f"reference scenario: {len(template.steps)} steps, {template.files} files in the "
              f"trees it removes; built and discovered in {time.monotonic() - t0:.1f} s")
        for phase, positions in template.discovered.items():
            counts = ", ".join(f"{k} {len(v)}" for k, v in sorted(positions.items()))
            print(f"  {phase}: mutating calls of excise: {counts}")
        kids = ", ".join(f"{k} {v}" for k, v in sorted(template.children.items()))
        print(f"  apply: mutating calls of its children (dpkg, scripts; not injected): {kids}")
        cases = sweep.plan_cases(
            template, phases=args.phases.split(","), modes=args.modes.split(","),
            every=args.every, syscalls=set(filter(None, args.syscalls.split(","))) or None,
            strace=not args.no_strace, failpoints=not args.no_failpoints)

        def progress(i, total, case, got):
            if args.quiet:
                return
            bad = sum(o.failed for o in got)
            print(f"[{i}/{total}] {case.label()}: {len(got)} position(s)"
                  + (f", {bad} FAILED" if bad else ""), flush=True)

        outcomes = sweep.run_cases(template, cases, jobs=args.jobs, keep=args.keep,
                                   progress=progress)
        seconds = time.monotonic() - t0
        print()
        print(sweep.render_table(outcomes))
        failures = sweep.render_failures(outcomes)
        if failures:
            print()
            print(failures)
        print(f"\nsweep took {seconds:.0f} s ({seconds / 60:.1f} min), {len(outcomes)} cases")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump({"seconds": seconds, "rows": sweep.table(outcomes),
                           "failures": [{"case": o.case.label(), "problems": o.problems,
                                         "kept": o.kept} for o in outcomes if o.failed]},
                          f, indent=1)
        return 1 if any(o.failed for o in outcomes) else 0
    finally:
        if args.keep:
            # Only the failing cases' directories remain (run_case removed the others).
            for name in os.listdir(base):
                if not name.startswith("case-"):
                    p = os.path.join(base, name)
                    os.system(f"rm -rf -- '{p}'") if os.path.isdir(p) else os.unlink(p)
        else:
            remove_temp_dir(base, force=True)


if __name__ == "__main__":
    sys.exit(main())
