"""SAFETY.md S3: a race hammer. While `excise apply` and `excise rollback` run, another
process, running as alice, keeps swapping the directories of the tree being removed
(~alice/.acme/a/b/c/d/e, every level) with symlinks to root-owned sentinels (inside the
root, absolute and relative, to the root's "/", and to a sentinel outside the root by
its host path). Many runs, thousands of swaps; the sentinels never change, the exit
code is 0 or 1 (a run may stop when it sees the tree change; it may never act
elsewhere), and every journal passes its own check.

Two modes: "rename" (the quarantine is on the same file system: one rename moves the
tree) and "copy" (the state directory is a tmpfs: the tree is copied, then removed
entry by entry, which is where a walk can be raced).

CI runs each mode for EXCISE_RACE_SECONDS (default 10); scripts/safety-race.sh runs
it for longer and prints the figures.
"""
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import excise_argv, run  # noqa: E402
from excise_e2e.safety import (SafetyTest, Sentinel, guarded_argv, journal_problems,  # noqa: E402
                               mount, path_playbook, private_mount_namespace)

SECONDS = float(os.environ.get("EXCISE_RACE_SECONDS", "10"))
LEVELS = "abcde"

ATTACKER = r"""
import json, os, sys, time
cfg = json.loads(sys.argv[1])
victims = [os.fsencode(v) for v in cfg["victims"]]
targets = [os.fsencode(t) for t in cfg["targets"]]
stop, pause, ack = (os.fsencode(cfg[k]) for k in ("stop", "pause", "ack"))
n = swaps = 0
while not os.path.exists(stop):
    if os.path.exists(pause):
        if not os.path.exists(ack):
            open(ack, "w").close()
        time.sleep(0.0005)
        continue
    if os.path.exists(ack):
        os.unlink(ack)
    v = victims[n % len(victims)]
    t = targets[(n // len(victims)) % len(targets)]
    n += 1
    aside = v + b".aside"
    try:
        os.rename(v, aside)
    except OSError:
        continue
    try:
        os.symlink(t, v)
        swaps += 1
    except OSError:
        pass
    os.sched_yield()
    try:
        os.unlink(v)
    except OSError:
        pass
    try:
        os.rename(aside, v)
    except OSError:
        pass
print(swaps, flush=True)
"""


def reason(result) -> str:
    """The first line excise printed about why it stopped, without the paths."""
    lines = [ln for ln in (result.stdout + result.stderr).split("\n") if ln.strip()]
    line = next((ln for ln in lines if "fail" in ln or "error" in ln), lines[0] if lines else "")
    line = re.sub(r"run \d{8}T\d{6}Z(-\d+)?", "run R", line)
    line = re.sub(r"\[\d+/\d+\] ", "", line)
    return re.sub(r"/home/alice/\.acme\S*", "P", line)[:140]


