"""[[kernel_module]] on an offline root: module files of every kernel version go to
quarantine, the lines that load or configure the module go, `blacklist` lines and
modules with similar names stay, depmod rebuilds the index of each kernel version that
lost a file (run by the real depmod with the root's configuration, never the host's),
and rollback puts the module files and the index back byte for byte.

Unloading cannot be tested here: this kernel has no loadable module support (no
/proc/modules; delete_module gives ENOSYS). On an offline root the plan says it unloads
nothing; unit tests drive module.unload through a fake backend.

The module files are not real modules (building one needs kernel headers): depmod
indexes any file named *.ko, complaining about its symbols and still exiting 0, which is
all this test needs of it."""
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403

PLAYBOOK = """schema = 1

[product]
id = "acme-kmod"
name = "Acme FS filter"

[[kernel_module]]
names = ["acme_fsfilter"]
"""

T = 1_736_000_000_123_456_789
KVER = "6.1.0-test"
OLD = "5.10.0-old"
MISC = f"/lib/modules/{KVER}/kernel/drivers/misc"
MODULE = f"{MISC}/acme_fsfilter.ko"
OLD_MODULE = f"/lib/modules/{OLD}/extra/acme-fsfilter.ko.xz"
INDEX = ["modules.alias", "modules.alias.bin", "modules.builtin.alias.bin", "modules.builtin.bin",
         "modules.dep", "modules.dep.bin", "modules.devname", "modules.softdep", "modules.symbols",
         "modules.symbols.bin"]

ACME_CONF = ("# Acme FS filter\n"
             "options acme_fsfilter debug=1 mode=strict\n"
             "install acme-fsfilter /sbin/modprobe --ignore-install acme_fsfilter\n"
             "alias fs-acmefs acme_fsfilter\n"
             "blacklist acme_fsfilter\n")
OTHER_CONF = ("options acme-fsfilterx level=2\n"
              "options acme_fsfilter2 x=1\n"
              "alias acme_fsfilter other_module\n"
              "softdep other_module pre: acme_fsfilter\n")


def depmod(root, kver):
    subprocess.run(["depmod", "-b", root, "-C", os.path.join(root, "etc/depmod.d"), kver],
                   check=True, capture_output=True)


