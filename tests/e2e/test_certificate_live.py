"""[[certificate]] on a live system: this machine's own root in the throwaway sandbox of
test_live_sandbox.py (an overlay with lowerdir=/ in a private mount namespace, chrooted
into; excise inside sees "/" and works in live mode). A fake "Acme Root CA" is added
the Debian way (/usr/local/share/ca-certificates, then the host's real
update-ca-certificates, hooks and all), next to the decoy "Acme Roots Unrelated CA" and
the host's whole Mozilla store. Then the trust store is frozen into a lower layer (as on
disk for a while), and: plan (exit 2, the rebuild is `update-ca-certificates --fresh`),
apply (the CA is gone from the anchors, the links and the bundle; the decoys stay), plan
(exit 0), rollback, and the trust store's manifest equals the record byte for byte.
The driver proves the host's own trust store untouched."""
import hashlib
import json
import os
import re
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
import test_live_sandbox as live  # noqa: E402  (its sandbox helper, reused)

TOOL = "/usr/sbin/update-ca-certificates"
# What the manifests cover inside the sandbox: the whole trust store.
SUBTREES = ["/etc/ssl", "/etc/ca-certificates", "/etc/ca-certificates.conf",
            "/usr/local/share/ca-certificates", "/usr/share/ca-certificates"]
PLAYBOOK = """schema = 1

[product]
id = "acme-ca"
name = "Acme TLS inspection"

[[certificate]]
subject = "Acme Root CA*"
"""


def sha256_of(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def host_trust_store() -> dict:
    """The host's trust store: names, link targets, contents and mtimes."""
    out = {}
    for top in ("/etc/ssl/certs", "/usr/local/share/ca-certificates"):
        for dirpath, dirs, files in os.walk(top):
            for name in dirs + files:
                p = os.path.join(dirpath, name)
                st = os.lstat(p)
                what = os.readlink(p) if os.path.islink(p) else (
                    sha256_of(p) if os.path.isfile(p) else "dir")
                out[p] = (what, st.st_mtime_ns, st.st_ino)
    st = os.stat("/etc/ca-certificates.conf")
    out["conf"] = (sha256_of("/etc/ca-certificates.conf"), st.st_mtime_ns)
    return out


class LiveTrustStore(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        require_excise()
        if os.geteuid() != 0:
            self.skipTest("needs root (unshare, mount, chroot)")
        if not sandbox.has_overlayfs():
            self.skipTest("the kernel has no overlayfs")
        for tool in ("unshare", "chroot", "mount", "openssl"):
            if shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
                self.skipTest(f"{tool} is not installed")
        if not os.path.exists(TOOL):
            self.skipTest("ca-certificates is not installed (scripts/setup.sh)")
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)

    def test_round_trip_on_the_live_trust_store(self):
        t0 = time.monotonic()
        for name, subject in (("acme-root.crt", "/C=US/O=Acme Ltd/CN=Acme Root CA"),
                              ("acme-roots-unrelated.crt",
                               "/C=US/O=Acme Ltd/CN=Acme Roots Unrelated CA")):
            run_tool(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                      "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj", subject,
                      "-days", "3650", "-out", os.path.join(self.tmp, name)])
        with open(os.path.join(self.tmp, "acme-ca.toml"), "w") as f:
            f.write(PLAYBOOK)
        os.chmod(os.path.join(self.tmp, "acme-ca.toml"), 0o644)
        host_before = host_trust_store()
        proc = run(["unshare", "--mount", "--propagation", "private", "/usr/bin/python3",
                    os.path.abspath(__file__), "--inside", self.tmp,
                    os.path.abspath(excise_bin())], timeout=600)
        result = os.path.join(self.tmp, "inside.json")
        self.assertTrue(os.path.exists(result), f"the sandbox helper left no result:\n{proc}")
        with open(result, encoding="utf-8") as f:
            inside = json.load(f)
        self.assertEqual(inside.get("error", ""), "", f"inside the sandbox:\n{proc}")
        self.assertEqual(proc.code, 0, str(proc))
        self.assertEqual(host_trust_store(), host_before, "the sandbox changed the host's trust store")
        print(f"\nlive trust store: {time.monotonic() - t0:.1f} s; " +
              ", ".join(f"{k} {v:.1f} s" for k, v in inside["timings"].items()), file=sys.stderr)


