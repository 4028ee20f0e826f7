"""[[command]]: the vendor's own uninstaller, run in its phase. Offline it runs chrooted
into the root in its own namespaces (the host is untouched); it cannot be undone unless
the playbook gives an undo command, and the plan and apply say so."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403

UNINSTALLER = """#!/bin/sh
# The vendor's uninstaller: removes its data, leaves a mark, removes itself.
rm -rf /opt/acme/data
echo "uninstalled $*" > /var/log/acme-uninstall.log
echo "escaped" > /tmp/HOST_MARKER_excise_command_test
rm -f "$0"
"""

PLAYBOOK = """schema = 1

[product]
id = "acme-cmd"
name = "Acme with an uninstaller"

[[command]]
id = "acme-uninstaller"
run = ["/opt/acme/bin/acme-setup", "--uninstall", "--silent"]
timeout = "30s"
{undo}
"""


class Command(unittest.TestCase):
    def setUp(self):
        require_excise()
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)
        self.root = make_root(os.path.join(self.tmp, "root"))
        self.root.put_file("/opt/acme/bin/acme-setup", UNINSTALLER, mode=0o755)
        self.root.put_file("/opt/acme/data/state", "x")
        self.root.put_file("/opt/acme/bin/reinstall", "#!/bin/sh\necho reinstalled > /var/log/acme-reinstall.log\n",
                           mode=0o755)
        self.marker = "/tmp/HOST_MARKER_excise_command_test"
        if os.path.exists(self.marker):
            os.unlink(self.marker)

    def playbook(self, undo=""):
        path = os.path.join(self.tmp, "acme-cmd.toml")
        with open(path, "w") as f:
            f.write(PLAYBOOK.format(undo=undo))
        os.chmod(path, 0o644)
        return path

    def excise(self, *args, expect=0):
        r = run_excise(*args)
        self.assertEqual(r.code, expect, str(r))
        return r

    def test_runs_confined_and_is_marked_irreversible(self):
        root, pb = self.root.path, self.playbook()
        plan = self.excise("plan", "--root", root, "--format", "json", pb, expect=2).json()
        [step] = plan["steps"]
        self.assertEqual((step["phase"], step["action"], step["target"], step["reversible"]),
                         ("before-packages", "command.run", "acme-uninstaller", False))
        self.assertIn("does not journal", step["irreversible_why"])
        r = self.excise("apply", "--yes", "--root", root, pb)
        self.assertIn("cannot be undone", r.stderr)
        self.assertEqual(self.root.read("/var/log/acme-uninstall.log"), b"uninstalled --uninstall --silent\n")
        self.assertFalse(self.root.exists("/opt/acme/data"))
        self.assertFalse(os.path.exists(self.marker), "the uninstaller wrote on the host")
        self.assertTrue(self.root.exists("/tmp/HOST_MARKER_excise_command_test"))
        # It removed itself: nothing left to do.
        self.excise("plan", "--root", root, pb, expect=0)
        r = self.excise("rollback", "--root", root, "--last", "--yes")
        self.assertIn("cannot be undone", r.stderr)

    def test_undo_command_runs_on_rollback(self):
        root = self.root.path
        pb = self.playbook('undo = ["/opt/acme/bin/reinstall"]')
        plan = self.excise("plan", "--root", root, "--format", "json", pb, expect=2).json()
        self.assertTrue(plan["steps"][0]["reversible"])
        self.excise("apply", "--yes", "--root", root, pb)
        self.excise("rollback", "--root", root, "--last", "--yes")
        self.assertEqual(self.root.read("/var/log/acme-reinstall.log"), b"reinstalled\n")

    def test_a_failing_program_fails_the_run(self):
        root, pb = self.root.path, self.playbook()
        self.root.put_file("/opt/acme/bin/acme-setup", "#!/bin/sh\necho broken >&2\nexit 3\n", mode=0o755)
        r = self.excise("apply", "--yes", "--root", root, pb, expect=1)
        self.assertIn("/opt/acme/bin/acme-setup --uninstall --silent: exited 3: broken", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
