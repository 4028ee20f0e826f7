"""The process kind with real processes on this machine (SAFETY.md S20-S22).

The product's daemon is a copy of tests/helpers/excise_test_proc at TMP/opt/acme/bin/acmed
(with random bytes appended, so that no other test's copy is byte-identical); the
playbook's [[process]] names TMP/opt/acme/bin/*. excise plans and applies against the
live root "/" with its state in TMP. PID 1 here is not systemd, so "a service" is played
by a cgroup v2 directory named like a unit (test_service_cgroup_*).
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import make_temp_dir, remove_temp_dir, require_excise, run_excise  # noqa: E402
from excise_e2e.procs import (ProcWorld, alive, cgroup2_mount, copy_file, helper_binary,  # noqa: E402
                              proc_of, stat_of, steps_by_pid, unique_copy, wait_until)

IRREVERSIBLE = "a terminated process cannot be brought back; rollback restarts services it stopped"


def read_text(path: str) -> str:
    with open(path) as f:
        return f.read()


def notes_of(run: dict) -> list[str]:
    return [n for s in run["steps"] for n in s["notes"]]


class ProcessTestCase(unittest.TestCase):
    world_options: dict = {}

    def setUp(self):
        require_excise()
        if not os.access(helper_binary(), os.X_OK):
            raise unittest.SkipTest(f"{helper_binary()} is not built")
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)
        self.w = ProcWorld(self.tmp, **self.world_options)
        self.addCleanup(self.w.close)

    def apply_json(self, *inputs: str) -> dict:
        r = self.w.apply(*inputs, extra=("--format", "json"))
        self.assertEqual(r.code, 0, r)
        return r.json()


class Identity(ProcessTestCase):
    """S21: identity comes from the executable, never from the name."""
    world_options = {"names": ["acmed"]}

    def test_exe_glob_matches_and_renamed_innocents_are_not_touched(self):
        banned = self.w.start([self.w.acmed, "sleep"], helper=True)
        # S21a: innocents that call themselves acmed
        exec_a = self.w.start(["acmed", "1000"], executable="/bin/sleep")
        prctl = self.w.start([sys.executable, "-c",
                              "import ctypes, time; ctypes.CDLL(None).prctl(15, b'acmed', 0, 0, 0);"
                              " time.sleep(1000)"])
        wait_until(lambda: read_text(f"/proc/{prctl.pid}/comm") == "acmed\n",
                   what="prctl rename")
        same_name = copy_file("/bin/sleep", os.path.join(self.tmp, "innocent", "acmed"))
        basename = self.w.start([same_name, "1000"])
        innocents = [exec_a, prctl, basename]

        plan = self.w.plan()
        self.assertEqual(plan["exit_code"], 2, plan)
        steps = steps_by_pid(plan)
        self.assertEqual(list(steps), [banned.pid], plan["steps"])
        step = steps[banned.pid]
        self.assertEqual(step["phase"], "quiesce")
        self.assertEqual(step["target"], f"pid {banned.pid} {self.w.acmed}")
        self.assertEqual(step["reason"],
                         f"runs {self.w.acmed}, which matches exe glob {self.w.glob}")
        self.assertFalse(step["reversible"])
        self.assertEqual(step["irreversible_why"], IRREVERSIBLE)
        st = os.stat(self.w.acmed)
        self.assertEqual(plan["facts"][f"process {banned.pid} {banned.start}"],
                         f"exe {st.st_dev}:{st.st_ino} pid {banned.pid} {self.w.acmed}")

        run = self.apply_json()
        self.assertEqual(notes_of(run), [f"pid {banned.pid} exited after SIGTERM"])
        self.assertEqual(banned.popen.wait(5), -15)
        for p in innocents:
            self.assertTrue(alive(p), p)
        # Nothing left: a second plan finds nothing.
        self.assertEqual(self.w.plan()["exit_code"], 0)

    def test_names_only_narrow(self):
        other = unique_copy(helper_binary(), os.path.join(self.tmp, "opt/acme/bin/acme-helper"))
        banned = self.w.start([self.w.acmed, "sleep"], helper=True)
        helper = self.w.start([other, "sleep"], helper=True)
        plan = self.w.plan()
        self.assertEqual(list(steps_by_pid(plan)), [banned.pid])
        self.assertIn(f"pid {helper.pid} ({other}) runs {other}, which matches exe glob "
                      f"{self.w.glob}, but its name (acme-helper, argv[0] {other}) is not one "
                      "of 'names': kept", [n["text"] for n in plan["notes"]])

    def test_copy_hard_link_and_deleted_binary_are_matched(self):
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        # S21b: a hard link (same inode) and a copy (same bytes) outside the glob
        link = os.path.join(elsewhere, "linked")
        os.link(self.w.acmed, link)
        copy = copy_file(self.w.acmed, os.path.join(elsewhere, "copied"))
        # S21c: the product's file deleted while it runs, and a copy deleted too
        doomed = copy_file(self.w.acmed, os.path.join(self.tmp, "opt/acme/bin/acmed-old"))
        doomed_copy = copy_file(self.w.acmed, os.path.join(elsewhere, "copy-then-deleted"))
        # names = ["acmed"]: comm must say acmed for the copies
        procs = {what: self.w.start([path, "--name", "acmed", "sleep"], helper=True)
                 for what, path in [("link", link), ("copy", copy), ("deleted", doomed),
                                    ("deleted copy", doomed_copy)]}
        os.unlink(doomed)
        os.unlink(doomed_copy)
        plan = self.w.plan()
        steps = steps_by_pid(plan)
        st = os.stat(self.w.acmed)
        self.assertEqual({p.pid: steps.get(p.pid, {}).get("reason") for p in procs.values()}, {
            procs["link"].pid:
                f"runs {link}, the same file (inode {st.st_dev}:{st.st_ino}) as {self.w.acmed}",
            procs["copy"].pid: f"runs {copy}, a byte-for-byte copy of {self.w.acmed}",
            procs["deleted"].pid:
                f"runs {doomed} (deleted), deleted from a path that matches exe glob "
                f"{self.w.glob}",
            procs["deleted copy"].pid:
                f"runs {doomed_copy} (deleted), a byte-for-byte copy of {self.w.acmed}",
        })
        self.assertEqual(steps[procs["deleted"].pid]["target"],
                         f"pid {procs['deleted'].pid} {doomed} (deleted)")
        self.apply_json()
        for what, p in procs.items():
            self.assertEqual(p.popen.wait(5), -15, what)


class PackagedTools(ProcessTestCase):
    """No `names` filter here: only the package check keeps the system's sleep safe."""

    def test_packaged_tool_identical_to_a_product_file_is_innocent(self):
        # The vendor ships a byte-identical copy of coreutils' sleep. Every sleep on this
        # machine has the same bytes, but /usr/bin/sleep is coreutils' (dpkg lists it as
        # /bin/sleep: merged /usr). Plan only: nothing here may ever be applied.
        shipped = copy_file("/bin/sleep", os.path.join(self.tmp, "opt/acme/bin/acmed-sleep"))
        sleeper = self.w.start(["/bin/sleep", "1000"])
        plan = self.w.plan()
        self.assertNotIn(sleeper.pid, steps_by_pid(plan))
        self.assertEqual([s for s in plan["steps"] if "/usr/bin/sleep" in s["target"]], [])
        self.assertIn(f"pid {sleeper.pid} (/usr/bin/sleep) runs /usr/bin/sleep, which has the "
                      f"same bytes as {shipped} but belongs to a package no playbook names: "
                      "not the product's, kept", [n["text"] for n in plan["notes"]])