class RaceHammer(SafetyTest):
    @classmethod
    def setUpClass(cls):
        # The copy mode mounts a tmpfs; only this process (and excise under it) sees it.
        private_mount_namespace()

    def build_tree(self, root, alice):
        top = root.host("/home/alice/.acme")
        os.mkdir(top)
        os.chown(top, *alice)
        d = top
        for level in LEVELS:
            d = os.path.join(d, level.encode())
            os.mkdir(d)
            os.chown(d, *alice)
            for i in range(4):
                f = os.path.join(d, b"f%d" % i)
                with open(f, "wb") as fh:
                    fh.write(b"banned %d\n" % i)
                os.chown(f, *alice)

    def hammer(self, mode):
        os.chmod(self.tmp, 0o755)  # alice must reach her home under the temp dir
        root = self.make_root()
        alice = self.owner(root, "alice")
        sentinels = [Sentinel.make(root.host("/srv/sentinel")), Sentinel(root.host("/etc")),
                     Sentinel(root.host("/usr")),
                     Sentinel.make(os.path.join(self.tmp, "outside-sentinel"))]
        state = []
        if mode == "copy":
            mnt = os.path.join(self.tmp, "state")
            os.mkdir(mnt)
            mount("-t", "tmpfs", "-o", "mode=0755", "excise-race-state", mnt)
            state = ["--state-dir", os.path.join(mnt, "excise")]
        pb = self.playbook(path_playbook("acme", ["~/.acme"]))
        victims, d = [], root.host("/home/alice/.acme")
        for level in LEVELS:
            d = os.path.join(d, level.encode())
            victims.append(os.fsdecode(d))
        control = os.path.join(self.tmp, "control")
        os.mkdir(control)
        os.chmod(control, 0o777)
        cfg = {"victims": victims,
               "targets": ["/srv/sentinel", "../../../../../../../srv/sentinel", "/",
                           os.path.join(self.tmp, "outside-sentinel")],
               "stop": os.path.join(control, "stop"), "pause": os.path.join(control, "pause"),
               "ack": os.path.join(control, "ack")}

        def pause():
            open(cfg["pause"], "w").close()
            t0 = time.monotonic()
            while not os.path.exists(cfg["ack"]):
                if time.monotonic() - t0 > 10:
                    raise AssertionError("the attacker does not answer")
                time.sleep(0.001)

        def resume():
            os.unlink(cfg["pause"])

        open(cfg["pause"], "w").close()
        attacker = subprocess.Popen(["/usr/bin/python3", "-c", ATTACKER, json.dumps(cfg)], cwd="/",
                                    stdout=subprocess.PIPE, user=alice[0], group=alice[1],
                                    extra_groups=[])
        self.addCleanup(lambda: (attacker.kill(), attacker.communicate()))
        pause()
        guard = (lambda a: guarded_argv(self.tmp, a))
        counts = {"runs": 0, "apply ok": 0, "apply stopped": 0, "rollback ok": 0,
                  "rollback stopped": 0}
        stops: dict[str, int] = {}
        t_end = time.monotonic() + SECONDS
        while time.monotonic() < t_end:
            counts["runs"] += 1
            self.build_tree(root, alice)
            resume()
            a = run(guard(excise_argv("apply", "--yes", "--root", root.path, *state, pb)))
            ran = "run " in a.stdout
            r = run(guard(excise_argv("rollback", "--yes", "--last", "--root", root.path,
                                      *state))) if ran else None
            pause()
            self.assertIn(a.code, (0, 1), str(a))
            counts["apply ok" if a.code == 0 else "apply stopped"] += 1
            if a.code != 0:
                why = "apply: " + reason(a)
                stops[why] = stops.get(why, 0) + 1
            if r is not None:
                self.assertIn(r.code, (0, 1), str(r))
                counts["rollback ok" if r.code == 0 else "rollback stopped"] += 1
                if r.code != 0:
                    why = "rollback: " + reason(r)
                    stops[why] = stops.get(why, 0) + 1
            problems = [c for s in sentinels for c in s.changes()]
            problems += journal_problems(root.path, *state)
            self.assertEqual(problems, [], f"run {counts['runs']}: {a}\n{r}")
            # Start the next run from a clean slate.
            for name in os.listdir(root.host("/home/alice")):
                if name.startswith(b".acme"):
                    run(["rm", "-rf", "--one-file-system", root.host(b"/home/alice/" + name)])
            run(["rm", "-rf", "--one-file-system",
                 state[1] if state else root.host("/var/lib/excise")])
        open(cfg["stop"], "w").close()
        out, _ = attacker.communicate(timeout=30)
        swaps = int(out.decode().strip() or 0)
        figures = (f"S3 race ({mode}): {counts['runs']} runs, {swaps} swaps in {SECONDS:.0f} s; "
                   + ", ".join(f"{k} {v}" for k, v in counts.items() if k != "runs"))
        for why, n in sorted(stops.items(), key=lambda kv: -kv[1]):
            figures += f"\n    {n} x {why}"
        print("\n" + figures, file=sys.stderr, flush=True)
        self.assertGreater(swaps, counts["runs"])  # the attacker really was at work

    def test_rename_mode(self):
        self.hammer("rename")

    def test_copy_mode(self):
        self.hammer("copy")


if __name__ == "__main__":
    unittest.main(verbosity=2)