class Inside(live.Inside):
    def record(self) -> Manifest:
        return record(self.merged, only=SUBTREES)

    def bundle_subjects(self) -> list:
        with open(f"{self.merged}/etc/ssl/certs/ca-certificates.crt", "rb") as f:
            data = f.read()
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", data, re.S)
        return [subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"],
                               input=b, capture_output=True, check=True).stdout.decode().strip()
                for b in blocks]

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

        local = f"{m}/usr/local/share/ca-certificates"
        os.makedirs(f"{local}/acme", exist_ok=True)
        shutil.copy(os.path.join(tmp, "acme-root.crt"), f"{local}/acme/acme-root.crt")
        shutil.copy(os.path.join(tmp, "acme-roots-unrelated.crt"), f"{local}/acme-roots-unrelated.crt")
        self.chroot(TOOL)
        self.check(os.path.islink(f"{m}/etc/ssl/certs/acme-root.pem"), "the CA was not installed")
        self.lap("CA installed")
        self.umount_system()
        overlay.freeze()
        self.mount_system()
        before = self.record()
        playbook = os.path.join(tmp, "acme-ca.toml")

        plan = self.excise("plan", "--format", "json", playbook, expect=2).json()
        self.check(plan["live"] is True, "excise did not see a live system")
        steps = sorted((s["action"], s["target"]) for s in plan["steps"])
        hash_links = [t for a, t in steps if re.fullmatch(r"/etc/ssl/certs/[0-9a-f]{8}\.0", t)]
        self.check(len(hash_links) == 1 and steps == sorted([
            ("path.quarantine", "/usr/local/share/ca-certificates/acme/acme-root.crt"),
            ("path.quarantine", "/etc/ssl/certs/acme-root.pem"),
            ("path.quarantine", hash_links[0]),
            ("certificate.rebuild", "/etc/ssl/certs")]), f"steps: {steps}")
        rebuild = plan["steps"][-1]
        self.check(rebuild["params"]["method"] == "update-ca-certificates",
                   f"rebuild: {rebuild}")
        self.lap("plan")

        self.excise("apply", "--yes", playbook)
        self.lap("apply")
        subjects = self.bundle_subjects()
        self.check(not [s for s in subjects if "CN=Acme Root CA" in s], f"bundle: {subjects}")
        self.check("subject=CN=Acme Roots Unrelated CA,O=Acme Ltd,C=US" in subjects,
                   "the decoy left the bundle")
        self.check(len(subjects) > 100, f"the bundle lost the Mozilla roots: {len(subjects)}")
        self.check(os.path.islink(f"{m}/etc/ssl/certs/acme-roots-unrelated.pem"), "decoy link gone")
        self.check(not os.path.lexists(f"{m}/etc/ssl/certs/acme-root.pem"), "Acme link left")
        self.excise("plan", playbook, expect=0)

        self.excise("rollback", "--last", "--yes")
        self.lap("rollback")
        diffs = compare(before, self.record())
        self.check(diffs == [], lambda: "after rollback:\n" + "\n".join(map(str, diffs)))


def inside_main(tmp: str, excise: str) -> int:
    inside = Inside(tmp, excise)
    result = {"error": "", "timings": inside.timings}
    try:
        inside.run()
    except BaseException:  # noqa: BLE001 (reported to the driver, which fails the test)
        result["error"] = traceback.format_exc()
    with open(os.path.join(tmp, "inside.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
    print(result["error"] or "ok", flush=True)
    return 1 if result["error"] else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        sys.exit(inside_main(sys.argv[2], sys.argv[3]))
    unittest.main(verbosity=2)