class Ancestors(ProcessTestCase):
    def test_excise_run_by_a_product_shell_keeps_that_shell(self):
        # A product shell (a unique copy of dash) runs excise: it is blocked, not killed;
        # another product process still goes.
        shell = unique_copy("/bin/dash", os.path.join(self.tmp, "opt/acme/bin/acmesh"))
        banned = self.w.start([self.w.acmed, "sleep"], helper=True)
        excise = os.path.abspath(os.environ.get("EXCISE_BIN", "build/excise"))
        script = (f'"{excise}" plan --root / --format json "{self.w.playbook}" > plan.out; '
                  f'echo "plan $?"; "{excise}" apply --root / --state-dir "{self.w.state}" '
                  f'--yes "{self.w.playbook}" > apply.out 2>&1; echo "apply $?"; echo alive')
        r = subprocess.run([shell, "-c", script], cwd=self.tmp, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.stdout, "plan 2\napply 1\nalive\n", r)
        plan = json.loads(read_text(os.path.join(self.tmp, "plan.out")))
        self.assertEqual(list(steps_by_pid(plan)), [banned.pid])
        [blocked] = plan["blocked"]
        self.assertTrue(blocked["target"].endswith(f" {shell}"), blocked)
        self.assertIn("but this excise runs under it: kept", blocked["reason"])
        self.assertIn("1 item(s) were blocked and are still present",
                      read_text(os.path.join(self.tmp, "apply.out")))
        self.assertEqual(banned.popen.wait(5), -15)


