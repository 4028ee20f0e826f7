"""SAFETY.md S19: editing passwd, group, shadow and gshadow while others use them.

Held locks: a process holding the lckpwdf() lock (an fcntl lock on ROOT/etc/.pwd.lock)
and a live process's ROOT/etc/passwd.lock (shadow-utils' link lock). excise waits (15 s,
as lckpwdf does), then fails cleanly: exit 1, the message names the holder and the
lock, nothing changed, no lock of ours left behind, the journal sound; once the holder
is gone, apply works.

Concurrent useradd: `useradd --root` runs in a loop while excise removes the user acme
and rolls that back, over and over. No entry is lost (every user useradd reported as
added exists at the end, and acme is back), a reader that keeps parsing the four files
never sees a partial file, owner and mode of each file are kept, and `pwck -r` and
`grpck -r` find nothing wrong.
"""
import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import compare, excise_argv, record, run, run_tool  # noqa: E402
from excise_e2e.safety import (SafetyTest, Sentinel, file_facts, journal_problems,  # noqa: E402
                               run_states, write_playbook)

PLAYBOOK = """\
schema = 1

[product]
id = "acme-accounts"
name = "Acme accounts"
vendor = "Test"
platforms = ["linux"]

[[user]]
names = ["acme"]

[[group]]
names = ["acme"]
"""
FIELDS = {"passwd": 7, "group": 4, "shadow": 9, "gshadow": 4}
CONCURRENT_SECONDS = float(os.environ.get("EXCISE_S19_SECONDS", "8"))

HOLD_PWD_LOCK = r"""
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.lockf(fd, fcntl.LOCK_EX)   # a classic POSIX lock, as glibc's lckpwdf takes it
print("locked", flush=True)
time.sleep(120)
"""