class KernelModule(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        require_excise()
        if shutil.which("depmod") is None:
            self.skipTest("depmod is not installed (Debian package kmod; scripts/setup.sh "
                          "installs it): the module index cannot be built or rebuilt")
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)
        self.playbook = os.path.join(self.tmp, "acme-kmod.toml")
        with open(self.playbook, "w") as f:
            f.write(PLAYBOOK)
        os.chmod(self.playbook, 0o644)

    def make_world(self, name="root"):
        r = make_root(os.path.join(self.tmp, name))
        r.put_file(MODULE, b"\x7fELF acme fs filter, not really a module")
        r.put_file(f"{MISC}/acme_fsfilter2.ko", b"\x7fELF a decoy")
        r.put_file(f"/lib/modules/{KVER}/updates/acme-fsfilterx.ko", b"\x7fELF a decoy")
        r.put_file(f"/lib/modules/{KVER}/modules.order",
                   "kernel/drivers/misc/acme_fsfilter.ko\nkernel/drivers/misc/acme_fsfilter2.ko\n")
        r.put_file(f"/lib/modules/{KVER}/modules.builtin", "kernel/fs/ext4/ext4.ko\n")
        r.put_file(OLD_MODULE, b"xz of the old build")
        r.put_file("/etc/depmod.d/search.conf", "search updates built-in\n")
        r.put_file("/etc/modprobe.d/acme.conf", ACME_CONF)
        r.put_file("/etc/modprobe.d/other.conf", OTHER_CONF)
        r.put_file("/etc/modules-load.d/acme.conf", "acme_fsfilter\n")
        r.put_file("/etc/modules", "# /etc/modules\nloop\nacme-fsfilter\nacme_fsfilter2\n")
        r.put_symlink("/etc/modules-load.d/modules.conf", "../modules")
        r.put_file("/usr/lib/modules-load.d/acme-vendor.conf", "# vendor\nacme_fsfilter\n")
        depmod(r.path, KVER)
        depmod(r.path, OLD)
        for dirpath, dirnames, filenames in os.walk(os.path.join(r.path, "lib/modules")):
            for n in dirnames + filenames:
                os.utime(os.path.join(dirpath, n), ns=(T, T), follow_symlinks=False)
        for p in ["/etc/modprobe.d/acme.conf", "/etc/modprobe.d/other.conf",
                  "/etc/modules-load.d/acme.conf", "/etc/modules", "/etc/modprobe.d",
                  "/etc/modules-load.d", "/usr/lib/modules-load.d", "/lib/modules"]:
            r.set_mtime(p, T)
        self.root = r
        return r

    def excise(self, *args, expect=0):
        r = run_excise(*args)
        self.assertEqual(r.code, expect, str(r))
        return r

    def test_round_trip(self):
        t0 = time.monotonic()
        r = self.make_world()
        root = r.path
        before = record(root)
        plan = self.excise("plan", "--root", root, "--format", "json", self.playbook, expect=2).json()
        self.assertEqual([(s["phase"], s["action"], s["target"]) for s in plan["steps"]], [
            ("cleanup", "line.remove", "/etc/modules"),
            ("cleanup", "line.remove", "/etc/modules-load.d/acme.conf"),
            ("cleanup", "line.remove", "/usr/lib/modules-load.d/acme-vendor.conf"),
            ("cleanup", "line.remove", "/etc/modprobe.d/acme.conf"),
            ("cleanup", "path.quarantine", MODULE),
            ("cleanup", "path.quarantine", OLD_MODULE),
            ("refresh", "module.depmod", "depmod"),
        ])
        self.assertTrue(all(s["reversible"] for s in plan["steps"]))
        depmod_step = plan["steps"][-1]
        self.assertEqual(depmod_step["params"]["kernels"], [OLD, KVER])
        notes = [n["text"] for n in plan["notes"]]
        self.assertIn("kernel modules are not unloaded on an offline root (no kernel runs it); "
                      "their files and configuration go in cleanup", notes)
        self.assertIn('/etc/modprobe.d/acme.conf:5: "blacklist acme_fsfilter" is kept: it keeps '
                      "the module from loading should it come back", notes)
        self.assertEqual(plan["blocked"], [])
        self.assertEqual(plan["conflicts"], [])

        # A dry run says what depmod would be given, and changes nothing.
        dry = self.excise("apply", "--dry-run", "--yes", "--root", root, self.playbook)
        self.assertIn(f"would run: depmod -b {root} -C {root}/etc/depmod.d -C {root}/run/depmod.d "
                      f"-C {root}/usr/local/lib/depmod.d -C {root}/lib/depmod.d {KVER}",
                      dry.stdout + dry.stderr)
        self.assertEqual([str(d) for d in compare(before, record(root))], [])

        self.excise("apply", "--yes", "--root", root, self.playbook)
        self.assertFalse(r.exists(MODULE))
        self.assertFalse(r.exists(OLD_MODULE))
        self.assertEqual(r.read("/etc/modprobe.d/acme.conf"),
                         b"# Acme FS filter\nblacklist acme_fsfilter\n")
        self.assertEqual(r.read("/etc/modprobe.d/other.conf"), OTHER_CONF.encode())
        self.assertEqual(r.read("/etc/modules"), b"# /etc/modules\nloop\nacme_fsfilter2\n")
        self.assertEqual(r.read("/etc/modules-load.d/acme.conf"), b"")
        self.assertEqual(r.read("/usr/lib/modules-load.d/acme-vendor.conf"), b"# vendor\n")
        dep = r.read(f"/lib/modules/{KVER}/modules.dep")
        self.assertNotIn(b"misc/acme_fsfilter.ko:", dep)
        self.assertIn(b"misc/acme_fsfilter2.ko:", dep)
        self.assertIn(b"updates/acme-fsfilterx.ko:", dep)
        self.assertNotIn(b"acme-fsfilter.ko.xz", r.read(f"/lib/modules/{OLD}/modules.dep"))
        # Everything else untouched: only the edited files, the removed modules, the index
        # files depmod rewrote, and the directories they are in.
        edited = {b"/etc/modules", b"/etc/modules-load.d/acme.conf", b"/etc/modprobe.d/acme.conf",
                  b"/usr/lib/modules-load.d/acme-vendor.conf", MODULE.encode(), OLD_MODULE.encode()}
        index = {f"/lib/modules/{k}/{n}".encode() for k in (KVER, OLD) for n in INDEX}
        parents = {os.path.dirname(p) for p in edited | index}
        after = record(root)
        unexpected = [str(d) for d in compare(before, after, exclude=ROLLBACK_RECORDS)
                      if d.path not in edited | index | parents | {b"/var/lib"}]
        self.assertEqual(unexpected, [])

        self.excise("plan", "--root", root, self.playbook, expect=0)
        self.excise("rollback", "--root", root, "--last", "--yes")
        self.assertEqual([str(d) for d in compare(before, record(root), exclude=ROLLBACK_RECORDS)],
                         [])
        print(f"\n  round trip: {time.monotonic() - t0:.2f} s", file=sys.stderr)

    def test_killed_around_depmod_then_rollback(self):
        """depmod is step 7 of 7: kill apply just before it acts (its pre-images kept) and
        just after (the index rewritten, "done" not journaled); rollback is exact."""
        for point in ("step.before-act:7=kill", "step.after-act:7=kill"):
            with self.subTest(point=point):
                r = self.make_world(point.split(":")[0])
                root = r.path
                before = record(root)
                res = run_excise("apply", "--yes", "--root", root, self.playbook,
                                 env={"EXCISE_FAIL_POINTS": point})
                self.assertNotEqual(res.code, 0, str(res))
                self.assertFalse(r.exists(MODULE))
                dep = r.read(f"/lib/modules/{KVER}/modules.dep")
                self.assertEqual(b"misc/acme_fsfilter.ko:" in dep, point.startswith("step.before"))
                self.excise("rollback", "--root", root, "--last", "--yes")
                self.assertEqual(
                    [str(d) for d in compare(before, record(root), exclude=ROLLBACK_RECORDS)], [])

    def test_absolute_lib_link_keeps_depmod_off_the_host(self):
        """An image whose /lib is an ABSOLUTE link to /usr/lib: inside the image it means
        ROOT/usr/lib, but depmod -b ROOT would follow ROOT/lib to the host's /usr/lib. The
        step refuses before running depmod, the host is untouched, rollback is exact."""
        r = make_root(os.path.join(self.tmp, "root"), merged_usr=True)
        os.unlink(r.host("/lib"))
        os.symlink("/usr/lib", r.host("/lib"))
        r.put_file(f"/usr/lib/modules/{KVER}/kernel/acme_fsfilter.ko", b"x")
        r.put_file(f"/usr/lib/modules/{KVER}/modules.dep", b"kernel/acme_fsfilter.ko:\n")
        root = r.path
        host_index = f"/usr/lib/modules/{KVER}"
        self.assertFalse(os.path.exists(host_index), "the host has this kernel version")
        before = record(root)
        plan = self.excise("plan", "--root", root, "--format", "json", self.playbook, expect=2).json()
        self.assertEqual([(s["action"], s["target"]) for s in plan["steps"]], [
            ("path.quarantine", f"/usr/lib/modules/{KVER}/kernel/acme_fsfilter.ko"),
            ("module.depmod", "depmod"),
        ])
        res = self.excise("apply", "--yes", "--root", root, self.playbook, expect=1)
        self.assertIn(f"depmod is not run: {root}/lib/modules/{KVER} does not lead to "
                      f"/lib/modules/{KVER} inside the root", res.stdout + res.stderr)
        self.assertFalse(os.path.exists(host_index))
        self.excise("rollback", "--root", root, "--last", "--yes")
        self.assertEqual([str(d) for d in compare(before, record(root), exclude=ROLLBACK_RECORDS)],
                         [])

    def test_package_ownership(self):
        """A module file a package owns: kept as a conflict when no playbook names the
        package, left to dpkg when one does (no path step; the purge removes it)."""
        r = self.make_world()
        debs = os.path.join(self.tmp, "debs")
        innocent = Deb("linux-extra-acme-compat", files={
            f"/lib/modules/{KVER}/extra/acme_fsfilter.ko.zst": b"compat build"})
        vendor = Deb("acme-fsfilter-dkms", files={
            f"/lib/modules/{KVER}/updates/dkms/acme-fsfilter.ko": b"vendor build"})
        r.install_debs([build_deb(innocent, debs), build_deb(vendor, debs)])
        playbook = os.path.join(self.tmp, "acme-kmod-pkg.toml")
        with open(playbook, "w") as f:
            f.write(PLAYBOOK + '\n[[package]]\nnames = ["acme-fsfilter-dkms"]\n')
        os.chmod(playbook, 0o644)
        plan = self.excise("plan", "--root", r.path, "--format", "json", playbook, expect=2).json()
        steps = [(s["action"], s["target"]) for s in plan["steps"]]
        self.assertIn(("package.purge", "acme-fsfilter-dkms"), steps)
        self.assertIn(("path.quarantine", MODULE), steps)
        self.assertEqual([t for a, t in steps if "/updates/dkms/" in t or "/extra/acme_" in t], [])
        self.assertEqual([(c["target"], c["reason"]) for c in plan["conflicts"]], [
            (f"/lib/modules/{KVER}/extra/acme_fsfilter.ko.zst",
             "module file of acme_fsfilter, owned by package linux-extra-acme-compat, which no "
             "playbook names: kept")])

    def test_merged_usr(self):
        """On a merged-/usr root /lib/modules is usr/lib/modules: each file is found once,
        by its real path, and depmod still runs through ROOT/lib/modules (a relative link)."""
        r = make_root(os.path.join(self.tmp, "root"), merged_usr=True)
        r.put_file(f"/usr/lib/modules/{KVER}/kernel/acme_fsfilter.ko", b"x")
        r.put_file(f"/usr/lib/modules/{KVER}/kernel/acme_fsfilter2.ko", b"y")
        depmod(r.path, KVER)
        root = r.path
        before = record(root)
        plan = self.excise("plan", "--root", root, "--format", "json", self.playbook, expect=2).json()
        self.assertEqual([(s["action"], s["target"]) for s in plan["steps"]], [
            ("path.quarantine", f"/usr/lib/modules/{KVER}/kernel/acme_fsfilter.ko"),
            ("module.depmod", "depmod"),
        ])
        self.excise("apply", "--yes", "--root", root, self.playbook)
        self.assertNotIn(b"acme_fsfilter.ko:", r.read(f"/usr/lib/modules/{KVER}/modules.dep"))
        self.assertIn(b"acme_fsfilter2.ko:", r.read(f"/usr/lib/modules/{KVER}/modules.dep"))
        self.excise("rollback", "--root", root, "--last", "--yes")
        self.assertEqual([str(d) for d in compare(before, record(root), exclude=ROLLBACK_RECORDS)],
                         [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
