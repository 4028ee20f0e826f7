"""SAFETY.md S20, run as PID 1 of a fresh PID namespace by test_processes.PidReuse:

    unshare --pid --fork --mount-proc python3 pid_reuse_ns.py MODE RUNS ACMED PLAYBOOK STATE TMP

In a namespace of our own, writing N-1 to /proc/sys/kernel/ns_last_pid makes the next
process get PID N: a freed PID is handed to an innocent process on purpose.

  saved-plan  plan against the product's process, let it exit, give its PID to an
              innocent sleep, then apply the saved plan: the innocent must live and
              excise must say the PID was reused.
  storm       the same, but the product's process is killed and its PID handed over at
              a random moment WHILE excise apply runs (before, during or after its step).

Prints one JSON line of figures last: runs, how often the PID was reused, what excise
said (reused / already gone / terminated), terminated_first (the product's process died of
excise's SIGTERM before the test killed it), and wrong_kills (an innocent that died).
"""

import json
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e.procs import alive, proc_of, wait_until  # noqa: E402
from excise_e2e.runner import excise_argv, run_excise  # noqa: E402


def main() -> int:
    mode, runs, acmed, playbook, state, tmp = sys.argv[1:]
    runs = int(runs)
    if os.getpid() != 1:
        print("not PID 1 of a new PID namespace", file=sys.stderr)
        return 2

    def start_banned(i: int):
        ready = os.path.join(tmp, f"ns-ready-{mode}-{i}")
        popen = subprocess.Popen([acmed, "--ready", ready, "sleep"], stdin=subprocess.DEVNULL)
        wait_until(lambda: os.path.exists(ready), what="the product's process")
        return proc_of(popen.pid, popen)

    def innocent_at(pid: int):
        # Nothing else may start a process between these two lines.
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid - 1))
        popen = subprocess.Popen(["/bin/sleep", "1000"], stdin=subprocess.DEVNULL)
        return proc_of(popen.pid, popen)

    def plan_against(banned, i: int) -> str:
        plan_file = os.path.join(tmp, f"ns-plan-{mode}-{i}.json")
        r = run_excise("plan", "--root", "/", "--format", "json", "-o", plan_file, playbook)
        assert r.code == 2, str(r)
        pids = [s["params"]["pid"] for s in r.json()["steps"]]
        assert pids == [banned.pid], (pids, banned)
        return plan_file

    figures = {"mode": mode, "runs": 0, "reused": 0, "said_reused": 0, "said_gone": 0,
               "said_terminated": 0, "terminated_first": 0, "wrong_kills": 0, "apply_seconds_max": 0.0}
    for i in range(runs):
        banned = start_banned(i)
        plan_file = plan_against(banned, i)
        apply_argv = ["apply", "--root", "/", "--state-dir", state, "--yes", "--format", "json",
                      plan_file]
        started = time.monotonic()
        if mode == "saved-plan":
            banned.popen.kill()
            banned.popen.wait()
            innocent = innocent_at(banned.pid)
            r = run_excise(*apply_argv)
            code, out, err = r.code, r.stdout, r.stderr
        else:
            apply = subprocess.Popen(excise_argv(*apply_argv), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
            time.sleep(random.uniform(0, 0.12))
            banned.popen.kill()  # a no-op if excise's SIGTERM was first (a zombie)
            banned.popen.wait()
            innocent = innocent_at(banned.pid)
            out, err = apply.communicate(timeout=120)
            code = apply.returncode
        figures["apply_seconds_max"] = max(figures["apply_seconds_max"],
                                           round(time.monotonic() - started, 3))
        assert code == 0, f"apply exit {code}\n{out}\n{err}"
        notes = [n for s in json.loads(out)["steps"] for n in s["notes"]]
        figures["runs"] += 1
        figures["reused"] += innocent.pid == banned.pid
        figures["said_reused"] += any(f"pid {banned.pid} was reused" in n for n in notes)
        figures["said_gone"] += any("already gone" in n for n in notes)
        figures["said_terminated"] += any(f"pid {banned.pid} exited after SIGTERM" in n
                                          for n in notes)
        figures["terminated_first"] += banned.popen.returncode == -15
        # A signal from excise would have been delivered before it exited.
        if not alive(innocent):
            figures["wrong_kills"] += 1
            print(f"WRONG KILL: innocent pid {innocent.pid} died; notes {notes}", file=sys.stderr)
        innocent.popen.kill()
        innocent.popen.wait()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