class Termination(ProcessTestCase):
    world_options = {"timeout": "1s"}

    def test_sigterm_ignored_then_sigkill_after_the_timeout(self):
        stubborn = self.w.start([self.w.acmed, "--ignore-term", "sleep"], helper=True)
        r = self.w.apply(extra=("--format", "json"))
        self.assertEqual(r.code, 0, r)
        self.assertEqual(stubborn.popen.wait(5), -9)
        self.assertGreaterEqual(r.seconds, 1.0)
        self.assertEqual(notes_of(r.json()),
                         [f"pid {stubborn.pid} was still running 1000 ms after SIGTERM: sent "
                          "SIGKILL"])

    def test_dry_run_sends_nothing(self):
        banned = self.w.start([self.w.acmed, "sleep"], helper=True)
        r = self.w.apply(extra=("--dry-run",))
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"would send SIGTERM to pid {banned.pid}\n", r.stderr)
        time.sleep(0.1)
        self.assertTrue(alive(banned))
        self.assertFalse(os.listdir(self.w.state))

    def test_already_gone_and_rollback(self):
        banned = self.w.start([self.w.acmed, "sleep"], helper=True)
        gone = self.w.start([self.w.acmed, "sleep"], helper=True)
        plan_file = os.path.join(self.tmp, "plan.json")
        r = self.w.plan_result("-o", plan_file)
        self.assertEqual(r.code, 2, r)
        gone.popen.kill()
        gone.popen.wait()
        run = self.apply_json(plan_file)
        notes = notes_of(run)
        self.assertIn(f"pid {gone.pid} ({self.w.acmed}) already gone", notes)
        self.assertIn(f"pid {banned.pid} exited after SIGTERM", notes)
        r = run_excise("rollback", "--root", "/", "--state-dir", self.w.state, "--yes", "--last")
        self.assertEqual(r.code, 0, r)
        self.assertIn(f"pid {banned.pid} was terminated and cannot be brought back", r.stderr)
        self.assertFalse(alive(banned))

    def test_a_new_product_process_makes_a_saved_plan_stale(self):
        self.w.start([self.w.acmed, "sleep"], helper=True)
        plan_file = os.path.join(self.tmp, "plan.json")
        self.assertEqual(self.w.plan_result("-o", plan_file).code, 2)
        late = self.w.start([self.w.acmed, "sleep"], helper=True)
        r = self.w.apply(plan_file)
        self.assertNotEqual(r.code, 0, r)
        self.assertIn(f"new: process {late.pid} {late.start}", r.stderr)
        self.assertTrue(alive(late))

    def test_offline_root_has_no_processes(self):
        banned = self.w.start([self.w.acmed, "sleep"], helper=True)
        root = os.path.join(self.tmp, "root")
        os.makedirs(os.path.join(root, "etc"))
        r = run_excise("plan", "--root", root, "--format", "json", self.w.playbook)
        self.assertEqual(r.code, 0, r)
        plan = r.json()
        self.assertEqual(plan["steps"], [])
        self.assertEqual([n["text"] for n in plan["notes"]],
                         ["processes are not looked for on an offline root: nothing of it runs "
                          "here"])
        self.assertTrue(alive(banned))


