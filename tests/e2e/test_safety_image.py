"""SAFETY.md S11 and S12: offline images (--root DIR).

S11: an image whose /etc is itself an absolute symlink (/etc -> /private/sys/etc), with
'..' links that climb past its top, absolute links into its /etc, etc/mtab ->
/proc/self/mounts, and a link to /proc/self/root with procfs really mounted in the
image (so it is a magic link). Every lookup stays inside the image: the image's
passwd, group and shadow are edited (and restored byte for byte), paths reached through
the links are the image's, the magic link is refused, the image's /etc/passwd and the
directory holding its /etc are protected where they really are; the host's /etc/passwd, shadow and group
are byte for byte the same (and excise runs with the host read-only, so a slip would
fail rather than write).
S12: purging a package whose maintainer scripts write to absolute paths, ignoring
DPKG_ROOT. scripts = "run": they run chrooted into the image (the image's path is
written, the host's is not); scripts = "skip": they do not run at all.
"""
import os
import secrets
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import Deb, File, build_deb, compare, record  # noqa: E402
from excise_e2e.safety import (HostFiles, SafetyTest, Sentinel, guarded_argv, mount,  # noqa: E402
                               private_mount_namespace, umount, write_playbook)

S11_PLAYBOOK = """\
schema = 1

[product]
id = "acme-image"
name = "Acme (image test)"
vendor = "Test"
platforms = ["linux"]

[[path]]
globs = [
  "/opt/acme/bin",
  "/opt/acme/cfg/acme.conf",
  "/opt/acme/up/acme-extra.conf",
  "/opt/acme/self/etc/*",
  "/opt/acme/cfg/passwd",
  "/private/sys",
]

[[user]]
names = ["acme"]

[[group]]
names = ["acme"]
"""


class Image(SafetyTest):
    @classmethod
    def setUpClass(cls):
        private_mount_namespace()

    def guard(self, argv):
        return guarded_argv(self.tmp, argv)

    def test_links_stay_inside_the_image(self):
        host = HostFiles()
        root = self.make_root("image", users=())
        root.add_system_user("acme", home="/nonexistent")
        root.add_user("alice")
        root.put_file("/etc/acme.conf", "image's acme.conf\n")
        root.put_file("/etc/acme-extra.conf", "image's extra conf\n")
        root.put_file("/opt/acme/bin/agent", "banned\n", 0o755)
        # The image's /etc lives elsewhere and is reached through an absolute link.
        os.makedirs(root.host("/private/sys"))
        os.rename(root.host("/etc"), root.host("/private/sys/etc"))
        os.symlink("/private/sys/etc", root.host("/etc"))
        os.symlink("/proc/self/mounts", root.host("/private/sys/etc/mtab"))
        os.symlink("/etc", root.host("/opt/acme/cfg"))
        os.symlink("../../../../../../../../../etc", root.host("/opt/acme/up"))
        os.symlink("/proc/self/root", root.host("/opt/acme/self"))
        os.makedirs(root.host("/proc"))
        mount("-t", "proc", "proc", root.host("/proc"))
        self.addCleanup(umount, root.host("/proc"))
        sentinels = [Sentinel.make(root.host("/srv/sentinel")), Sentinel(root.host("/usr"))]
        before = record(root.path, exclude=["proc/**"], views=False)
        pb = write_playbook(os.path.join(self.tmp, "playbooks"), "image.toml", S11_PLAYBOOK)

        plan = self.excise("plan", "--root", root.path, "--format", "json", pb, expect=2,
                           wrap=self.guard).json()
        steps = {(s["action"], s["target"]) for s in plan["steps"]}
        self.assertEqual(steps, {("path.quarantine", "/opt/acme/bin"),
                                 ("path.quarantine", "/opt/acme/cfg/acme.conf"),
                                 ("path.quarantine", "/opt/acme/up/acme-extra.conf"),
                                 ("account.remove-user", "acme"),
                                 ("account.remove-group", "acme")})
        blocked = {b["target"]: b["reason"] for b in plan["blocked"]}
        self.assertIn("/opt/acme/self", blocked)
        self.assertIn("procfs", blocked["/opt/acme/self"])
        # The image's own /etc/passwd and the directory holding its /etc, found where they
        # really are (the protected list names /etc/passwd, not /private/sys/etc/passwd).
        self.assertEqual(blocked["/opt/acme/cfg/passwd"],
                         "resolves to /private/sys/etc/passwd, the root's /etc/passwd (a protected "
                         "path): never removed")
        self.assertEqual(blocked["/private/sys"],
                         "resolves to /private/sys, a directory holding the root's /etc (a "
                         "protected path): never removed")

        r = self.excise("apply", "--yes", "--root", root.path, pb, expect=1, wrap=self.guard)
        self.assertNotIn("Read-only file system", r.stdout + r.stderr)
        image_passwd = root.read("/private/sys/etc/passwd")
        self.assertNotIn(b"acme:", image_passwd)
        self.assertIn(b"alice:", image_passwd)
        self.assertNotIn(b"acme:", root.read("/private/sys/etc/group"))
        self.assertFalse(root.exists("/private/sys/etc/acme.conf"))
        self.assertFalse(root.exists("/private/sys/etc/acme-extra.conf"))
        self.assertTrue(os.path.islink(root.host("/etc")))  # the link itself was never replaced
        self.assert_safe(root, *sentinels, host=host)

        self.excise("rollback", "--yes", "--last", "--root", root.path, wrap=self.guard)
        after = record(root.path, exclude=["proc/**"], views=False)
        self.assertEqual([str(d) for d in compare(before, after, exclude=["var/lib/excise/**"],
                                                  views=False)], [])
        self.assert_safe(root, *sentinels, host=host)


