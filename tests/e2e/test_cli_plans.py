"""The CLI's promises around acting: saved plans (`plan -o FILE`, `apply FILE`) and their
refusal when the system moved on, confirmation (no terminal, a terminal answering n or y),
and the run lock. Every refusal exits 1, says precisely why, and leaves the whole root,
excise's own state directory included, exactly as it was.
"""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cli_support import (STATE, World, json_only, lock_held, on_terminal)  # noqa: E402

STALE_TAIL = "make a new plan (excise plan) and review it"


class SavedPlans(unittest.TestCase):
    def world(self):
        w = World(self)
        w.files("/opt/acme", ["a", "b", "c"])
        self.pb = w.paths_playbook("acme", "/opt/acme/*")
        self.plan_file = w.file("plan.json")
        return w

    def save_plan(self, w, *playbooks):
        r = w.check("plan", "-o", self.plan_file, *(playbooks or [self.pb]), expect=2)
        self.assertEqual(r.stderr, f"excise: plan saved to {self.plan_file}; apply it with: "
                                   f"excise apply {self.plan_file}\n")
        with open(self.plan_file, encoding="utf-8") as f:
            return json.load(f)

    def facts_now(self, w, *playbooks):
        return w.check("plan", "--format", "json", *playbooks, expect=2).json()["facts"]

    def test_saved_plan_applies(self):
        w = self.world()
        plan = self.save_plan(w)
        self.assertEqual(plan["format"], "excise-plan")
        self.assertEqual([s["target"] for s in plan["steps"]],
                         ["/opt/acme/a", "/opt/acme/b", "/opt/acme/c"])
        r = w.check("apply", self.plan_file, "--yes", "--format", "json")
        doc = json_only(self, r, "excise-run")
        self.assertTrue(doc["changed"])
        self.assertEqual([s["status"] for s in doc["steps"]], ["done"] * 3)
        for name in (b"a", b"b", b"c"):
            self.assertFalse(w.root.exists(b"/opt/acme/" + name))

    def test_saved_plan_from_relative_paths_applies_from_anywhere(self):
        # plan -o FILE with a relative playbook path and a relative FILE; apply FILE from
        # another working directory still finds the playbook (the plan names it absolutely).
        w = self.world()
        r = w.check("plan", "-o", "plan.json", "playbooks/acme.toml", expect=2, cwd=w.tmp)
        self.assertEqual(r.stderr, "excise: plan saved to plan.json; apply it with: "
                                   "excise apply plan.json\n")
        with open(self.plan_file, encoding="utf-8") as f:
            self.assertEqual([p["path"] for p in json.load(f)["playbooks"]], [self.pb])
        w.check("apply", self.plan_file, "--yes", cwd="/")
        self.assertFalse(w.root.exists(b"/opt/acme/a"))

    def assert_stale(self, w, before, differences):
        """apply FILE refuses, names exactly `differences`, and changes nothing."""
        for args in (["apply", self.plan_file, "--yes"], ["apply", self.plan_file]):
            r = w.check(*args, expect=1)
            lines = r.stderr.splitlines()
            self.assertEqual(lines[0], f"excise: error: the plan in {self.plan_file} no longer "
                                       "matches the system; nothing was changed. What differs:",
                             str(r))
            self.assertEqual(lines[-1], STALE_TAIL)
            self.assertEqual(sorted(lines[1:-1]), sorted("  - " + d for d in differences), str(r))
            self.assertEqual(r.stdout, "")
            w.assert_unchanged(before, " ".join(args))

    def test_stale_plan_names_every_changed_fact(self):
        w = self.world()
        w.interrupted_run()  # a run to close: refusing must not close it either
        w.install("acme-core")
        pb = w.playbook("acme", '[[package]]\nnames = ["acme-core", "acme-extra"]\n'
                                'manager = "dpkg"\nscripts = "skip"\n\n'
                                '[[path]]\nglobs = ["/opt/acme/*"]\n')
        plan = self.save_plan(w, pb)
        was = plan["facts"]

        # a matched file replaced by another inode (same bytes, mode, owner and mtime)
        a = w.host(b"/opt/acme/a")
        st = os.stat(a)
        w.root.put_file(b"/opt/acme/a.new", b"x")
        os.utime(w.host(b"/opt/acme/a.new"), ns=(st.st_mtime_ns, st.st_mtime_ns))
        os.rename(w.host(b"/opt/acme/a.new"), a)
        self.assertNotEqual(os.stat(a).st_ino, st.st_ino)
        # one named package removed, another installed
        w.root.dpkg("--purge", "acme-core")
        w.install("acme-extra", "2.0")
        # the playbook's bytes changed (a comment: the same artifacts)
        with open(pb, "a", encoding="utf-8") as f:
            f.write("# reviewed\n")

        now = self.facts_now(w, pb)
        self.assertIn(str(os.stat(a).st_ino), now["path /opt/acme/a"])
        before = w.record()
        self.assert_stale(w, before, [
            f"playbook acme ({pb}) changed since the plan was made",
            f"changed: path /opt/acme/a: was {was['path /opt/acme/a']}, "
            f"now {now['path /opt/acme/a']}",
            f"gone: package acme-core (was {was['package acme-core']})",
            f"new: package acme-extra ({now['package acme-extra']})",
        ])

    def test_stale_plan_one_fact_at_a_time(self):
        w = self.world()
        plan = self.save_plan(w)
        os.unlink(w.host(b"/opt/acme/b"))
        self.assert_stale(w, w.record(),
                          [f"gone: path /opt/acme/b (was {plan['facts']['path /opt/acme/b']})"])
        w.files("/opt/acme", ["b", "d"])
        now = self.facts_now(w, self.pb)
        self.assert_stale(w, w.record(), [
            f"changed: path /opt/acme/b: was {plan['facts']['path /opt/acme/b']}, "
            f"now {now['path /opt/acme/b']}",
            f"new: path /opt/acme/d ({now['path /opt/acme/d']})"])

    def test_plan_for_another_root(self):
        w = self.world()
        self.save_plan(w)
        other = World(self)
        before = other.record()
        r = other.check("apply", self.plan_file, "--yes", expect=1)
        self.assertIn(f"  - root: the plan was made for {w.path}, not {other.path}\n", r.stderr)
        other.assert_unchanged(before, "apply of another root's plan")

    def test_bad_plan_files(self):
        w = self.world()
        plan = self.save_plan(w)
        w.interrupted_run()
        before = w.record()
        f = self.plan_file
        text = json.dumps(plan)

        def refused(content, message, exact=True):
            with open(f, "w", encoding="utf-8") as out:
                out.write(content)
            for fmt in ("text", "json"):
                r = w.check("--format", fmt, "apply", f, "--yes", expect=1)
                if exact:
                    self.assertEqual(r.stderr, f"excise: error: {message}\n", str(r))
                else:
                    self.assertTrue(r.stderr.startswith(f"excise: error: {message}"), str(r))
                if fmt == "json":
                    self.assertTrue(json_only(self, r, "excise-error")["error"]
                                    .startswith(message))
                else:
                    self.assertEqual(r.stdout, "")
            w.assert_unchanged(before, f"apply of a bad plan file ({message})")

        def without(key, where=None):
            doc = json.loads(text)
            del (doc if where is None else where(doc))[key]
            return json.dumps(doc)

        not_json = f"plan file {f} is not valid JSON: [json.exception.parse_error.101] parse error"
        refused("", not_json, exact=False)
        refused(text[:len(text) // 2], not_json, exact=False)
        refused("{ not json", not_json + " at line 1, column 4", exact=False)
        refused("[1, 2]", f"plan file {f}: not a JSON object")
        refused('{"format": "excise-run", "format_version": 1}',
                f'plan file {f}: not an excise plan (its "format" is not "excise-plan")')
        newer = json.loads(text)
        newer["format_version"] = 2
        refused(json.dumps(newer),
                f"plan file {f}: plan format version 2 is not the one this excise reads (1)")
        refused(without("format"),
                f'plan file {f}: not an excise plan (its "format" is not "excise-plan")')
        for key in ("format_version", "root", "live", "systemd", "created", "playbooks", "steps",
                    "conflicts", "blocked", "notes", "facts"):
            refused(without(key), f"plan file {f}: missing key '{key}'")
        refused(without("target", lambda d: d["steps"][1]),
                f"plan file {f}: steps[1]: missing key 'target'")
        refused(without("sha256", lambda d: d["playbooks"][0]),
                f"plan file {f}: playbooks[0]: missing key 'sha256'")


class Confirmation(unittest.TestCase):
    def world(self):
        w = World(self)
        w.files("/opt/acme", ["a", "b"])
        self.pb = w.paths_playbook("acme", "/opt/acme/*")
        return w

    NO_TTY = ("excise: error: confirmation needed but stdin is not a terminal: pass --yes to go "
              "ahead without asking\n")

    def test_apply_without_a_terminal_needs_yes(self):
        w = self.world()
        w.interrupted_run()
        before = w.record()
        for fmt in ("text", "json"):
            r = w.check("--format", fmt, "apply", self.pb, expect=1)
            self.assertTrue(r.stderr.endswith(self.NO_TTY), str(r))
            self.assertIn("    1. path.quarantine /opt/acme/a\n", r.stderr, "the plan is shown")
            if fmt == "json":
                json_only(self, r, "excise-error")
        w.assert_unchanged(before, "apply without --yes")

    def test_apply_on_a_terminal(self):
        w = self.world()
        w.interrupted_run()
        before = w.record()
        for answer in (b"n\n", b"\n", b"yess\n", b"\x04"):  # \x04: end of input (^D)
            r = on_terminal(["apply", self.pb, "--root", w.path], answer)
            self.assertEqual(r.code, 1, str(r))
            self.assertIn(f"Apply these 2 steps to {w.path}? [y/N] ", r.stderr)
            self.assertTrue(r.stderr.endswith("excise: nothing was changed\n"), str(r))
            w.assert_unchanged(before, f"apply answered {answer!r}")
        r = on_terminal(["apply", self.pb, "--root", w.path], b"y\n")
        self.assertEqual(r.code, 0, str(r))
        self.assertFalse(w.root.exists(b"/opt/acme/a"))
        self.assertFalse(w.root.exists(b"/opt/acme/b"))

    def test_rollback_confirmation(self):
        w = self.world()
        w.check("apply", "--yes", self.pb)
        before = w.record()
        r = w.check("rollback", "--last", expect=1)
        self.assertEqual(r.stderr, self.NO_TTY)
        w.assert_unchanged(before, "rollback without --yes")
        run = w.run_ids()[-1]
        r = on_terminal(["rollback", "--last", "--root", w.path], b"n\n")
        self.assertEqual(r.code, 1, str(r))
        self.assertEqual(r.stderr, f"Undo 2 steps of run {run} on {w.path}? [y/N] "
                                   "excise: nothing was changed\n")
        w.assert_unchanged(before, "rollback answered n")
        r = on_terminal(["rollback", run, "--root", w.path], b"yes\n")
        self.assertEqual(r.code, 0, str(r))
        self.assertTrue(w.root.exists(b"/opt/acme/a"))
        self.assertTrue(w.root.exists(b"/opt/acme/b"))

    def test_dry_runs_need_no_confirmation(self):
        w = self.world()
        before = w.record()
        r = w.check("apply", "--dry-run", self.pb)
        self.assertEqual(r.stdout, "dry run: 2 steps would run; nothing was changed\n")
        w.assert_unchanged(before, "apply --dry-run")
        w.check("apply", "--yes", self.pb)
        before = w.record()
        r = w.check("rollback", "--last", "--dry-run")
        self.assertEqual(r.stdout, "dry run: 2 steps would run; nothing was changed\n")
        w.assert_unchanged(before, "rollback --dry-run")


class Lock(unittest.TestCase):
    def test_a_held_lock_refuses_apply_and_rollback(self):
        w = World(self)
        w.files("/opt/one", ["a"])
        w.files("/opt/two", ["b"])
        one = w.paths_playbook("one", "/opt/one/*")
        two = w.paths_playbook("two", "/opt/two/*")
        w.check("apply", "--yes", one)
        w.interrupted_run()
        holder = f"pid 4242, excise apply on {w.path}, started 2026-01-02T03:04:05Z"
        with lock_held(w, holder):
            before = w.record()
            message = (f"excise: error: another excise run holds the lock of "
                       f"{w.path}{STATE.decode()}: {holder}; wait for it to finish\n")
            for args in (["apply", "--yes", two], ["rollback", "--last", "--yes"],
                         ["rollback", w.run_ids()[0], "--yes"]):
                with self.subTest(args=args):
                    r = w.check(*args, expect=1)
                    self.assertEqual(r.stderr, message, str(r))
                    w.assert_unchanged(before, " ".join(args) + " under a held lock")
            r = w.check("--format", "json", "apply", "--yes", two, expect=1)
            self.assertEqual(json_only(self, r, "excise-error")["error"],
                             message[len("excise: error: "):-1])
            w.assert_unchanged(before, "apply --format json under a held lock")
            # what only reads does not need the lock
            w.check("plan", two, expect=2)
            w.check("runs")
            w.check("apply", "--dry-run", two)
            w.assert_unchanged(before, "plan, runs and dry run under a held lock")
        w.check("apply", "--yes", two)  # and once it is free, apply goes ahead


if __name__ == "__main__":
    unittest.main(verbosity=2)
