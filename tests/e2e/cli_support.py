"""Shared pieces of the CLI tests (tests/e2e/test_cli_*.py): small generated roots with
playbooks, a terminal to answer prompts on, a lock held by another process, JSON checks.

A `World` is a root of a few files (no packages unless asked), built in a few
milliseconds, with its playbooks in a directory the loader trusts:

    w = World(self)                        # removed again when the test ends
    w.files("/opt/acme", [b"a", b"b"])
    pb = w.playbook("acme", '[[path]]\\nglobs = ["/opt/acme/*"]\\n')
    w.excise("apply", "--yes", pb)         # --root is added; asserts nothing by itself
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import (Deb, File, Result, build_deb, compare, excise_argv,  # noqa: E402
                        make_root, make_temp_dir, record, remove_temp_dir, require_excise,
                        run_excise)
from excise_e2e._util import tool_env  # noqa: E402
from excise_e2e.runner import PASS_THROUGH  # noqa: E402

STATE = b"/var/lib/excise"

# The keys each --format json document promises (the help text's footer says every one
# has "changed"; config management reads "changed", the steps and the exit code).
PLAN_KEYS = {"format", "format_version", "tool_version", "root", "live", "systemd", "created",
             "playbooks", "steps", "conflicts", "blocked", "notes", "facts", "summary",
             "changed", "exit_code"}
RUN_KEYS = {"format", "format_version", "command", "run", "dry_run", "ok", "changed", "error",
            "steps", "exit_code"}
APPLY_KEYS = RUN_KEYS | {"blocked"}
RUNS_KEYS = {"format", "format_version", "root", "runs", "changed"}
VALIDATE_KEYS = {"format", "format_version", "ok", "playbooks", "errors", "changed"}
LIST_KEYS = {"format", "format_version", "products", "errors", "changed"}
ERROR_KEYS = {"format", "error", "changed", "exit_code"}
FORMAT_KEYS = {"excise-plan": PLAN_KEYS, "excise-run": RUN_KEYS, "excise-runs": RUNS_KEYS,
               "excise-validate": VALIDATE_KEYS, "excise-catalogue": LIST_KEYS,
               "excise-error": ERROR_KEYS}


def decode_bytes(text: str) -> bytes:
    """The reverse of excise's JSON byte encoding: UTF-8 text, with %XX for '%' itself and
    for every byte that is not part of valid UTF-8."""
    raw, out, i = text.encode("utf-8"), bytearray(), 0
    while i < len(raw):
        if raw[i] == 0x25:
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


class World:
    """A small root and a playbook directory under a fresh temp dir."""

    def __init__(self, test, root_name: bytes | str = "root"):
        require_excise()
        self.test = test
        self.tmp = make_temp_dir()
        test.addCleanup(remove_temp_dir, self.tmp)
        self.root = make_root(os.path.join(self.tmp, os.fsdecode(root_name)))
        self.path = self.root.path
        self.pbdir = os.path.join(self.tmp, "playbooks")
        os.makedirs(self.pbdir)
        os.chmod(self.pbdir, 0o755)

    def file(self, path: str) -> str:
        """A host path in the temp dir (outside the root)."""
        return os.path.join(self.tmp, path)

    def files(self, directory, names, content=b"x") -> list[bytes]:
        out = []
        for name in names:
            p = os.fsencode(directory) + b"/" + os.fsencode(name)
            self.root.put_file(p, content)
            out.append(p)
        return out

    def playbook(self, product: str, body: str, name: str | None = None) -> str:
        """Writes playbooks/<name or product>.toml (schema 1, mode 0644) and returns its path."""
        path = os.path.join(self.pbdir, (name or product) + ".toml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f'schema = 1\n\n[product]\nid = "{product}"\nname = "{product} (test)"\n\n'
                    + body)
        os.chmod(path, 0o644)
        return path

    def paths_playbook(self, product: str, *globs: str) -> str:
        return self.playbook(product, "[[path]]\nglobs = [" +
                             ", ".join(json.dumps(g) for g in globs) + "]\n")

    def excise(self, *args, env=None, stdin=None, root=True, cwd=None) -> Result:
        """excise ARGS --root ROOT (stdin an empty pipe unless given: never a terminal)."""
        full = list(args) + (["--root", self.path] if root else [])
        return run_excise(*full, env=env, stdin=stdin if stdin is not None else b"", cwd=cwd)

    def check(self, *args, expect=0, **kw) -> Result:
        r = self.excise(*args, **kw)
        self.test.assertEqual(r.code, expect, str(r))
        return r

    def record(self):
        return record(self.path)

    def assert_unchanged(self, before, what=""):
        """The whole root, excise's state directory included, is as recorded."""
        diffs = [str(d) for d in compare(before, self.record())]
        self.test.assertEqual(diffs, [], f"{what}: changed the root")

    def run_ids(self) -> list[str]:
        runs = self.host(STATE + b"/runs")
        return sorted(os.fsdecode(n) for n in os.listdir(runs)) if os.path.isdir(runs) else []

    def host(self, path: bytes) -> bytes:
        return self.root.host(path)

    # -- history: a run killed halfway, so that "changes nothing" covers closing it ---
    def interrupted_run(self) -> str:
        """A run of another product killed (SIGKILL) before its first step acted; not
        closed yet. Returns its id."""
        self.files("/opt/killed", ["k1", "k2"])
        pb = self.paths_playbook("killed", "/opt/killed/*")
        r = self.excise("apply", "--yes", pb, env={"EXCISE_FAIL_POINTS": "step.before-act:1=kill"})
        self.test.assertEqual(r.code, -9, str(r))
        return self.run_ids()[-1]

    # -- packages ---------------------------------------------------------------------
    def install(self, name: str, version: str = "1.0") -> str:
        """Builds and installs a one-file package (files under /opt/<name>)."""
        deb = build_deb(Deb(name, version, files={f"/opt/{name}/tool": File("#!/bin/sh\n", 0o755)}),
                        self.file("debs"))
        self.root.install_debs([deb])
        return deb


def json_only(test, r: Result, fmt: str):
    """stdout is exactly one JSON document of format `fmt`, with its documented keys."""
    doc = json.loads(r.stdout)  # raises on anything else on stdout (a log line, two documents)
    test.assertIsInstance(doc, dict, str(r))
    test.assertEqual(doc.get("format"), fmt, str(r))
    missing = FORMAT_KEYS[fmt] - set(doc)
    test.assertEqual(missing, set(), f"{fmt} document lacks keys: {r}")
    test.assertIsInstance(doc["changed"], bool)
    return doc


def on_terminal(args: list, answer: bytes, env=None, timeout: float = 60) -> Result:
    """Runs excise with a pseudo-terminal as stdin and `answer` typed on it; stdout and
    stderr are pipes, as under a person's shell with output captured."""
    master, slave = os.openpty()
    t0 = time.monotonic()
    base = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
    base.update(env or {})
    argv = excise_argv(*args)
    try:
        proc = subprocess.Popen(argv, stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=tool_env(base))
        os.close(slave)
        slave = -1
        os.write(master, answer)  # waits in the terminal's input queue until read
        out, err = proc.communicate(timeout=timeout)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    return Result(argv, proc.returncode, out, err, time.monotonic() - t0)


@contextlib.contextmanager
def lock_held(world: World, holder_line: str):
    """Holds the state directory's lock as another excise would: flock on
    <root>/var/lib/excise/lock, with the holder's line written in it. The state directory
    must exist (made by an earlier run)."""
    path = world.host(STATE + b"/lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder_line.encode() + b"\n", 0)
        yield
    finally:
        os.close(fd)  # releases the flock
