"""Bad input and hostile names: every kind of bad input (subcommand, flag, --root, playbook,
product id, EXCISE_FAIL_POINTS) exits 1 with a precise message and changes nothing, not
even the journal of an interrupted run waiting to be closed; names with newlines, tabs,
escapes and invalid UTF-8 are one escaped line each in text and exact bytes in JSON; and
a dry run, traced with strace, makes no call that could change anything (SAFETY.md S25).
"""
import os
import re
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from cli_support import World, decode_bytes, json_only  # noqa: E402
from excise_e2e import (make_fake_product, make_temp_dir, remove_temp_dir, run,  # noqa: E402
                        excise_argv)

SUBCOMMANDS = "plan, apply, rollback, runs, validate, list"


class BadInput(unittest.TestCase):
    def setUp(self):
        self.w = w = World(self)
        w.files("/opt/acme", ["a", "b"])
        self.pb = w.paths_playbook("acme", "/opt/acme/*")
        w.interrupted_run()  # bad input must not even close it
        self.before = w.record()

    def refused(self, args, message, env=None, root=True, exact=True):
        """args exit 1 with `message` (all of stderr when exact), in text and in JSON, and
        the root is unchanged."""
        w = self.w
        for fmt in ("text", "json"):
            with self.subTest(args=args, format=fmt):
                full = (["--format", fmt] if fmt == "json" else []) + list(args)
                r = w.excise(*full, env=env, root=root)
                self.assertEqual(r.code, 1, str(r))
                if exact:
                    end = "" if message.endswith("\n") else "\n"
                    self.assertEqual(r.stderr, "excise: error: " + message + end, str(r))
                else:
                    self.assertIn(message, r.stderr, str(r))
                if fmt == "json":
                    json_only(self, r, "excise-error")
                else:
                    self.assertEqual(r.stdout, "", str(r))
                w.assert_unchanged(self.before, " ".join(map(str, full)))

    def test_unknown_subcommand_and_flags(self):
        pb = self.pb
        self.refused(["frobnicate"], f"unknown subcommand 'frobnicate' (the subcommands are "
                                     f"{SUBCOMMANDS})", root=False)
        self.refused(["frobnicate", "--root", self.w.path],
                     f"unknown subcommand 'frobnicate' (the subcommands are {SUBCOMMANDS})",
                     root=False)
        self.refused([], f"a subcommand is needed: {SUBCOMMANDS}", root=False)
        for sub in (["plan", pb], ["apply", "--yes", pb], ["rollback", "--last"], ["runs"]):
            self.refused(sub + ["--frobnicate"],
                         "The following argument was not expected: --frobnicate "
                         "(see excise --help)")
        self.refused(["apply", "--yes", "--dry-run=maybe", pb],
                     "Could not convert: --dry-run = maybe (see excise --help)")
        self.refused(["runs", "extra"],
                     "The following argument was not expected: extra (see excise --help)")
        r = self.w.excise("--format", "yaml", "plan", pb)
        self.assertEqual(r.code, 1, str(r))
        self.assertEqual(r.stderr, "excise: error: --format: yaml not in {text,json} "
                                   "(see excise --help)\n")

    def test_bad_root(self):
        w, pb = self.w, self.pb
        os.symlink(w.path, w.file("root-link"))
        for args, message in [
            (["--root", "relative/root"], "--root must be an absolute path: relative/root"),
            (["--root", ""], "--root must be an absolute path: "),
            (["--root", w.path + "/etc/passwd"],
             f"--root {w.path}/etc/passwd: open root {w.path}/etc/passwd: Not a directory"),
            (["--root", w.file("absent")],
             f"--root {w.file('absent')}: open root {w.file('absent')}: "
             "No such file or directory"),
        ]:
            for sub in (["plan", pb], ["apply", "--yes", pb], ["apply", "--dry-run", pb],
                        ["rollback", "--last", "--yes"], ["runs"]):
                self.refused(sub + args, message, root=False)
        self.refused(["apply", "--yes", pb, "--state-dir", "relative"],
                     "--state-dir must be an absolute path: relative")

    def test_playbook_errors_are_all_reported(self):
        w = self.w
        one = w.playbook("one", '[[path]]\nglobs = ["/usr"]\nbogus = 1\n')
        two = w.playbook("two", '[[path]]\nglobs = "x"\n\n[[frob]]\nnames = []\n')
        errors = [
            f'{one}:8:10: [[path]] #1: key \'globs\' item 1: "/usr": could match the protected '
            'path /usr (a top-level directory)',
            f"{one}:9:1: [[path]] #1: unknown key 'bogus' (known keys: id, after, globs, "
            "prune_empty)",
            f"{two}:8:9: [[path]] #1: key 'globs': expected an array of strings, got string",
            f"{two}:10:3: unknown key 'frob': did you mean 'cron'?",
        ]
        for sub in (["plan"], ["apply", "--yes"], ["apply"], ["apply", "--dry-run"]):
            self.refused(sub + [one, self.pb, two],
                         "playbook errors, nothing was done:\n" + "\n".join(errors) + "\n")
        r = w.check("validate", one, self.pb, two, expect=1)
        self.assertEqual(r.stderr.splitlines(), errors)
        self.assertEqual(r.stdout, "")
        r = w.check("validate", "--format", "json", one, self.pb, two, expect=1)
        doc = json_only(self, r, "excise-validate")
        self.assertEqual([f"{e['file']}:{e['line']}:{e['column']}: {e['message']}"
                          for e in doc["errors"]], errors)
        w.assert_unchanged(self.before, "validate")

    def test_unknown_product_id(self):
        w = self.w
        catalogue = ["--catalogue", w.pbdir]
        unknown = "command line: no playbook in the catalogue has product id 'acme-agent'"
        for sub in (["plan"], ["apply", "--yes"], ["apply", "--dry-run"]):
            self.refused(catalogue + sub + ["acme-agent"],
                         f"playbook errors, nothing was done:\n{unknown}\n")
        r = w.check(*catalogue, "validate", "acme-agent", expect=1)
        self.assertEqual((r.stdout, r.stderr), ("", unknown + "\n"))
        r = w.check(*catalogue, "validate", "acme-agent", "--format", "json", expect=1)
        doc = json_only(self, r, "excise-validate")
        self.assertEqual(doc["errors"], [{"file": "command line", "line": 0, "column": 0,
                                          "message": unknown[len("command line: "):]}])
        self.refused(catalogue + ["apply", "--yes", "acme", "nope"],
                     "playbook errors, nothing was done:\ncommand line: no playbook in the "
                     "catalogue has product id 'nope'\n")

    def test_malformed_fail_points(self):
        expected = ("; expected name:N=action (or name:N+=action) with action kill, eio, "
                    "enospc or exit")
        for value, why in [
            ("step.before-act", 'entry "step.before-act": no \':\' after the point name'),
            ("step.before-act:1=boom", 'entry "step.before-act:1=boom": unknown action'),
            ("step.before-act:0=kill",
             'entry "step.before-act:0=kill": the hit number must be a whole number from 1'),
            ("step.before-act:x=kill",
             'entry "step.before-act:x=kill": the hit number must be a whole number from 1'),
            ("a:1=kill,,b:1=kill", 'entry "": empty entry'),
            ("st ep:1=kill",
             'entry "st ep:1=kill": point names use letters, digits, \'.\', \'-\', \'_\''),
        ]:
            env = {"EXCISE_FAIL_POINTS": value}
            for sub in (["plan", self.pb], ["apply", "--yes", self.pb],
                        ["rollback", "--last", "--yes"], ["runs"]):
                self.refused(sub, f"EXCISE_FAIL_POINTS {why}{expected}", env=env)