class Tree(ProcessTestCase):
    """S22 as far as this machine allows: the daemon's whole tree goes."""

    def test_double_forking_daemon(self):
        pidfile = os.path.join(self.tmp, "daemon.pids")
        launcher = subprocess.run([self.w.acmed, "daemon", pidfile], timeout=10)
        self.assertEqual(launcher.returncode, 0)
        wait_until(lambda: os.path.exists(pidfile), what="the daemon's pid file")
        daemon_pid, worker_pid, helper_pid = map(int, read_text(pidfile).split())
        # the helper's exec of /bin/sleep may still be under way
        for pid in (worker_pid, helper_pid):
            wait_until(lambda: os.readlink(f"/proc/{pid}/exe") == "/usr/bin/sleep",
                       what=f"pid {pid}'s exec of /bin/sleep")
        daemon, worker, helper = (self.w.adopt(p) for p in (daemon_pid, worker_pid, helper_pid))

        plan = self.w.plan()
        steps = steps_by_pid(plan)
        self.assertEqual(set(steps), {daemon_pid, worker_pid, helper_pid}, plan["steps"])
        self.assertEqual(steps[daemon_pid]["reason"],
                         f"runs {self.w.acmed}, which matches exe glob {self.w.glob}")
        self.assertEqual(steps[worker_pid]["reason"],
                         f"runs /usr/bin/sleep, child of pid {daemon_pid} ({self.w.acmed})")
        self.assertEqual(steps[helper_pid]["reason"],
                         f"runs /usr/bin/sleep, in the session that pid {daemon_pid} "
                         f"({self.w.acmed}) leads")
        order = [s["params"]["pid"] for s in plan["steps"]]
        self.assertEqual(order[0], daemon_pid)  # the head of the tree first

        self.apply_json()
        for p in (daemon, worker, helper):
            wait_until(lambda: not alive(p), what=f"pid {p.pid} to go")
        self.assertEqual(self.w.plan()["exit_code"], 0)


class ServiceCgroup(ProcessTestCase):
    """A service's processes by its cgroup v2 directory (what systemd would create)."""

    def setUp(self):
        super().setUp()
        mount = cgroup2_mount()
        if mount is None:
            raise unittest.SkipTest("no cgroup v2 hierarchy")
        self.unit = f"acme-e2e-{secrets.token_hex(4)}.service"
        self.parent = os.path.join(mount, f"excise-e2e-{secrets.token_hex(4)}")
        try:
            os.mkdir(self.parent)
        except OSError as e:
            raise unittest.SkipTest(f"cannot create a cgroup: {e}")
        self.addCleanup(self.remove_cgroups)
        self.cgroup = os.path.join(self.parent, self.unit)
        os.mkdir(self.cgroup)
        self.cgroup_path = self.cgroup[len(mount):]

    def remove_cgroups(self):
        for d in (self.cgroup, self.parent):
            if os.path.isdir(d):
                if os.path.exists(os.path.join(d, "cgroup.kill")):
                    with open(os.path.join(d, "cgroup.kill"), "w") as f:
                        f.write("1")
                wait_until(lambda: "populated 0" in read_text(os.path.join(d, "cgroup.events")),
                           what=f"{d} to be empty")
                os.rmdir(d)

    def move_into_cgroup(self, p):
        with open(os.path.join(self.cgroup, "cgroup.procs"), "w") as f:
            f.write(str(p.pid))

    def make_world(self, named: bool):
        self.w = ProcWorld(self.tmp, service_units=[self.unit] if named else None)
        self.addCleanup(self.w.close)

    def test_service_cgroup_named_by_the_playbook_is_swept(self):
        self.make_world(named=True)
        banned = self.w.start([self.w.acmed, "--cgroup", self.cgroup, "sleep"], helper=True)
        # not a child, own session, innocent executable: only the cgroup ties it
        loner = self.w.start(["/bin/sleep", "1000"], executable="/bin/sleep")
        self.move_into_cgroup(loner)
        outside = self.w.start(["/bin/sleep", "1000"])
        plan_file = os.path.join(self.tmp, "plan.json")
        r = self.w.plan_result("-o", plan_file)
        self.assertEqual(r.code, 2, r)
        plan = r.json()
        steps = steps_by_pid(plan)
        self.assertEqual(set(steps), {banned.pid, loner.pid})
        self.assertEqual(steps[loner.pid]["reason"],
                         f"runs /usr/bin/sleep, in cgroup {self.cgroup_path} of {self.unit}, "
                         "which a [[service]] of this playbook names")
        kill = [s for s in plan["steps"] if s["action"] == "process.kill-cgroup"]
        self.assertEqual([s["target"] for s in kill], [f"cgroup {self.cgroup_path}"])
        self.assertEqual(plan["steps"][-1]["action"], "process.kill-cgroup")

        # Forked into the service after the plan: cgroup.kill takes it too.
        late = self.w.start(["/bin/sleep", "1000"])
        self.move_into_cgroup(late)
        run = self.apply_json(plan_file)
        self.assertIn(f"cgroup {self.cgroup_path} killed; it is empty now", notes_of(run))
        self.assertEqual(banned.popen.wait(5), -15)
        self.assertEqual(loner.popen.wait(5), -15)
        self.assertEqual(late.popen.wait(5), -9)
        self.assertTrue(alive(outside))

    def test_apply_run_inside_the_cgroup_does_not_kill_it(self):
        self.make_world(named=True)
        banned = self.w.start([self.w.acmed, "--cgroup", self.cgroup, "sleep"], helper=True)
        plan_file = os.path.join(self.tmp, "plan.json")
        self.assertEqual(self.w.plan_result("-o", plan_file).code, 2)
        excise = os.path.abspath(os.environ.get("EXCISE_BIN", "build/excise"))
        script = (f'echo $$ > "{self.cgroup}/cgroup.procs" && exec "{excise}" apply --root / '
                  f'--state-dir "{self.w.state}" --yes --format json "{plan_file}"')
        r = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r)
        self.assertIn(f"cgroup {self.cgroup_path} holds this excise: not killed (its other "
                      "processes were terminated one by one)", notes_of(json.loads(r.stdout)))
        self.assertEqual(banned.popen.wait(5), -15)

    def test_service_cgroup_not_named_is_not_swept(self):
        self.make_world(named=False)
        banned = self.w.start([self.w.acmed, "--cgroup", self.cgroup, "sleep"], helper=True)
        loner = self.w.start(["/bin/sleep", "1000"])
        self.move_into_cgroup(loner)
        plan = self.w.plan()
        self.assertEqual(set(steps_by_pid(plan)), {banned.pid})
        self.assertIn(f"pid {banned.pid} ({self.w.acmed}) runs in cgroup {self.cgroup_path} of "
                      f"{self.unit}, which no [[service]] of this playbook names: only its own "
                      "process tree is terminated, not the rest of that service",
                      [n["text"] for n in plan["notes"]])
        self.apply_json()
        self.assertEqual(banned.popen.wait(5), -15)
        self.assertTrue(alive(loner))