class Accounts(SafetyTest):
    def world(self, name="root"):
        root = self.make_root(name, users=())
        root.add_system_user("acme", home="/nonexistent")
        root.add_user("alice", groups=["acme"])
        root.add_user("bob")
        pb = write_playbook(os.path.join(self.tmp, "playbooks"), "accounts.toml", PLAYBOOK)
        return root, pb

    def etc_facts(self, root):
        return {n: file_facts(root.host(f"/etc/{n}"))[:3] for n in FIELDS}

    # -- held locks ------------------------------------------------------------------
    def test_held_locks_wait_then_fail_cleanly(self):
        r1, pb = self.world("root-pwdlock")
        r2, _ = self.world("root-passwdlock")
        holder = subprocess.Popen(["/usr/bin/python3", "-c", HOLD_PWD_LOCK,
                                   r1.host("/etc/.pwd.lock")], stdout=subprocess.PIPE)
        self.addCleanup(lambda: (holder.kill(), holder.wait()))
        self.assertEqual(holder.stdout.readline().strip(), b"locked")
        sleeper = subprocess.Popen(["sleep", "120"])
        self.addCleanup(lambda: (sleeper.kill(), sleeper.wait()))
        with open(r2.host("/etc/passwd.lock"), "wb") as f:
            f.write(b"%d\0" % sleeper.pid)  # as shadow-utils writes it
        worlds = [(r1, holder.pid, f"the account files are locked by process {holder.pid} "
                                   f"({r1.path}/etc/.pwd.lock); try again when it has finished"),
                  (r2, sleeper.pid, f"{r2.path}/etc/passwd is locked by process {sleeper.pid} "
                                    f"({r2.path}/etc/passwd.lock); try again when it has finished")]
        sentinels = {r.path: Sentinel.make(r.host("/srv/sentinel")) for r, _, _ in worlds}
        before = {r.path: record(r.path, views=False) for r, _, _ in worlds}
        # Both at once: each waits its 15 s.
        t0 = time.monotonic()
        procs = [subprocess.Popen(excise_argv("apply", "--yes", "--root", r.path, pb),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for r, _, _ in worlds]
        outs = [p.communicate(timeout=120) for p in procs]
        waited = time.monotonic() - t0
        self.assertGreaterEqual(waited, 14.5)
        for (root, pid, message), p, (out, err) in zip(worlds, procs, outs):
            text = (out + err).decode()
            self.assertEqual(p.returncode, 1, text)
            self.assertIn(message, text)
            after = record(root.path, views=False)
            # Trying shadow-utils' lock creates and removes <file>.<pid> in /etc, as every
            # account tool does: /etc's mtime moves; nothing else may.
            self.assertEqual([str(d) for d in compare(before[root.path], after,
                                                      exclude=["var/lib/excise/**"],
                                                      ignore=[("etc", "mtime")],
                                                      views=False)], [])
            self.assertEqual(journal_problems(root.path), [])
            self.assertEqual(sentinels[root.path].changes(), [])
            self.assertEqual(run_states(root.path), ["failed"])
        # The holders go; the same apply now works, and rolls back.
        holder.kill()
        holder.wait()
        os.unlink(r2.host("/etc/passwd.lock"))
        for root, _, _ in worlds:
            self.excise("apply", "--yes", "--root", root.path, pb)
            self.assertNotIn(b"acme:", root.read("/etc/passwd"))
            self.excise("rollback", "--yes", "--last", "--root", root.path)
            self.assertIn(b"acme:", root.read("/etc/passwd"))
            self.assert_safe(root, sentinels[root.path])

    # -- concurrent useradd -----------------------------------------------------------
    def test_concurrent_useradd(self):
        root, pb = self.world()
        facts = self.etc_facts(root)
        sentinel = Sentinel.make(root.host("/srv/sentinel"))
        stop = threading.Event()
        added, refused, reads, torn = [], [], [0], []

        def adder():
            n = 0
            while not stop.is_set():
                n += 1
                name = f"user{n}"
                r = run(["useradd", "--root", root.path, "--no-create-home",
                         "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name],
                        timeout=120)
                (added if r.code == 0 else refused).append((name, r.code, r.stderr.strip()))
                # useradd queues on the lock (F_SETLKW); excise polls every 100 ms. A
                # breath between useradds keeps a loaded machine from starving excise.
                time.sleep(0.005)

        def reader():
            while not stop.is_set():
                for name, fields in FIELDS.items():
                    with open(root.host(f"/etc/{name}"), "rb") as f:
                        data = f.read()
                    reads[0] += 1
                    lines = data.split(b"\n")
                    bad = (not data.endswith(b"\n") or not data.startswith(b"root:")
                           or any(len(ln.split(b":")) != fields for ln in lines[:-1]))
                    if bad:
                        torn.append((name, data[-200:]))
                time.sleep(0.002)  # keep reading, but leave the CPU to the writers

        threads = [threading.Thread(target=adder), threading.Thread(target=reader)]
        for t in threads:
            t.start()
        cycles, t_end = 0, time.monotonic() + CONCURRENT_SECONDS
        try:
            while time.monotonic() < t_end:
                cycles += 1
                a = run(excise_argv("apply", "--yes", "--root", root.path, pb))
                self.assertEqual(a.code, 0, str(a))
                b = run(excise_argv("rollback", "--yes", "--last", "--root", root.path))
                self.assertEqual(b.code, 0, str(b))
        finally:
            stop.set()
            for t in threads:
                t.join()
        print(f"\nS19 concurrent useradd: {cycles} apply+rollback cycles, {len(added)} users "
              f"added, {len(refused)} useradd refusals, {reads[0]} reads, {len(torn)} torn",
              file=sys.stderr)
        self.assertEqual(torn, [])
        self.assertGreater(len(added), 0)
        text = {n: root.read(f"/etc/{n}").decode() for n in FIELDS}
        for name, _, _ in added:
            for file in FIELDS:
                self.assertIn(f"\n{name}:", text[file], f"{name} lost from {file}")
        for who in ("acme", "alice", "bob"):
            self.assertIn(f"\n{who}:", text["passwd"])
        self.assertEqual(self.etc_facts(root), facts)  # owner and mode kept
        for tool in ("pwck", "grpck"):
            p = run_tool([tool, "-r", "-R", root.path], check=False)
            self.assertEqual((p.returncode, p.stdout.strip(), p.stderr.strip()), (0, "", ""),
                             tool)
        self.assert_safe(root, sentinel)
        self.assertEqual(set(run_states(root.path)), {"rolled-back"})
        # No lock file of ours (or of useradd) left behind.
        self.assertEqual([n for n in os.listdir(root.host("/etc"))
                          if n.endswith(b".lock") and n != b".pwd.lock"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