HOSTILE = {  # name -> how text output shows it
    b"line\nbreak": "line\\nbreak",
    b"tab\there": "tab\\there",
    b"bad-\xff\xfe": "bad-\\xff\\xfe",
    b"esc-\x1b[31m-red": "esc-\\x1b[31m-red",
    b"del-\x7f": "del-\\x7f",
    b"cr-\r-bell-\x07": "cr-\\x0d-bell-\\x07",
    b"back\\slash": "back\\\\slash",
    b"pct%41": "pct%41",
    "caf\u00e9-\u2603".encode(): "caf\u00e9-\u2603",
    b"-rf": "-rf",
    b"trunc-\xe2\x98": "trunc-\\xe2\\x98",
}


class HostileNames(unittest.TestCase):
    def test_text_escapes_and_json_round_trips(self):
        w = World(self, root_name=b"ro\not \xff")  # the root's own path is hostile too
        hostile = [b"/opt/acme/" + n for n in HOSTILE]
        w.files("/opt/acme", list(HOSTILE))
        pb = w.paths_playbook("acme", "/opt/acme/*")
        shown_root = w.path.replace("\n", "\\n").replace(os.fsdecode(b"\xff"), "\\xff")

        r = w.check("plan", pb, expect=2)
        out = r.stdout_bytes
        for raw in (b"\t", b"\x1b", b"\x7f", b"\r", b"\x07", b"\xff", b"\xfe"):
            self.assertNotIn(raw, out, "a raw control or non-UTF-8 byte reached the terminal")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], f"excise plan for {shown_root} (offline root)")
        steps = [line for line in lines if ". path.quarantine " in line]
        self.assertEqual(len(steps), len(HOSTILE), "one line per step")
        self.assertEqual(sorted(s.split(". path.quarantine ", 1)[1] for s in steps),
                         sorted("/opt/acme/" + s for s in HOSTILE.values()))

        r = w.check("plan", pb, "--format", "json", expect=2)
        doc = json_only(self, r, "excise-plan")
        self.assertEqual(decode_bytes(doc["root"]), os.fsencode(w.path))
        self.assertEqual(sorted(decode_bytes(s["target"]) for s in doc["steps"]), sorted(hostile))
        self.assertEqual(sorted(decode_bytes(s["params"]["path"]) for s in doc["steps"]),
                         sorted(hostile))
        self.assertEqual(sorted(decode_bytes(k) for k in doc["facts"]),
                         sorted(b"path " + p for p in hostile))
        pct = [s["target"] for s in doc["steps"] if b"pct" in decode_bytes(s["target"])]
        self.assertEqual(pct, ["/opt/acme/pct%2541"], "'%' itself is encoded")

        # apply: progress on stderr one escaped line per step, JSON with the exact bytes
        r = w.check("apply", "--yes", "--format", "json", pb)
        for raw in (b"\t", b"\x1b", b"\xff"):
            self.assertNotIn(raw, r.stderr_bytes)
        progress = [line for line in r.stderr.splitlines() if line.startswith("[")]
        self.assertEqual(len(progress), len(HOSTILE))
        doc = json_only(self, r, "excise-run")
        self.assertEqual(sorted(decode_bytes(s["target"]) for s in doc["steps"]), sorted(hostile))
        for p in hostile:
            self.assertFalse(w.root.exists(p))
        r = w.check("rollback", "--last", "--yes", "--format", "json")
        self.assertEqual(sorted(decode_bytes(s["target"]) for s in r.json()["steps"]),
                         sorted(hostile))
        for p in hostile:
            self.assertTrue(w.root.exists(p), p)


