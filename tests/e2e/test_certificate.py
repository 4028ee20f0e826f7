"""[[certificate]] on Debian's ca-certificates layout: a fake "Acme Root CA" installed the
Debian way (a file in /usr/local/share/ca-certificates, packaged ones switched on in
/etc/ca-certificates.conf, a PEM dropped into /etc/ssl/certs, the real
update-ca-certificates run inside the root for the bundle and the hash links) next to
decoys ("Acme Roots Unrelated CA", a real Mozilla root). Apply takes the Acme CAs out of
the anchors, the conf, the bundle and the hash links and leaves the decoys; a second
plan finds nothing; rollback gives the root back byte for byte. Both rebuilds of an
offline root: the root's own tool chrooted (hooks run inside the root), and excise's
native bundle rewrite for a root that cannot run it."""
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403

PLAYBOOK = """schema = 1

[product]
id = "acme-ca"
name = "Acme TLS inspection"

[[certificate]]
subject = "{subject}"
"""

# A real root of Mozilla's store, as the host's ca-certificates ships it.
MOZILLA = "mozilla/ISRG_Root_X1.crt"
TOOL = "/usr/sbin/update-ca-certificates"
# Applets update-ca-certificates uses beyond make_root's.
MORE_TOOLS = ("find", "readlink", "basename", "mktemp", "wc", "run-parts", "sort")
# A hook, like ca-certificates-java's: it rewrites a file below /etc/ssl/certs in place
# with the list of added and removed links it reads.
HOOK = "#!/bin/sh\ncat > /etc/ssl/certs/java/hook.log\n"
T = 1_736_000_000_123_456_789


def make_cert(path, subject):
    """A self-signed CA certificate (PEM) made by the openssl binary."""
    run_tool(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
              "-nodes", "-keyout", "/dev/null", "-subj", subject, "-days", "3650", "-out", path])


def openssl_subject(pem: bytes) -> str:
    """The subject as `openssl x509 -nameopt RFC2253,-esc_msb` prints it: excise's form."""
    out = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253,-esc_msb"],
                         input=pem, capture_output=True, check=True).stdout.decode()
    return out.strip().removeprefix("subject=")


def subject_hash(pem: bytes) -> str:
    return subprocess.run(["openssl", "x509", "-noout", "-subject_hash"], input=pem,
                          capture_output=True, check=True).stdout.decode().strip()


def bundle_subjects(data: bytes) -> list:
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", data, re.S)
    return [openssl_subject(b) for b in blocks]


