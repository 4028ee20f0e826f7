"""The round trip on a live system: this machine's own root, in a throwaway sandbox.

A helper process (this file run with --inside, started by `unshare --mount
--propagation private`) mounts a tmpfs and an overlay with lowerdir=/ (upper and work
on the tmpfs), mounts proc (read-only), a minimal /dev (a tmpfs with null, zero...) and
sysfs (read-only) into it, and chroots into it for everything it runs: useradd, the
host's dpkg (-i of the fake product's .debs), systemctl enable (offline link mode:
systemd is not PID 1 here), and excise itself, which so sees "/" as its root and works
in live mode: dpkg without --root on the host's real dpkg database, the real
/etc/passwd, units in the real unit directories. The test driver (Python) stays
outside the chroot: it writes the leftovers and records manifests of the relevant
subtrees (SUBTREES: the whole root is too big to walk), through the overlay.

The product is set up first and then frozen into a lower layer (OverlayRoot.freeze):
like a real machine, it was "on disk" before excise ran, and renaming its directories
on overlayfs gives EXDEV, so excise's quarantine takes its copy fallback for the trees
(checked in its notes).

Then: plan (exit 2), dry run (nothing changes), apply --yes (product gone, decoys
intact, nothing else changed), plan (exit 0), rollback --last --yes, and the manifest
equals the record. Every write went to the tmpfs and vanished with the namespace: the
test proves the host untouched (dpkg status, account files, dpkg log, unit links and
sentinel files the sandbox deliberately overwrote, compared before and after).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from excise_e2e import *  # noqa: E402,F401,F403
from excise_e2e import sandbox  # noqa: E402

# What the manifests cover (paths inside the sandbox): the product's places, its
# decoys', and every database excise or dpkg changes.
MERGED_USR = os.path.islink("/lib")  # then /lib/systemd/system is /usr/lib/systemd/system
SUBTREES = ["/etc", "/home", "/opt/acme", "/opt/acme-tools", "/opt/acmeX",
            "/var/lib/dpkg", "/var/lib/acme", "/var/lib/systemd", "/var/log/acme",
            "/usr/lib/systemd/system" if MERGED_USR else "/lib/systemd/system",
            "/usr/share/applications",
            "/usr/share/doc/acme-agent", "/usr/share/doc/acme-agent-gui",
            "/usr/share/doc/acme-shared-config"]
# Host files that prove the host untouched (content and metadata).
HOST_FILES = ["/var/lib/dpkg/status", "/var/lib/dpkg/status-old", "/var/log/dpkg.log",
              "/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/passwd-",
              "/etc/group-", "/etc/shadow-", "/etc/gshadow-", "/etc/subuid", "/etc/subgid"]
# Host directories whose listing (and mtime, for the product's own) must not change.
HOST_DIRS = ["/etc", "/var/lib"]
HOST_DIRS_WITH_MTIME = ["/opt", "/home", "/etc/systemd/system",
                        "/etc/systemd/system/multi-user.target.wants", "/lib/systemd/system",
                        "/var/lib/dpkg/info"]
CANARY = "/etc/excise-live-sandbox-canary"
SENTINEL_MTIME_NS = 1_736_000_000_123_456_789
PRODUCT_NAMES = ("acme-agent", "acme-agent-gui", "acme-shared-config")
ACCOUNTS = ("acme", "alice", "bob")


def sha256_of(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except FileNotFoundError:
        return "(absent)"


def host_fingerprint(tmp: str) -> dict:
    """What the sandbox must not change on the host."""
    out = {}
    for p in HOST_FILES:
        st = os.lstat(p) if os.path.lexists(p) else None
        out[p] = (sha256_of(p), st and (st.st_mode, st.st_uid, st.st_gid, st.st_mtime_ns,
                                        st.st_ino))
    for d in HOST_DIRS + HOST_DIRS_WITH_MTIME:
        st = os.stat(d) if os.path.exists(d) else None
        out[d + "/"] = (sorted(os.listdir(d)) if st else None,
                        st and d in HOST_DIRS_WITH_MTIME and st.st_mtime_ns)
    for top, _, files in os.walk(os.path.join(tmp, "sentinel")):
        for name in files:
            p = os.path.join(top, name)
            st = os.lstat(p)
            out[p] = (sha256_of(p), st.st_mode, st.st_mtime_ns)
    out[CANARY] = os.path.lexists(CANARY)
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as f:
        out["mounts"] = sorted(line.split(" ")[4] for line in f)
    return out


def make_sentinels(tmp: str) -> None:
    os.makedirs(os.path.join(tmp, "sentinel/dir"))
    for rel, text in (("keep.txt", "host sentinel\n"), ("dir/inner.txt", "inner sentinel\n")):
        p = os.path.join(tmp, "sentinel", rel)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        os.utime(p, ns=(SENTINEL_MTIME_NS, SENTINEL_MTIME_NS))


def host_conflicts() -> list[str]:
    """Reasons the host cannot host the sandbox test (the fake product's names taken)."""
    found = []
    pk = dpkg_packages("/")
    found += [f"package {p} is installed on this host" for p in PRODUCT_NAMES if p in pk]
    users = accounts("/")["users"]
    found += [f"user {u} exists on this host" for u in ACCOUNTS if u in users]
    return found


class LiveSandbox(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        require_excise()
        if os.geteuid() != 0:
            self.skipTest("needs root (unshare, mount, chroot)")
        if not sandbox.has_overlayfs():
            self.skipTest("the kernel has no overlayfs")
        for tool in ("unshare", "chroot", "mount", "dpkg", "useradd", "systemctl"):
            if shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
                self.skipTest(f"{tool} is not installed")
        if host_conflicts():
            self.skipTest("; ".join(host_conflicts()))
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)

    def test_round_trip_on_the_live_root(self):
        t0 = time.monotonic()
        debdir = os.path.join(self.tmp, "debs")
        for deb in product_debs():
            build_deb(deb, debdir)
        make_sentinels(self.tmp)
        host_before = host_fingerprint(self.tmp)

        proc = run(["unshare", "--mount", "--propagation", "private", "/usr/bin/python3",
                    os.path.abspath(__file__), "--inside", self.tmp,
                    os.path.abspath(excise_bin())], timeout=600)
        result = os.path.join(self.tmp, "inside.json")
        self.assertTrue(os.path.exists(result), f"the sandbox helper left no result:\n{proc}")
        with open(result, encoding="utf-8") as f:
            inside = json.load(f)
        self.assertEqual(inside.get("error", ""), "", f"inside the sandbox:\n{proc}")
        self.assertEqual(proc.code, 0, str(proc))

        # The namespace is gone, and with it everything written inside.
        host_after = host_fingerprint(self.tmp)
        changed = sorted(k for k in set(host_before) | set(host_after)
                         if host_before.get(k) != host_after.get(k))
        self.assertEqual(changed, [], "the sandbox changed the host (or something else did "
                         "meanwhile): " + json.dumps({k: [host_before.get(k), host_after.get(k)]
                                                      for k in changed}, default=str))
        for d in ("sb", "merged"):
            self.assertEqual(os.listdir(os.path.join(self.tmp, d)), [],
                             f"{d} is not empty on the host")
        self.assertEqual(host_conflicts(), [])
        print(f"\nlive sandbox: {time.monotonic() - t0:.1f} s; " +
              ", ".join(f"{k} {v:.1f} s" for k, v in inside["timings"].items()),
              file=sys.stderr)
        for note in inside["copied"]:
            print("  " + note, file=sys.stderr)


# -- inside the sandbox (a private mount namespace) -----------------------------------------

class Inside:
    """Runs in the process that `unshare --mount --propagation private` started."""

    def __init__(self, tmp: str, excise: str):
        self.tmp = tmp
        self.excise_host = excise
        self.timings: dict[str, float] = {}
        self.copied: list[str] = []
        self.merged = os.path.join(tmp, "merged")
        self.t = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = now - self.t
        self.t = now

    def check(self, ok: bool, message) -> None:
        if not ok:
            raise AssertionError(message() if callable(message) else message)

    # Everything that runs in the sandbox goes through here: refuse unless the merged
    # directory really is the overlay (never run excise or dpkg on the host's "/").
    def chroot(self, *argv: str, expect: int | None = 0) -> Result:
        self.check(sandbox.mount_type(self.merged) == "overlay",
                   f"{self.merged} is not the sandbox overlay: refusing to run {argv}")
        r = run(["chroot", self.merged, *argv], timeout=300)
        if expect is not None:
            self.check(r.code == expect, lambda: f"expected exit {expect}:\n{r}")
        return r

    def excise(self, *args: str, expect: int = 0) -> Result:
        return self.chroot(self.excise_inside, *args, expect=expect)

    def record(self) -> Manifest:
        return record(self.merged, only=SUBTREES)

    def mount_system(self) -> None:
        """proc (read-only), a private minimal /dev, sysfs (read-only)."""
        m = self.merged
        run_tool(["mount", "-t", "proc", "-o", "ro,nosuid,nodev,noexec", "proc", f"{m}/proc"])
        run_tool(["mount", "-t", "tmpfs", "-o", "mode=0755,nosuid", "sandbox-dev", f"{m}/dev"])
        for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("full", 1, 7),
                                   ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)):
            os.mknod(f"{m}/dev/{name}", 0o20666, os.makedev(major, minor))
            os.chmod(f"{m}/dev/{name}", 0o666)
        for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                             ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
            os.symlink(target, f"{m}/dev/{name}")
        run_tool(["mount", "-t", "sysfs", "-o", "ro,nosuid,nodev,noexec", "sysfs", f"{m}/sys"])

    def umount_system(self) -> None:
        for sub in ("sys", "dev", "proc"):
            sandbox.umount(f"{self.merged}/{sub}")

    def setup_product(self) -> None:
        """The fake product installed on the live system, as its vendor would."""
        self.chroot("useradd", "--system", "--no-create-home", "--home-dir", "/var/lib/acme",
                    "--shell", "/usr/sbin/nologin", "--user-group", "acme")
        self.chroot("useradd", "--create-home", "--shell", "/bin/sh", "--user-group",
                    "--groups", "acme", "alice")
        self.chroot("useradd", "--create-home", "--shell", "/bin/sh", "--user-group", "bob")
        debdir = os.path.join(self.tmp, "debs")
        debs = {os.path.basename(p).split("_")[0]: os.path.join(debdir, p)
                for p in os.listdir(debdir)}
        self.chroot("dpkg", "-i", *(debs[n] for n in PRODUCT_NAMES))
        self.chroot("systemctl", "enable", "acme-agent.service", "acme-shared-sync.service")
        root = Root(self.merged)
        self.check(root.exists("/var/lib/acme/state"), "the product's postinst did not run")
        odd = add_leftovers(root)
        playbook = write_playbook(self.tmp, "run")
        self.deb_paths = debs
        self.sc = describe_fake_product(self.tmp, root, playbook, "run", deb_paths=debs,
                                        odd_names=odd,
                                        merged_usr=MERGED_USR)

    def excise_binary(self) -> str:
        """The excise binary as seen inside: the same file if the lower layer has it (the
        build tree is on the root file system), else a copy in the sandbox's /run."""
        inside = self.merged + self.excise_host
        if os.path.exists(inside) and os.stat(inside).st_ino == os.stat(self.excise_host).st_ino:
            return self.excise_host
        os.makedirs(f"{self.merged}/run/excise-test", exist_ok=True)
        shutil.copy2(self.excise_host, f"{self.merged}/run/excise-test/excise")
        return "/run/excise-test/excise"

    def run(self) -> None:
        tmp, m = self.tmp, self.merged
        sb = os.path.join(tmp, "sb")
        os.makedirs(sb, exist_ok=True)
        run_tool(["mount", "-t", "tmpfs", "-o", "mode=0700", "excise-sandbox", sb])
        self.check(sandbox.mount_type(sb) == "tmpfs", f"{sb}: the tmpfs is not mounted")
        overlay = sandbox.OverlayRoot(m, ["/"], os.path.join(sb, "layers"))
        self.check(os.path.realpath(m) != "/" and sandbox.mount_type(m) == "overlay",
                   f"{m}: the overlay is not mounted")
        self.mount_system()
        self.excise_inside = self.excise_binary()
        self.lap("mounts")

        self.setup_product()
        self.lap("product installed")
        # The product has been on disk "for a while": its trees are now a lower layer.
        self.umount_system()
        overlay.freeze()
        self.mount_system()
        sc = self.sc
        before = self.record()
        self.lap("record")

        plan = self.excise("plan", "--format", "json", sc.playbook, expect=2).json()
        self.check(plan["live"] is True, f"excise did not see a live system: {plan.get('live')}")
        purges = [s["target"] for s in plan["steps"] if s["action"] == "package.purge"]
        self.check(purges == ["acme-agent-gui", "acme-agent"], f"purges: {purges}")
        self.check("/etc/acme-shared.conf" in {c["target"] for c in plan["conflicts"]},
                   f"conflicts: {plan['conflicts']}")
        self.check(plan["blocked"] == [], f"blocked: {plan['blocked']}")

        self.excise("apply", "--dry-run", sc.playbook)
        diffs = compare(before, self.record())
        self.check(diffs == [], lambda: "the dry run changed the system:\n" +
                   "\n".join(map(str, diffs)))
        self.lap("plan and dry run")

        r = self.excise("apply", "--yes", "--format", "json", sc.playbook)
        self.lap("apply")
        report = r.json()
        self.check(report["changed"], "apply changed nothing")
        notes = [n for s in report["steps"] for n in s["notes"]]
        self.copied = [n for n in notes if n.startswith("moved by copy")]
        for path in ("/opt/acme", "/var/log/acme", "/home/alice/.config/acme"):
            self.check(f"moved by copy (another file system): {path}" in notes,
                       lambda: f"no copy fallback for {path}: notes are\n" + "\n".join(notes))
        problems = sc.after_apply_problems(before, self.record(), ignore=SCRIPT_STATE_NLINK)
        self.check(problems == [], lambda: "after apply:\n" + "\n".join(problems))
        self.excise("plan", sc.playbook, expect=0)
        self.lap("checks after apply")

        self.excise("rollback", "--last", "--yes")
        self.lap("rollback")
        diffs = sc.rollback_differences(before, self.record())
        self.check(diffs == [], lambda: "after rollback:\n" + "\n".join(map(str, diffs)))
        pk = dpkg_packages(m)
        self.check(all(pk.get(p, ("", ""))[1] == "ii" for p in PRODUCT_NAMES), f"packages: {pk}")

        # Writes through the sandbox reach only its upper layer: overwrite and delete
        # host sentinels and drop a canary, which the driver then finds untouched/absent.
        self.chroot("/bin/sh", "-c", 'echo overwritten > "$1/sentinel/keep.txt" && '
                    'rm -r "$1/sentinel/dir" && : > "$2"', "sh", tmp, CANARY)
        self.check(open(f"{m}{tmp}/sentinel/keep.txt").read() == "overwritten\n"
                   and not os.path.exists(f"{m}{tmp}/sentinel/dir")
                   and os.path.exists(m + CANARY), "the sandbox's writes are not visible inside")
        self.lap("final checks")


def inside_main(tmp: str, excise: str) -> int:
    inside = Inside(tmp, excise)
    result = {"error": "", "timings": inside.timings, "copied": inside.copied}
    try:
        inside.run()
    except BaseException:  # noqa: BLE001 (reported to the driver, which fails the test)
        result["error"] = traceback.format_exc()
    result["copied"] = inside.copied
    with open(os.path.join(tmp, "inside.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(result["error"] or "ok", flush=True)
    return 1 if result["error"] else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        sys.exit(inside_main(sys.argv[2], sys.argv[3]))
    t0 = time.monotonic()
    prog = unittest.main(exit=False, verbosity=2)
    print(f"test_live_sandbox: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    sys.exit(not prog.result.wasSuccessful())