# Calls that change a file system, a process or an attribute: a dry run makes none.
CHANGING = ("unlink,unlinkat,rename,renameat,renameat2,rmdir,chmod,fchmod,fchmodat,chown,fchown,"
            "fchownat,lchown,kill,tgkill,tkill,pidfd_send_signal,truncate,ftruncate,mkdir,mkdirat,"
            "mknod,mknodat,symlink,symlinkat,link,linkat,utimensat,utimes,futimesat,setxattr,"
            "lsetxattr,fsetxattr,removexattr,lremovexattr,fremovexattr")
OPENS = "open,openat,openat2,creat"
WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")


@unittest.skipUnless(shutil.which("strace"), "strace is not installed")
class DryRunTraced(unittest.TestCase):
    def traced(self, tmp, *args):
        """Runs excise under strace -f; returns (result, the calls that could change
        something, opens for writing, programs executed)."""
        log = os.path.join(tmp, "strace.log")
        r = run(["strace", "-f", "-qq", "-o", log, "-e",
                 f"trace={CHANGING},{OPENS},execve,execveat", *excise_argv(*args)])
        self.assertIn(r.code, (0, 2), str(r))  # plan: 2 = something to remove
        with open(log, encoding="utf-8", errors="surrogateescape") as f:
            calls = f.read().splitlines()
        os.unlink(log)
        changing_names = set(CHANGING.split(","))
        name = re.compile(r"^\d+\s+(\w+)\(")
        changes, writes, execs = [], [], []
        for line in calls:
            m = name.match(line)
            if not m:
                continue
            call = m.group(1)
            if call in changing_names:
                changes.append(line)
            elif call in OPENS.split(",") and WRITE_FLAGS.search(line):
                writes.append(line)
            elif call.startswith("execve"):
                execs.append(line)
        return r, calls, changes, writes, execs

    def test_dry_run_makes_no_changing_call(self):
        tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, tmp)
        sc = make_fake_product(tmp, scripts="run")
        root = sc.root.path
        for args in (["apply", "--dry-run"], ["plan"]):
            with self.subTest(args=args):
                r, calls, changes, writes, execs = self.traced(
                    tmp, *args, "--root", root, sc.playbook)
                self.assertGreater(len(calls), 50, "strace saw the run")
                if args[0] == "apply":
                    self.assertIn("package.purge acme-agent", r.stderr, "the steps ran")
                self.assertEqual(changes, [])
                self.assertEqual(writes, [])
                self.assertEqual(len(execs), 1, f"only excise itself is executed: {execs}")

    def test_rollback_dry_run_and_runs_make_no_changing_call(self):
        w = World(self)
        w.files("/opt/acme", ["a", "b"])
        pb = w.paths_playbook("acme", "/opt/acme/*")
        w.check("apply", "--yes", pb)
        for args in (["rollback", "--last", "--dry-run"], ["runs"]):
            with self.subTest(args=args):
                _, calls, changes, writes, execs = self.traced(w.tmp, *args, "--root", w.path)
                self.assertEqual(changes, [])
                self.assertEqual(writes, [])
                self.assertEqual(len(execs), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