class MaintainerScripts(SafetyTest):
    """S12: scripts that ignore DPKG_ROOT and write to absolute paths."""

    def package_world(self, scripts):
        token = secrets.token_hex(6)
        marker = f"/var/tmp/excise-s12-{token}"
        self.assertFalse(os.path.lexists(marker))
        root = self.make_root(f"image-{scripts}", users=())
        script = (f'echo "$0 $1 ran here" >> {marker}\n'
                  f'mkdir -p /opt/shared-{token} && echo touched > /opt/shared-{token}/x\n')
        deb = Deb("acme-scripted", "1.0", description="scripts that ignore DPKG_ROOT",
                  files={"/opt/acme-scripted/bin/agent": File("#!/bin/sh\necho agent\n", 0o755)},
                  scripts={"prerm": script, "postrm": script})
        root.install_debs([build_deb(deb, os.path.join(self.tmp, f"debs-{scripts}"))])
        pb = write_playbook(os.path.join(self.tmp, f"playbooks-{scripts}"), "scripted.toml",
                            f'schema = 1\n\n[product]\nid = "acme-scripted"\nname = "Scripted"\n'
                            f'vendor = "Test"\nplatforms = ["linux"]\n\n[[package]]\n'
                            f'names = ["acme-scripted"]\nmanager = "dpkg"\n'
                            f'scripts = "{scripts}"\n')
        self.addCleanup(lambda: os.path.lexists(marker) and os.unlink(marker))
        return root, pb, marker, f"/opt/shared-{token}"

    def test_scripts_run_chrooted_into_the_image(self):
        host = HostFiles()
        root, pb, marker, shared = self.package_world("run")
        sentinel = Sentinel.make(root.host("/srv/sentinel"))
        r = self.excise("apply", "--yes", "--root", root.path, pb,
                        wrap=lambda a: guarded_argv(self.tmp, a))
        self.assertNotIn("Read-only file system", r.stdout + r.stderr)
        self.assertFalse(os.path.lexists(marker), "a maintainer script wrote on the host")
        self.assertFalse(os.path.lexists(shared), "a maintainer script wrote on the host")
        ran = root.read(marker).decode()
        self.assertIn("prerm remove ran here", ran)
        self.assertIn("postrm purge ran here", ran)
        self.assertTrue(root.exists(shared + "/x"))
        self.assertFalse(root.exists("/opt/acme-scripted/bin/agent"))
        self.assert_safe(root, sentinel, host=host)
        self.excise("rollback", "--yes", "--last", "--root", root.path,
                    wrap=lambda a: guarded_argv(self.tmp, a))
        self.assertTrue(root.exists("/opt/acme-scripted/bin/agent"))
        self.assertFalse(os.path.lexists(marker))
        self.assert_safe(root, sentinel, host=host)

    def test_scripts_skipped_do_not_run(self):
        host = HostFiles()
        root, pb, marker, shared = self.package_world("skip")
        sentinel = Sentinel.make(root.host("/srv/sentinel"))
        before = record(root.path, views=False)
        self.excise("apply", "--yes", "--root", root.path, pb,
                    wrap=lambda a: guarded_argv(self.tmp, a))
        self.assertFalse(os.path.lexists(marker))
        self.assertFalse(root.exists(marker), "a skipped script ran")
        self.assertFalse(root.exists(shared), "a skipped script ran")
        self.assertFalse(root.exists("/opt/acme-scripted/bin/agent"))
        self.assert_safe(root, sentinel, host=host)
        self.excise("rollback", "--yes", "--last", "--root", root.path,
                    wrap=lambda a: guarded_argv(self.tmp, a))
        after = record(root.path, views=False)
        self.assertEqual([str(d) for d in compare(before, after, exclude=[
            "var/lib/excise/**", "var/log/dpkg.log"])], [])
        self.assert_safe(root, sentinel, host=host)


if __name__ == "__main__":
    unittest.main(verbosity=2)
