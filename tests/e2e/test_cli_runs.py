"""The CLI's record keeping and its contract with programs: `runs` (text and JSON) with
every state a run can be in, `rollback`'s usage errors, exit codes, the --format json
documents (stdout holds exactly one, logs go to stderr, errors are documents too), and a
second apply that changes nothing.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cli_support import STATE, World, decode_bytes, json_only  # noqa: E402
from excise_e2e import (compare, make_fake_product, make_temp_dir, record,  # noqa: E402
                        remove_temp_dir, run_excise)

EIO = {"EXCISE_FAIL_POINTS": "step.before-act:2=eio"}


def decode(text):
    return os.fsdecode(decode_bytes(text))


class Runs(unittest.TestCase):
    def test_runs_lists_every_state(self):
        w = World(self)
        w.files("/opt/one", ["a", "b", "c"])
        w.files("/opt/two", ["a", "b", "c"])
        one = w.paths_playbook("one", "/opt/one/*")
        two = w.paths_playbook("two", "/opt/two/*")
        r = w.check("runs")
        self.assertEqual(r.stdout, f"no runs recorded for {w.path}\n")
        self.assertEqual(json_only(self, w.check("runs", "--format", "json"), "excise-runs")["runs"],
                         [])

        w.check("apply", "--yes", one)                     # 1: applied, then rolled back
        w.check("rollback", "--last", "--yes")
        r = w.check("apply", "--yes", one, env=EIO, expect=1)  # 2: failed at step 2
        failed_run = w.run_ids()[-1]
        self.assertEqual(r.stdout,
                         f"run {failed_run} stopped: step 2 (path.quarantine /opt/one/b) failed: "
                         "fail point step.before-act: injected EIO\nthe journal records where; "
                         f"`excise rollback {failed_run}` puts back what was done\n")
        self.assertIn("[2/3] path.quarantine /opt/one/b ... failed: fail point step.before-act: "
                      "injected EIO\n", r.stderr)
        r = w.excise("apply", "--yes", one, env={"EXCISE_FAIL_POINTS": "step.before-act:1=kill"})
        self.assertEqual(r.code, -9, str(r))                # 3: killed, not closed yet
        killed_run = w.run_ids()[-1]
        r = w.check("runs", "--format", "json")
        self.assertEqual(json_only(self, r, "excise-runs")["runs"][-1]["state"], "interrupted")
        r = w.check("apply", "--yes", two)                  # 4: applied (closes 3 first)
        self.assertIn(f"excise: note: run {killed_run} was interrupted at step 1; it stays "
                      f"undoable with `excise rollback {killed_run}`\n", r.stderr)
        r = w.check("apply", "--yes", one)                  # 5: applied, rollback fails
        w.check("rollback", "--last", "--yes", expect=1,
                env={"EXCISE_FAIL_POINTS": "undo.before-act:2=eio"})

        ids = w.run_ids()
        self.assertEqual(len(ids), 5)
        expected = [  # state, steps done, of planned, undone, product
            ("rolled-back", 3, 3, 3, "one"),
            ("failed", 1, 3, 0, "one"),
            ("interrupted", 0, 2, 0, "one"),
            ("applied", 3, 3, 0, "two"),
            ("rollback-incomplete", 2, 2, 1, "one"),
        ]
        doc = json_only(self, w.check("runs", "--format", "json"), "excise-runs")
        self.assertEqual(decode(doc["root"]), w.path)
        self.assertEqual([r["run"] for r in doc["runs"]], ids, "oldest first")
        for run, (state, done, planned, undone, product) in zip(doc["runs"], expected):
            self.assertEqual((run["state"], run["steps_done"], run["planned_steps"],
                              run["steps_undone"], run["products"], run["command"]),
                             (state, done, planned, undone, [product], "apply"), run)
        lines = w.check("runs").stdout.splitlines()
        self.assertEqual(len(lines), 5)
        for line, run_id, (state, done, planned, undone, product) in zip(lines, ids, expected):
            words = line.split()
            self.assertEqual(words[:2], [run_id, state], line)
            self.assertIn(f" {done} steps done of {planned}, {undone} undone ", line)
            self.assertTrue(line.endswith("  " + product), line)

    def test_runs_lists_a_run_without_journal_and_orders_ids_by_number(self):
        # Runs of one second get ids X, X-2, X-3...; X-10 comes after X-9. A run killed
        # between making its directory and writing its journal has no journal at all: it
        # recorded nothing and so changed nothing (the header comes before any change). It
        # is listed as empty, has nothing to undo, and stops neither `runs` nor a later apply.
        w = World(self)
        w.files("/opt/acme", ["a"])
        pb = w.paths_playbook("acme", "/opt/acme/*")
        w.check("apply", "--yes", pb)
        real = w.run_ids()[0]
        runs = w.host(STATE + b"/runs/")
        names = ["20990101T000000Z"] + [f"20990101T000000Z-{n}" for n in range(2, 12)]
        for name in reversed(names):
            os.mkdir(runs + name.encode(), 0o700)
        doc = json_only(self, w.check("runs", "--format", "json"), "excise-runs")
        self.assertEqual([r["run"] for r in doc["runs"]], [real] + names)
        self.assertEqual(doc["runs"][-1], {"run": names[-1], "state": "empty"})
        lines = w.check("runs").stdout.splitlines()
        self.assertEqual(lines[-1],
                         f"{names[-1]}  empty: stopped before its journal began; changed nothing")
        r = w.check("rollback", "--last", "--yes")
        self.assertEqual(r.stdout, f"run {names[-1]} recorded nothing (it was stopped before its "
                                   "journal began), so it changed nothing: nothing to undo\n")
        w.files("/opt/acme", ["b"])
        r = w.check("apply", "--yes", pb)
        self.assertNotIn(names[-1], r.stderr)

    def test_rollback_usage_errors(self):
        w = World(self)
        w.files("/opt/acme", ["a"])
        pb = w.paths_playbook("acme", "/opt/acme/*")
        r = w.check("rollback", "--last", "--yes", expect=1)
        self.assertEqual(r.stderr, f"excise: error: no runs recorded for {w.path} "
                                   f"(in {w.path}/var/lib/excise)\n")
        w.check("apply", "--yes", pb)
        before = w.record()
        neither = "excise: error: rollback needs a run id or --last (excise runs lists the runs)\n"
        for args, message in [
            (["rollback", "--yes"], neither),
            (["rollback"], neither),
            (["rollback", "--last", w.run_ids()[0], "--yes"], neither),
            (["rollback", "nope", "--yes"],
             f"excise: error: no run nope in {w.path}/var/lib/excise (excise runs lists them)\n"),
            (["rollback", "..", "--yes"],
             f"excise: error: no run .. in {w.path}/var/lib/excise (excise runs lists them)\n"),
            (["rollback", ".", "--yes"],
             f"excise: error: no run . in {w.path}/var/lib/excise (excise runs lists them)\n"),
            (["rollback", "a/b", "--yes"],
             f"excise: error: no run a/b in {w.path}/var/lib/excise (excise runs lists them)\n"),
        ]:
            with self.subTest(args=args):
                r = w.check(*args, expect=1)
                self.assertEqual(r.stderr, message)
                self.assertEqual(r.stdout, "")
                r = w.check("--format", "json", *args, expect=1)
                self.assertEqual(json_only(self, r, "excise-error")["error"], message[15:-1])
                w.assert_unchanged(before, " ".join(args))


class ExitCodesAndJson(unittest.TestCase):
    def test_exit_codes_and_documents(self):
        w = World(self)
        w.files("/opt/acme", ["a", "b", "c"])
        pb = w.paths_playbook("acme", "/opt/acme/*")
        none = w.paths_playbook("absent", "/opt/absent")
        bad_dir = os.path.join(w.tmp, "bad")
        os.makedirs(bad_dir, mode=0o755)
        bad = os.path.join(bad_dir, "bad.toml")
        with open(bad, "w", encoding="utf-8") as f:
            f.write('schema = 1\n[product]\nid = "bad"\nname = "Bad"\n[[path]]\nglobs = 3\n')
        os.chmod(bad, 0o644)

        def both(args, code, fmt, keys_check=None):
            """Text and JSON runs of args: the exit code; stdout is one document."""
            text = w.check(*args, expect=code)
            doc = json_only(self, w.check("--format", "json", *args, expect=code), fmt)
            if "exit_code" in doc:
                self.assertEqual(doc["exit_code"], code)
            return text, doc

        # plan: 0 nothing found, 2 something to remove, 1 error
        _, doc = both(["plan", none], 0, "excise-plan")
        self.assertEqual((doc["steps"], doc["changed"]), ([], False))
        _, doc = both(["plan", pb], 2, "excise-plan")
        self.assertEqual((len(doc["steps"]), doc["changed"]), (3, False))
        _, doc = both(["plan", bad], 1, "excise-error")
        self.assertFalse(doc["changed"])
        # validate: 0 valid, 1 errors
        _, doc = both(["validate", pb, none], 0, "excise-validate")
        self.assertEqual((doc["ok"], doc["errors"]), (True, []))
        _, doc = both(["validate", pb, bad], 1, "excise-validate")
        self.assertEqual(doc["ok"], False)
        self.assertEqual(doc["errors"][0]["message"],
                         "[[path]] #1: key 'globs': expected an array of strings, got integer")
        # list and runs: 0
        both(["list", "--catalogue", w.pbdir, "--catalogue", bad_dir], 1, "excise-catalogue")
        _, doc = both(["list", "--catalogue", w.pbdir], 0, "excise-catalogue")
        self.assertEqual(sorted(p["id"] for p in doc["products"]), ["absent", "acme"])
        both(["runs"], 0, "excise-runs")

        # apply: 1 on a failed step, with the run's document on stdout and progress on stderr
        r = w.check("--format", "json", "apply", "--yes", pb, env=EIO, expect=1)
        doc = json_only(self, r, "excise-run")
        self.assertEqual((doc["ok"], doc["changed"], doc["exit_code"]), (False, True, 1))
        self.assertEqual([s["status"] for s in doc["steps"]], ["done", "failed", "not-started"])
        self.assertIn("[1/3] path.quarantine /opt/acme/a ... done\n", r.stderr)
        w.check("rollback", "--last", "--yes")
        # apply: 0, with "changed"
        r = w.check("apply", "--yes", pb, "--format", "json")
        doc = json_only(self, r, "excise-run")
        self.assertEqual((doc["ok"], doc["changed"], doc["exit_code"], doc["dry_run"]),
                         (True, True, 0, False))
        self.assertEqual(doc["run"], w.run_ids()[-1])
        self.assertIn("[3/3] path.quarantine /opt/acme/c ... done\n", r.stderr)
        # rollback: 1 when a step cannot be undone, 0 when done, 0 again with nothing left
        r = w.check("rollback", "--last", "--yes", "--format", "json", expect=1,
                    env={"EXCISE_FAIL_POINTS": "undo.before-act:1=eio"})
        doc = json_only(self, r, "excise-run")
        self.assertEqual((doc["ok"], doc["command"], doc["exit_code"]), (False, "rollback", 1))
        self.assertEqual(doc["error"], "step 3 (path.quarantine /opt/acme/c) could not be undone: "
                                       "fail point undo.before-act: injected EIO")
        _, doc = both(["rollback", "--last", "--yes"], 0, "excise-run")
        self.assertFalse(doc["changed"], "the second rollback had nothing left to do")
        self.assertEqual(doc["steps"], [])
        # dry runs are documents too
        _, doc = both(["apply", "--dry-run", pb], 0, "excise-run")
        self.assertTrue(doc["dry_run"])
        # errors are documents: a usage error, a bad flag value, an unknown subcommand
        for args in (["plan", "--root", "relative", pb], ["plan", "--frobnicate", pb],
                     ["frobnicate"], ["apply", "--yes", bad]):
            r = run_excise("--format", "json", *args)
            self.assertEqual(r.code, 1, str(r))
            doc = json_only(self, r, "excise-error")
            self.assertEqual(doc["exit_code"], 1)
            self.assertEqual("excise: error: " + doc["error"].rstrip("\n") + "\n", r.stderr)
        r = run_excise("plan", "--format=json", "--frobnicate", pb)
        json_only(self, r, "excise-error")


class SecondApply(unittest.TestCase):
    def test_second_apply_changes_nothing(self):
        tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, tmp)
        sc = make_fake_product(tmp, scripts="skip")
        root = sc.root.path
        r = run_excise("apply", "--yes", "--root", root, "--format", "json", sc.playbook)
        self.assertEqual(r.code, 0, str(r))
        self.assertTrue(r.json()["changed"])
        runs = os.listdir(os.path.join(root, "var/lib/excise/runs"))
        self.assertEqual(len(runs), 1)
        before = record(root)
        for fmt in ("json", "text"):
            r = run_excise("apply", "--yes", "--root", root, "--format", fmt, sc.playbook)
            self.assertEqual(r.code, 0, str(r))
            if fmt == "json":
                doc = r.json()
                self.assertEqual((doc["changed"], doc["steps"], doc["run"]), (False, [], ""))
            else:
                self.assertEqual(r.stdout.splitlines()[0], f"nothing to remove on {root}")
        self.assertEqual(os.listdir(os.path.join(root, "var/lib/excise/runs")), runs,
                         "a second apply made a run")
        # Nothing at all changed: not the root, not excise's state (journals, lock).
        self.assertEqual([str(d) for d in compare(before, record(root))], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