class PidReuse(ProcessTestCase):
    """S20 inside a PID namespace, where ns_last_pid hands a freed PID to the next process."""

    def run_in_namespace(self, mode: str, runs: int) -> dict:
        script = os.path.join(os.path.dirname(__file__), "pid_reuse_ns.py")
        argv = ["unshare", "--pid", "--fork", "--mount-proc", sys.executable, script, mode,
                str(runs), self.w.acmed, self.w.playbook, self.w.state, self.tmp]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                           env={**os.environ, "EXCISE_BIN": os.path.abspath(
                               os.environ.get("EXCISE_BIN", "build/excise"))})
        if r.returncode != 0 and r.stderr.startswith("unshare:"):
            raise unittest.SkipTest(f"no PID namespace here: {r.stderr.strip()}")
        self.assertEqual(r.returncode, 0, f"{argv}\n{r.stdout}\n{r.stderr}")
        summary = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"\n  {mode}: {summary}", file=sys.stderr)
        return summary

    def test_saved_plan_applied_after_the_pid_was_reused(self):
        runs = int(os.environ.get("EXCISE_RACE_RUNS", "5"))
        s = self.run_in_namespace("saved-plan", runs)
        self.assertEqual(s["runs"], runs)
        self.assertEqual(s["reused"], runs)  # every run gave the PID to the innocent
        self.assertEqual(s["said_reused"], runs)  # and excise said so every time
        self.assertEqual(s["wrong_kills"], 0)

    def test_pid_reused_while_apply_runs(self):
        runs = int(os.environ.get("EXCISE_RACE_RUNS", "5")) * 4
        s = self.run_in_namespace("storm", runs)
        self.assertEqual(s["runs"], runs)
        self.assertEqual(s["wrong_kills"], 0)


if __name__ == "__main__":
    unittest.main()