class TrustStore(unittest.TestCase):
    def setUp(self):
        require_excise()
        if not os.path.exists(TOOL) or not shutil.which("openssl"):
            self.skipTest("needs ca-certificates and openssl on this machine (scripts/setup.sh)")
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)
        self.root = self.make_trust_root()
        self.playbook = self.write_playbook("Acme Root CA*")

    # -- the world -------------------------------------------------------------------------
    def make_trust_root(self) -> Root:
        root = make_root(os.path.join(self.tmp, "root"))
        for tool in MORE_TOOLS:
            os.symlink("busybox", root.host(f"/usr/bin/{tool}"))
        # openssl with its libraries, at the host's paths; /dev/null; the real tool.
        libs = re.findall(r"(/\S+)", subprocess.run(["ldd", "/usr/bin/openssl"], capture_output=True,
                                                    text=True, check=True).stdout)
        for path in ["/usr/bin/openssl"] + libs:
            os.makedirs(os.path.dirname(root.host(path)), exist_ok=True)
            shutil.copy2(os.path.realpath(path), root.host(path))
        root.put_dir("/dev")
        os.mknod(root.host("/dev/null"), 0o666 | 0o020000, os.makedev(1, 3))
        shutil.copy2(TOOL, root.host(TOOL))
        root.put_file("/etc/ca-certificates/update.d/java-like", HOOK, mode=0o755)
        root.put_dir("/etc/ssl/certs/java")

        local = root.host("/usr/local/share/ca-certificates")
        packaged = root.host("/usr/share/ca-certificates")
        for d in (local + b"/acme", packaged + b"/acme", packaged + b"/mozilla"):
            os.makedirs(d)
        # The product's CAs: one added by its installer, two packaged (one switched off),
        # one PEM dropped straight into /etc/ssl/certs.
        make_cert(local + b"/acme/acme-root.crt", "/C=US/O=Acme Ltd/CN=Acme Root CA")
        make_cert(packaged + b"/acme/Acme_Root_CA_G2.crt", "/C=US/O=Acme Ltd/CN=Acme Root CA G2")
        make_cert(packaged + b"/acme/Acme_Root_CA_Old.crt", "/C=US/O=Acme Ltd/CN=Acme Root CA Old")
        make_cert(root.host("/etc/ssl/certs/acme-direct.pem"),
                  "/C=US/O=Acme Ltd/CN=Acme Root CA Direct")
        # Decoys: a name that shares the prefix but not the glob, and a real root.
        make_cert(local + b"/acme-roots-unrelated.crt", "/C=US/O=Acme Ltd/CN=Acme Roots Unrelated CA")
        shutil.copy2(f"/usr/share/ca-certificates/{MOZILLA}", packaged + b"/" + MOZILLA.encode())
        root.put_file("/etc/ca-certificates.conf",
                      "# the packaged certificates to trust\n"
                      f"{MOZILLA}\nacme/Acme_Root_CA_G2.crt\n!acme/Acme_Root_CA_Old.crt\n")
        # The Debian way: the root's own tool, run inside it.
        run_tool(["chroot", root.path, TOOL, "--fresh"])
        # Another name of the bundle, as some software expects (it holds the Acme CAs too,
        # and is neither removed nor blocked).
        root.put_symlink("/etc/ssl/certs/ca-bundle.crt", "ca-certificates.crt")
        for p in ("/etc/ssl/certs", "/etc/ssl/certs/ca-certificates.crt", "/etc/ca-certificates.conf",
                  "/usr/local/share/ca-certificates", "/tmp"):
            root.set_mtime(p, T)
        return root

    def write_playbook(self, subject: str) -> str:
        path = os.path.join(self.tmp, "acme-ca.toml")
        with open(path, "w") as f:
            f.write(PLAYBOOK.format(subject=subject))
        os.chmod(path, 0o644)
        return path

    def excise(self, *args, expect=0):
        r = run_excise(*args)
        self.assertEqual(r.code, expect, str(r))
        return r

    def pem(self, path) -> bytes:
        return self.root.read(path)

    def acme_files(self):
        return ["/usr/local/share/ca-certificates/acme/acme-root.crt",
                "/usr/share/ca-certificates/acme/Acme_Root_CA_G2.crt",
                "/usr/share/ca-certificates/acme/Acme_Root_CA_Old.crt",
                "/etc/ssl/certs/acme-direct.pem"]

    def expected_steps(self):
        hashes = [subject_hash(self.pem(p)) + ".0" for p in
                  ("/usr/local/share/ca-certificates/acme/acme-root.crt",
                   "/usr/share/ca-certificates/acme/Acme_Root_CA_G2.crt",
                   "/etc/ssl/certs/acme-direct.pem")]
        quarantined = self.acme_files() + ["/etc/ssl/certs/acme-root.pem",
                                           "/etc/ssl/certs/Acme_Root_CA_G2.pem"]
        quarantined += [f"/etc/ssl/certs/{h}" for h in hashes]
        return sorted([("cleanup", "path.quarantine", p) for p in quarantined]
                      + [("cleanup", "line.remove", "/etc/ca-certificates.conf"),
                         ("refresh", "certificate.rebuild", "/etc/ssl/certs")])

    def links_into(self, targets):
        """Names in /etc/ssl/certs that lead (through links) to one of `targets`."""
        certs = self.root.host("/etc/ssl/certs")
        real_targets = {os.path.realpath(self.root.host(t)) for t in targets}
        out = []
        for name in os.listdir(certs):
            p = os.path.join(certs, name)
            if not os.path.islink(p):
                continue
            # Follow inside the root: absolute targets are root paths.
            seen = 0
            while os.path.islink(p) and seen < 10:
                t = os.readlink(p)
                p = self.root.host(t) if t.startswith(b"/") else os.path.join(os.path.dirname(p), t)
                seen += 1
            if os.path.realpath(p) in real_targets:
                out.append(name.decode())
        return sorted(out)

    # -- checks ----------------------------------------------------------------------------
    def check_round_trip(self, method):
        root = self.root.path
        before = record(root)
        plan = self.excise("plan", "--root", root, "--format", "json", self.playbook, expect=2).json()
        steps = sorted((s["phase"], s["action"], s["target"]) for s in plan["steps"])
        self.assertEqual(steps, self.expected_steps())
        self.assertEqual(plan["steps"][-1]["action"], "certificate.rebuild")
        rebuild = plan["steps"][-1]
        self.assertEqual(rebuild["params"]["method"], method)
        self.assertTrue(all(s["reversible"] for s in plan["steps"]))
        # The subjects are in the documented form: what openssl prints with RFC2253,-esc_msb.
        self.assertEqual(sorted(c["subject"] for c in rebuild["params"]["remove"]),
                         sorted(openssl_subject(self.pem(p)) for p in self.acme_files()))
        self.assertEqual(plan["conflicts"], [])
        self.assertEqual(plan["blocked"], [])

        self.excise("apply", "--yes", "--root", root, self.playbook)
        for p in self.acme_files() + ["/etc/ssl/certs/acme-root.pem",
                                      "/etc/ssl/certs/Acme_Root_CA_G2.pem"]:
            self.assertFalse(self.root.exists(p), p)
        conf = self.root.read("/etc/ca-certificates.conf").decode()
        self.assertEqual(conf, "# the packaged certificates to trust\n"
                               f"{MOZILLA}\n!acme/Acme_Root_CA_Old.crt\n")
        subjects = bundle_subjects(self.root.read("/etc/ssl/certs/ca-certificates.crt"))
        self.assertFalse([s for s in subjects if "CN=Acme Root CA" in s], subjects)
        self.assertIn("CN=Acme Roots Unrelated CA,O=Acme Ltd,C=US", subjects)
        self.assertIn("CN=ISRG Root X1,O=Internet Security Research Group,C=US", subjects)
        # No name in /etc/ssl/certs leads to an Acme CA (it is in quarantine now); the
        # decoys keep their links and hash links.
        decoys = ["/usr/local/share/ca-certificates/acme-roots-unrelated.crt",
                  f"/usr/share/ca-certificates/{MOZILLA}"]
        self.assertEqual(len(self.links_into(decoys)), 4, self.links_into(decoys))
        for name in os.listdir(self.root.host("/etc/ssl/certs")):
            p = os.path.join(self.root.host("/etc/ssl/certs"), name)
            if os.path.islink(p) or name == b"ca-certificates.crt" or os.path.isdir(p):
                continue
            self.assertNotIn(b"Acme Root CA", subprocess.run(
                ["openssl", "x509", "-noout", "-subject", "-in", p], capture_output=True).stdout)

        self.excise("plan", "--root", root, self.playbook, expect=0)
        self.excise("rollback", "--root", root, "--last", "--yes")
        self.assertEqual([str(d) for d in compare(before, record(root), exclude=ROLLBACK_RECORDS)], [])

    def test_chrooted_rebuild_round_trip(self):
        self.check_round_trip("chroot")
        # The hook ran inside the root (never on the host) and was put back by rollback.
        self.assertFalse(os.path.exists("/etc/ssl/certs/java/hook.log"))

    def test_hooks_run_inside_the_root(self):
        self.excise("apply", "--yes", "--root", self.root.path, self.playbook)
        log = self.root.read("/etc/ssl/certs/java/hook.log").decode()
        self.assertIn("+/etc/ssl/certs/acme-roots-unrelated.pem", log)
        self.assertNotIn("acme-root.pem", log)

    def test_native_rebuild_round_trip(self):
        # A root that cannot run its tool: the bundle is rewritten by excise.
        os.unlink(self.root.host("/dev/null"))
        plan = self.excise("plan", "--root", self.root.path, "--format", "json", self.playbook,
                           expect=2).json()
        self.assertIn("no /dev/null device", plan["steps"][-1]["reason"])
        self.assertTrue(any("do not run with a native rebuild" in n["text"] for n in plan["notes"]))
        bundle_before = self.root.read("/etc/ssl/certs/ca-certificates.crt")
        self.check_round_trip("native")
        self.assertEqual(self.root.read("/etc/ssl/certs/ca-certificates.crt"), bundle_before)

    def test_native_rebuild_removes_exactly_the_blocks(self):
        shutil.rmtree(self.root.host("/usr/local/share/ca-certificates/acme"))
        os.unlink(self.root.host(TOOL))
        bundle = self.root.read("/etc/ssl/certs/ca-certificates.crt")
        self.excise("apply", "--yes", "--root", self.root.path, self.playbook)
        after = self.root.read("/etc/ssl/certs/ca-certificates.crt")
        blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", bundle, re.S)
        kept = [b for b in blocks if "CN=Acme Root CA" not in openssl_subject(b)]
        # acme-root, whose anchor was gone already (a bundle not rebuilt since), and G2; the
        # PEM dropped into /etc/ssl/certs was never in the bundle.
        self.assertEqual(len(blocks) - len(kept), 2)
        expected = bundle  # every byte but the removed blocks stays, blank lines too
        for b in blocks:
            if b not in kept:
                expected = expected.replace(b, b"", 1)
        self.assertEqual(after, expected)

    def test_killed_around_the_rebuild(self):
        # Killed before the tool ran, and after it ran but before its step was journaled
        # done (undo then has no record of what the tool left): rollback gives the root
        # back exactly, a second rollback does nothing; or apply again finishes the job.
        root = self.root.path
        saved = os.path.join(self.tmp, "saved")
        shutil.copytree(root, saved, symlinks=True)
        n = len(self.excise("plan", "--root", root, "--format", "json", self.playbook,
                            expect=2).json()["steps"])
        for point in ("step.before-act", "step.after-act"):
            for then in ("rollback", "apply"):
                with self.subTest(point=point, then=then):
                    shutil.rmtree(root)
                    shutil.copytree(saved, root, symlinks=True)
                    before = record(root)
                    r = run_excise("apply", "--yes", "--root", root, self.playbook,
                                   env={"EXCISE_FAIL_POINTS": f"{point}:{n}=kill"})
                    self.assertEqual(r.code, -9, str(r))
                    if then == "apply":
                        self.excise("apply", "--yes", "--root", root, self.playbook)
                        self.excise("plan", "--root", root, self.playbook, expect=0)
                        self.assertNotIn(b"Acme Root CA,", b"".join(
                            s.encode() for s in bundle_subjects(
                                self.root.read("/etc/ssl/certs/ca-certificates.crt"))))
                    runs = self.excise("runs", "--root", root, "--format", "json").json()["runs"]
                    for run_id in reversed([x["run"] for x in runs]):
                        self.excise("rollback", "--root", root, run_id, "--yes")
                    self.assertEqual([str(d) for d in compare(before, record(root),
                                                              exclude=ROLLBACK_RECORDS)], [])
                    again = self.excise("rollback", "--root", root, "--last", "--yes",
                                        "--format", "json").json()
                    self.assertFalse(again["changed"])

    def test_cn_or_whole_subject_line(self):
        # The whole line: the same certificates as the CN glob, the decoy still apart.
        pb = self.write_playbook("CN=Acme Root CA*,O=Acme Ltd,C=US")
        plan = self.excise("plan", "--root", self.root.path, "--format", "json", pb, expect=2).json()
        self.assertEqual(sorted((s["phase"], s["action"], s["target"]) for s in plan["steps"]),
                         self.expected_steps())
        # Lower case matches nothing: no step, exit 0.
        self.excise("plan", "--root", self.root.path, self.write_playbook("acme root ca*"), expect=0)

    def test_packaged_by_another_package_is_a_conflict(self):
        # A matching CA that a package no playbook names ships: kept whole, and said.
        deb = build_deb(Deb("vendor-cas", "1.0", files={
            "/usr/share/ca-certificates/vendor/Acme_Root_CA_Partner.crt":
                self.make_pem("/O=Partner/CN=Acme Root CA Partner")}), os.path.join(self.tmp, "debs"))
        self.root.install_debs([deb])
        with open(self.root.host("/etc/ca-certificates.conf"), "a") as f:
            f.write("vendor/Acme_Root_CA_Partner.crt\n")
        run_tool(["chroot", self.root.path, TOOL, "--fresh"])
        plan = self.excise("plan", "--root", self.root.path, "--format", "json", self.playbook,
                           expect=2).json()
        [conflict] = plan["conflicts"]
        self.assertEqual(conflict["target"], "/usr/share/ca-certificates/vendor/Acme_Root_CA_Partner.crt")
        self.assertIn("vendor-cas", conflict["reason"])
        self.assertFalse([s for s in plan["steps"] if "Partner" in s["target"]])
        self.excise("apply", "--yes", "--root", self.root.path, self.playbook)
        self.assertIn(b"vendor/Acme_Root_CA_Partner.crt", self.root.read("/etc/ca-certificates.conf"))
        subjects = bundle_subjects(self.root.read("/etc/ssl/certs/ca-certificates.crt"))
        self.assertIn("CN=Acme Root CA Partner,O=Partner", subjects)
        self.assertTrue(self.root.exists("/etc/ssl/certs/Acme_Root_CA_Partner.pem"))
        # Conflicts alone are a clean plan.
        self.excise("plan", "--root", self.root.path, self.playbook, expect=0)

    def test_one_rebuild_for_every_certificate_table(self):
        path = os.path.join(self.tmp, "two.toml")
        with open(path, "w") as f:
            f.write(PLAYBOOK.format(subject="Acme Root CA").replace('"acme-ca"', '"acme-ca-2"') +
                    '\n[[certificate]]\nsubject = "CN=Acme Root CA G2,*"\n')
        os.chmod(path, 0o644)
        plan = self.excise("plan", "--root", self.root.path, "--format", "json", path, self.playbook,
                           expect=2).json()
        [rebuild] = [s for s in plan["steps"] if s["action"] == "certificate.rebuild"]
        self.assertEqual(len(rebuild["params"]["remove"]), 4)
        self.assertEqual(plan["steps"][-1], rebuild)

    def test_a_file_with_other_certificates_too_is_blocked(self):
        # Removing it would distrust the decoy along with the product's CA.
        both = self.make_pem("/O=Acme Ltd/CN=Acme Root CA Chain") + self.make_pem("/O=X/CN=Innocent CA")
        self.root.put_file("/usr/local/share/ca-certificates/chain.crt", both)
        plan = self.excise("plan", "--root", self.root.path, "--format", "json", self.playbook,
                           expect=2).json()
        [blocked] = plan["blocked"]
        self.assertEqual(blocked["target"], "/usr/local/share/ca-certificates/chain.crt")
        self.assertIn("holds 2 certificates and only 1 match", blocked["reason"])
        self.assertFalse([s for s in plan["steps"] if "chain" in s["target"]])

    def test_nss_databases_are_noted(self):
        self.root.put_dir("/etc/pki/nssdb")
        self.root.put_dir("/root/.pki/nssdb", mode=0o700)
        two = os.path.join(self.tmp, "two.toml")
        with open(two, "w") as f:
            f.write(PLAYBOOK.format(subject="X").replace('"acme-ca"', '"other"'))
        os.chmod(two, 0o644)
        plan = self.excise("plan", "--root", self.root.path, "--format", "json", self.playbook,
                           two, expect=2).json()
        notes = [n["text"] for n in plan["notes"] if "not inspected" in n["text"]]
        self.assertEqual(notes, [  # once each, whatever the number of [[certificate]]
            "NSS database /etc/pki/nssdb exists: not inspected (certificates there are not looked for)",
            "NSS database /root/.pki/nssdb exists: not inspected (certificates there are not looked for)"])

    def make_pem(self, subject) -> bytes:
        path = os.path.join(self.tmp, "made.pem")
        make_cert(path, subject)
        with open(path, "rb") as f:
            return f.read()


if __name__ == "__main__":
    unittest.main(verbosity=2)
