"""The shipped catalogue (playbooks/): it validates cleanly, follows the catalogue's
conventions, and really removes the products it names.

For kesl, linuxqq and wechat, a generated root gets the product installed by the real
dpkg from a .deb built at test time with the product's real package name and real file
paths (products.md), the leftovers the sources describe, and a decoy: a neighbouring
product (another Kaspersky or Tencent one, itself banned but not asked for) plus files of
the site that a careless glob would catch. Then `excise plan --root R <product-id>` must
name the product's targets and nothing of the decoys, `apply --yes` must remove exactly
those (checked against a full manifest of the root), and a second plan must find nothing.
Processes are looked for on live systems only, so on those roots every [[process]] table
of the product must leave its note ("not looked for on an offline root").

The [[process]] tables meet real processes in LiveProcesses: in a private mount namespace
of this test, tmpfs mounts over /opt and /var/opt (the host's own stay untouched and
unseen) get a unique copy of excise_test_proc at each product's real executable path,
plus decoys, and `excise plan --root /` with the whole catalogue must give each process
to its own product and none to the decoys; KESL's is then really terminated by applying
a saved plan checked beforehand to touch nothing but the tmpfs and that process.
"""
import json
import os
import re
import shutil
import stat
import sys
import tomllib
import unittest
from dataclasses import dataclass, field

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import *  # noqa: E402,F401,F403
from excise_e2e import sandbox, views  # noqa: E402
from excise_e2e.procs import (ProcWorld, alive, copy_file, helper_binary,  # noqa: E402
                              steps_by_pid, unique_copy)

REPO = os.environ.get("EXCISE_SOURCE_DIR") or \
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CATALOGUE = os.path.join(REPO, "playbooks")
CATALOGUE_ARG = "--catalogue=" + CATALOGUE

# The kinds this build can detect; a playbook with any other kind cannot be planned.
BUILT_KINDS = {"service", "package", "path", "user", "group", "process", "line", "cron",
               "command", "kernel_module", "certificate"}
KNOWN_KINDS = BUILT_KINDS
OFFLINE_PROCESS_NOTE = "processes are not looked for on an offline root: nothing of it runs here"
# Directories of the system's own programs: an exe glob there would take the system's
# tools (python3, sh...) for the product's.
SYSTEM_PROGRAM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr/bin",
                       "/usr/sbin", "/usr/lib", "/usr/lib32", "/usr/lib64", "/usr/libexec",
                       "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib", "/usr/games")


def catalogue_files() -> list[str]:
    return sorted(n for n in os.listdir(CATALOGUE) if n.endswith(".toml"))


def load_playbook(name: str) -> dict:
    with open(os.path.join(CATALOGUE, name), "rb") as f:
        return tomllib.load(f)


def literal_prefix(glob: str) -> str:
    """The components of a path glob before its first wildcard, as a path."""
    out = []
    for part in glob.strip("/").split("/"):
        if part == "**" or re.search(r"[*?\[]", part):
            break
        out.append(part)
    return "/" + "/".join(out)


def under(path: str, top: str) -> bool:
    return path == top or path.startswith(top.rstrip("/") + "/")


@dataclass
class World:
    """A root with one product installed and its decoys, and what apply must do to it."""
    root: Root
    product: str
    packages: list[str]            # the product's packages, purge order (dependents first)
    units: list[str]               # the product's units, enabled before apply
    groups: list[str]
    steps: dict[str, set[str]]     # action -> targets the plan must hold (at least)
    gone: list[str]                # must not exist after apply (with all beneath)
    decoy_packages: list[str]      # must stay installed ("ii")
    decoy_units: list[str]         # must stay enabled
    survive: list[str]             # must exist, unchanged, after apply
    decoy_words: list[str] = field(default_factory=list)  # no plan entry may name these


class ShippedCatalogue(unittest.TestCase):
    maxDiff = None
    def setUp(self):
        require_excise()
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)

    def excise(self, *args, expect=0):
        r = run_excise(*args)
        self.assertEqual(r.code, expect, str(r))
        return r

    # -- the catalogue as files ---------------------------------------------------------
    def test_validate_is_clean(self):
        r = self.excise("validate", CATALOGUE_ARG)
        self.assertEqual(r.stderr, "", "validate printed diagnostics")
        self.assertEqual(r.stdout.strip(), f"ok: {len(catalogue_files())} playbook(s) valid")
        doc = self.excise("validate", CATALOGUE_ARG, "--format", "json").json()
        self.assertTrue(doc["ok"])
        self.assertEqual(doc["errors"], [])
        self.assertEqual(sorted(os.path.basename(p["path"]) for p in doc["playbooks"]),
                         catalogue_files())
        if not os.path.exists("/etc/excise/playbooks.d"):
            # The catalogue the binary finds by itself (the source tree's, when built here).
            r = self.excise("validate")
            self.assertEqual(r.stderr, "", "validate printed diagnostics")

    def test_files_follow_the_conventions(self):
        ids = set()
        for name in catalogue_files():
            path = os.path.join(CATALOGUE, name)
            with self.subTest(playbook=name):
                self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o644)
                with open(path, "rb") as f:
                    doc = tomllib.load(f)
                self.assertEqual(doc["schema"], 1)
                product = doc["product"]
                self.assertEqual(name, product["id"] + ".toml", "file name is <product id>.toml")
                self.assertNotIn(product["id"], ids)
                ids.add(product["id"])
                self.assertTrue(product.get("banned_by"), "every product names its legal basis")
                self.assertTrue(product.get("references"), "every product names its sources")
                for ref in product["references"]:
                    self.assertRegex(ref, r"^https?://", "references are URLs")
                kinds = {k for k in doc if k not in ("schema", "product")}
                self.assertLessEqual(kinds, KNOWN_KINDS)
                self.assertLessEqual(kinds, BUILT_KINDS,
                                     "kinds this build cannot detect go in TODO comments")
        self.assertEqual(stat.S_IMODE(os.stat(CATALOGUE).st_mode) & 0o022, 0)

    def test_process_tables_name_the_products_own_binaries(self):
        """Every exe glob lies inside a directory the same playbook removes as the
        product's own (a literal [[path]] glob), never among the system's programs."""
        for name in catalogue_files():
            doc = load_playbook(name)
            own = [g for t in doc.get("path", []) for g in t["globs"]
                   if literal_prefix(g) == g and not g.startswith("~")]
            for table in doc.get("process", []):
                self.assertTrue(table.get("id"), f"{name}: a [[process]] without id")
                for glob in table["exe"]:
                    with self.subTest(playbook=name, exe=glob):
                        prefix = literal_prefix(glob)
                        self.assertFalse(any(under(prefix, d) for d in SYSTEM_PROGRAM_DIRS),
                                         "an exe glob among the system's programs")
                        self.assertTrue(any(under(prefix, d) for d in own),
                                        f"not inside a directory the playbook removes: {own}")
                        # A product's tree, at least two levels down (/opt/QQ...).
                        self.assertGreaterEqual(prefix.count("/"), 2)

    def test_command_tables_follow_the_rules(self):
        """Vendor commands only, run from the product's own files, guarded by if_exists,
        with a timeout, and marked as irreversible unless they have an undo."""
        for name in catalogue_files():
            doc = load_playbook(name)
            with open(os.path.join(CATALOGUE, name), encoding="utf-8") as f:
                text = f.read()
            own = [g for t in doc.get("path", []) for g in t["globs"]
                   if literal_prefix(g) == g and not g.startswith("~")]
            for table in doc.get("command", []):
                with self.subTest(playbook=name, command=table.get("id")):
                    self.assertIn("if_exists", table)
                    self.assertIn("timeout", table)
                    self.assertTrue(any(under(table["run"][0], d) for d in own),
                                    "the program is not one of the product's files")
                    if not table.get("undo"):
                        # The comment block right above the table says so.
                        at = text.index(f'id = "{table["id"]}"')
                        header = text.rindex("[[command]]", 0, at)
                        comment = text[text.rindex("\n\n", 0, header):header]
                        self.assertIn("cannot be undone", comment)

    def test_list_names_every_product(self):
        out = self.excise("list", CATALOGUE_ARG).stdout
        for name in catalogue_files():
            self.assertIn(name[:-len(".toml")], out)

    def test_plan_on_an_empty_root_finds_nothing(self):
        root = make_root(os.path.join(self.tmp, "root"))
        before = record(root.path)
        r = self.excise("plan", "--root", root.path, CATALOGUE_ARG, expect=0)
        self.assertNotIn("package.purge", r.stdout)
        plan = self.excise("plan", "--root", root.path, CATALOGUE_ARG,
                           "--format", "json", expect=0).json()
        self.assertEqual((plan["steps"], plan["conflicts"], plan["blocked"]), ([], [], []))
        self.assertEqual([str(d) for d in compare(before, record(root.path))], [],
                         "plan changed the root")

    # -- products installed for real ----------------------------------------------------
    def test_kesl(self):
        self.check_removal(self.kesl_world())

    def test_linuxqq(self):
        self.check_removal(self.linuxqq_world())

    def test_wechat(self):
        self.check_removal(self.wechat_world())

    def check_removal(self, w: World):
        root = w.root.path
        for unit in w.units + w.decoy_units:
            self.assertEqual(w.root.is_enabled(unit), "enabled", unit)
        before = record(root)

        plan = self.excise("plan", "--root", root, CATALOGUE_ARG, "--format", "json",
                           w.product, expect=2).json()
        steps: dict[str, list[str]] = {}
        for s in plan["steps"]:
            steps.setdefault(s["action"], []).append(s["target"])
            self.assertEqual(s["product"], w.product, s)
        for action, targets in w.steps.items():
            self.assertLessEqual(targets, set(steps.get(action, [])),
                                 f"{action} steps: {steps.get(action)}")
        self.assertEqual(steps.get("package.purge", []), w.packages, "dependents first")
        self.assertEqual(plan["blocked"], [])
        # An offline root: no process is looked for, and each [[process]] table says so.
        process_tables = {t["id"] for t in load_playbook(w.product + ".toml").get("process", [])}
        self.assertTrue(process_tables, f"{w.product} has no [[process]] table")
        self.assertEqual({n["artifact"] for n in plan["notes"]
                          if n["text"] == OFFLINE_PROCESS_NOTE and n["product"] == w.product},
                         process_tables)
        self.assertNotIn("process.terminate", steps)
        mentioned = [s["target"] for s in plan["steps"]] + \
            [c["target"] for c in plan["conflicts"]] + [b["target"] for b in plan["blocked"]]
        for word in w.decoy_words:
            self.assertEqual([t for t in mentioned if word in t], [], f"plan names a decoy ({word})")
        text = self.excise("plan", "--root", root, CATALOGUE_ARG, w.product,
                           expect=2).stdout
        for package in w.packages:
            self.assertIn(package, text)

        # "--catalogue DIR PRODUCT" once read PRODUCT as a second catalogue directory and
        # applied the whole catalogue; the manifest check below catches that.
        self.excise("apply", "--yes", "--root", root, "--catalogue", CATALOGUE, w.product)
        after = record(root)
        self.assertEqual([str(d) for d in self.unexpected_changes(w, before, after)], [])
        for p in w.gone:
            self.assertFalse(w.root.exists(p), f"still present: {p}")
        for p in w.survive:
            self.assertTrue(w.root.exists(p), f"decoy removed: {p}")
        installed = dpkg_packages(root)
        for p in w.packages:
            self.assertNotIn(p, installed)
        for p in w.decoy_packages:
            self.assertEqual(installed.get(p, ("", ""))[1], "ii", f"decoy package {p}")
        for unit in w.units:
            self.assertIn(w.root.is_enabled(unit), ("not-found", "disabled"), unit)
        for unit in w.decoy_units:
            self.assertEqual(w.root.is_enabled(unit), "enabled", f"decoy unit {unit}")
        groups = views.accounts(root)["groups"]
        for g in w.groups:
            self.assertNotIn(g, groups)

        self.excise("plan", "--root", root, CATALOGUE_ARG, w.product, expect=0)

    def unexpected_changes(self, w: World, before, after):
        """Every difference but the removal of w.gone (and the mtime of their parent
        directories), the run's own records, and the product's packages, units and
        groups in the views."""
        gone = Matcher([p + "/**" for p in w.gone])  # "X/**" is X and all beneath
        parents = {os.fsencode(os.path.dirname(p)) for p in w.gone} | set(RUN_RECORD_PARENTS)
        mine = ({f"package {p}:" for p in w.packages} | {f"unit {u}:" for u in w.units}
                | {f"{kind} {g}:" for g in w.groups for kind in ("group", "gshadow entry")})
        out = []
        # nlink is not compared: a scripted purge keeps pre-images of the trees its scripts
        # could touch as hard links in the run's records (excluded above), and the shared
        # trees in prune_empty (/opt/kaspersky...) hold the neighbour's files. Hard-link
        # groups among the root's own files are still compared.
        for d in compare(before, after, exclude=RUN_RECORDS, ignore=["nlink"]):
            if d.kind == "view" and any(d.text.startswith(m) for m in mine):
                continue
            if d.kind == "missing" and gone.match_or_under(d.path):
                continue
            if d.kind == "changed" and d.field == "mtime" and d.path in parents:
                continue
            out.append(d)
        return out

    # -- the worlds ---------------------------------------------------------------------
    def install(self, root: Root, *debs: Deb, expect_paths=()):
        paths = [build_deb(d, os.path.join(self.tmp, "debs")) for d in debs]
        root.install_debs(paths, expect_paths=expect_paths)

    def klnagent64_deb(self) -> Deb:
        """The neighbouring Kaspersky product: the Network Agent, files from products.md §2."""
        return Deb(
            "klnagent64", "15.1.0.20748",
            description="Kaspersky Security Center Network Agent (excise test fixture)",
            files={"/opt/kaspersky/klnagent64/sbin/klnagent": File("#!/bin/sh\n", 0o755),
                   "/opt/kaspersky/klnagent64/bin/klnagchk": File("#!/bin/sh\n", 0o755),
                   "/opt/kaspersky/klnagent64/lib/bin/setup/postinstall.pl": "# setup\n"},
            units={"klnagent64.service": unit_text("Kaspersky Network Agent",
                                                   "/opt/kaspersky/klnagent64/sbin/klnagent")})

    def kesl_world(self) -> World:
        root = make_root(os.path.join(self.tmp, "root"))
        kesl = Deb(
            "kesl", "12.2.0.2412",
            description="Kaspersky Endpoint Security for Linux (excise test fixture)",
            files={"/opt/kaspersky/kesl/bin/kesl-control": File("#!/bin/sh\n", 0o755),
                   "/opt/kaspersky/kesl/bin/kesl-setup.pl": File("# setup\n", 0o755),
                   "/opt/kaspersky/kesl/libexec/kesl": File(b"\x7fELF kesl\n", 0o755),
                   "/opt/kaspersky/kesl/doc/license.en": "EULA\n"},
            # What the vendor's setup leaves outside the package: the CLI link on PATH
            # [H1] and the preset configuration [K6].
            scripts={"postinst": 'if [ "$1" = configure ]; then\n'
                                 '  ln -sf /opt/kaspersky/kesl/bin/kesl-control /usr/bin/kesl-control\n'
                                 '  mkdir -p /var/opt/kaspersky/kesl/common\n'
                                 '  echo "UseFanotify=yes" > /var/opt/kaspersky/kesl/common/kesl.ini\n'
                                 'fi\n'})
        gui = Deb("kesl-gui", "12.2.0.2412", depends=["kesl (= 12.2.0.2412)"],
                  description="KESL graphical interface (excise test fixture)",
                  # The GUI's own file names are in no source: this one stands for them.
                  files={"/opt/kaspersky/kesl/shared/kesl-gui": File("#!/bin/sh\n", 0o755)})
        self.install(root, self.klnagent64_deb(), kesl, gui,
                     expect_paths=["/usr/bin/kesl-control",
                                   "/var/opt/kaspersky/kesl/common/kesl.ini"])
        root.enable_units("klnagent64.service")
        # The launcher copies its unit into /etc/systemd/system on every start [H8].
        root.put_file("/etc/systemd/system/kesl.service",
                      "[Unit]\nDescription=Kaspersky Endpoint Security for Linux\n\n"
                      "[Service]\nType=forking\nPIDFile=/var/run/wdserver.pid\n"
                      "ExecStart=/var/opt/kaspersky/kesl/install-current/etc/init.d/kesl start\n"
                      "ExecStop=/var/opt/kaspersky/kesl/install-current/etc/init.d/kesl stop\n"
                      "KillMode=control-group\nSendSIGKILL=yes\nTimeoutSec=600\n\n"
                      "[Install]\nWantedBy=multi-user.target\n")
        root.enable_units("kesl.service")
        # Data and logs the daemon writes [H1][H9][H12], an install log [H1].
        root.put_file("/var/opt/kaspersky/kesl/private/storage/events.db", b"SQLite format 3\0")
        root.put_dir("/var/opt/kaspersky/kesl/common/objects-backup")
        root.put_file("/var/log/kaspersky/kesl/kesl_launcher.log", "started\n")
        root.put_dir("/var/log/kaspersky/kesl-user", 0o777)
        root.put_file("/tmp/kesl_12.2_install.log", "ok\n")
        # Role groups [K9]; alice administers KESL.
        for g in ("kesladmin", "kesluser", "keslaudit", "nokesl"):
            root.add_group(g)
        root.add_user("alice", groups=["kesladmin"])
        # The Network Agent's own leftovers, beside KESL's in the shared trees.
        for p in ("/var/opt/kaspersky/klnagent/1103/state.dat",
                  "/etc/opt/kaspersky/klnagent/klnagent.conf",
                  "/var/log/kaspersky/klnagent64/klnagent.log",
                  "/tmp/klnagent_install.log"):
            root.put_file(p, "agent\n")
        return World(
            root=root, product="kesl",
            packages=["kesl-gui", "kesl"], units=["kesl.service"],
            groups=["kesladmin", "kesluser", "keslaudit", "nokesl"],
            steps={"service.disable": {"kesl.service"},
                   "path.quarantine": {"/etc/systemd/system/kesl.service",
                                       "/opt/kaspersky/kesl", "/var/opt/kaspersky/kesl",
                                       "/var/log/kaspersky/kesl",
                                       "/var/log/kaspersky/kesl-user",
                                       "/usr/bin/kesl-control", "/tmp/kesl_12.2_install.log"},
                   "account.remove-group": {"kesladmin", "kesluser", "keslaudit", "nokesl"}},
            gone=["/opt/kaspersky/kesl", "/var/opt/kaspersky/kesl", "/var/log/kaspersky/kesl",
                  "/var/log/kaspersky/kesl-user", "/usr/bin/kesl-control",
                  "/tmp/kesl_12.2_install.log", "/etc/systemd/system/kesl.service",
                  "/etc/systemd/system/multi-user.target.wants/kesl.service"],
            decoy_packages=["klnagent64"], decoy_units=["klnagent64.service"],
            survive=["/opt/kaspersky/klnagent64/sbin/klnagent",
                     "/var/opt/kaspersky/klnagent/1103/state.dat",
                     "/etc/opt/kaspersky/klnagent/klnagent.conf",
                     "/var/log/kaspersky/klnagent64/klnagent.log",
                     "/tmp/klnagent_install.log", "/home/alice"],
            decoy_words=["klnagent"])

    def linuxqq_deb(self) -> Deb:
        return Deb(
            "linuxqq", "3.2.12-28060", architecture="all",
            description="Tencent QQ (excise test fixture)",
            files={"/opt/QQ/qq": File(b"\x7fELF qq\n", 0o755),
                   "/opt/QQ/libffmpeg.so": b"\x7fELF ffmpeg\n",
                   "/opt/QQ/LICENSE.electron.txt": "MIT\n",
                   "/usr/share/applications/qq.desktop":
                       "[Desktop Entry]\nName=QQ\nExec=/opt/QQ/qq %U\nType=Application\n",
                   "/usr/share/icons/hicolor/512x512/apps/qq.png": b"\x89PNG qq"},
            # The `qq` command on PATH [H30][H29], made by the package's script here.
            scripts={"postinst": 'if [ "$1" = configure ]; then\n'
                                 '  ln -sf /opt/QQ/qq /usr/bin/qq\nfi\n'})

    def wechat_deb(self) -> Deb:
        return Deb(
            "wechat", "4.0.1.11", architecture="all",
            description="WeChat (excise test fixture)",
            files={"/opt/wechat/wechat": File(b"\x7fELF wechat\n", 0o755)},
            symlinks={"/usr/bin/wechat": "/opt/wechat/wechat"})

    def site_deb(self) -> Deb:
        """An innocent package sharing the desktop directories with the products."""
        return Deb(
            "site-desktop", "1.0", description="Site launchers (excise decoy)",
            files={"/usr/share/applications/site-tool.desktop":
                       "[Desktop Entry]\nName=Site tool\nExec=/bin/true\nType=Application\n",
                   "/usr/share/icons/hicolor/512x512/apps/site-tool.png": b"\x89PNG site"})

    def tencent_world(self, product: str) -> World:
        """Both Tencent clients installed; `product` is the one asked for, the other is
        the neighbouring decoy."""
        root = make_root(os.path.join(self.tmp, "root"))
        self.install(root, self.site_deb(), self.linuxqq_deb(), self.wechat_deb(),
                     expect_paths=["/usr/bin/qq"])
        root.add_user("alice")
        root.add_user("bob")
        # Per-user data: QQ's ~/.config/QQ [H29], WeChat's ~/xwechat_files [H35].
        root.put_file("/home/alice/.config/QQ/nt_qq/global/nt_data/msg.db", b"SQLite")
        root.put_file("/home/alice/xwechat_files/wxid_alice/db_storage/message/message_0.db",
                      b"SQLCipher")
        root.put_file("/home/bob/xwechat_files/wxid_bob/db_storage/contact/contact.db",
                      b"SQLCipher")
        # The users' own files and another application's, which no glob may catch.
        root.put_file("/home/alice/Documents/QQ-export.txt", "mine\n")
        root.put_file("/home/alice/Documents/wechat-export.txt", "mine\n")
        root.put_file("/home/alice/.config/other-app/settings.json", "{}\n")
        root.put_file("/opt/wechat-notes/readme.txt", "site notes\n")
        survive = ["/usr/share/applications/site-tool.desktop",
                   "/usr/share/icons/hicolor/512x512/apps/site-tool.png",
                   "/home/alice/Documents/QQ-export.txt",
                   "/home/alice/Documents/wechat-export.txt",
                   "/home/alice/.config/other-app/settings.json",
                   "/opt/wechat-notes/readme.txt"]
        qq = ["/opt/QQ", "/usr/bin/qq", "/usr/share/applications/qq.desktop",
              "/usr/share/icons/hicolor/512x512/apps/qq.png", "/home/alice/.config/QQ"]
        wechat = ["/opt/wechat", "/usr/bin/wechat", "/home/alice/xwechat_files",
                  "/home/bob/xwechat_files"]
        if product == "linuxqq":
            return World(
                root=root, product="linuxqq", packages=["linuxqq"], units=[], groups=[],
                steps={"path.quarantine": {"/opt/QQ", "/usr/bin/qq", "/home/alice/.config/QQ"}},
                gone=qq, decoy_packages=["wechat", "site-desktop"], decoy_units=[],
                survive=survive + wechat, decoy_words=["wechat", "site-tool", "Documents"])
        return World(
            root=root, product="wechat", packages=["wechat"], units=[], groups=[],
            steps={"path.quarantine": {"/opt/wechat", "/home/alice/xwechat_files",
                                       "/home/bob/xwechat_files"}},
            gone=wechat, decoy_packages=["linuxqq", "site-desktop"], decoy_units=[],
            survive=survive + qq, decoy_words=["QQ", "qq", "site-tool", "wechat-notes"])

    def linuxqq_world(self) -> World:
        return self.tencent_world("linuxqq")

    def wechat_world(self) -> World:
        return self.tencent_world("wechat")


# Each product's daemon or client at a real executable path of its own (products.md), one
# per product. KESL's is started through /opt/kaspersky/kesl, on 12.x a link into
# /var/opt/kaspersky/kesl/install_<version> [G1]: the kernel names it by its real path.
LIVE_PRODUCTS = {
    "kesl": "/var/opt/kaspersky/kesl/install_12.2.0.2412/opt/kaspersky/kesl/libexec/kesl",
    "klnagent": "/opt/kaspersky/klnagent64/sbin/klnagent",
    "ksc-linux": "/opt/kaspersky/ksc64/sbin/kliam",
    "kav4fs": "/opt/kaspersky/kav4fs/bin/kav4fs-control",
    "kwts": "/opt/kaspersky/kwts/bin/kwts-control",
    "kics-linux": "/opt/kaspersky/kics/libexec/kics",
    "kess": "/opt/kaspersky/kess/libexec/kess",
    "linuxqq": "/opt/QQ/qq",
    "wechat": "/opt/wechat/wechat",
    "feishu": "/opt/bytedance/feishu/feishu",
    "lark": "/opt/bytedance/lark/lark",
}
KESL_LINK = ("/opt/kaspersky/kesl",
             "/var/opt/kaspersky/kesl/install_12.2.0.2412/opt/kaspersky/kesl")
# Programs no product may take: another Kaspersky product no playbook names (KUMA [H1]),
# a program called qq outside QQ's tree (a name alone is never identity), a generic
# helper in Feishu's tree that Feishu did not start (the clients name their own
# executables only), and an unrelated Electron application whose binary is byte for byte
# QQ's (QQ's `names`).
LIVE_DECOYS = ["/opt/kaspersky/kuma/kuma", "/opt/QQ-tools/qq",
               "/opt/bytedance/feishu/chrome_crashpad_handler"]
ELECTRON_TWIN = "/opt/other-electron/electron-app"
LIVE_MOUNTS = ["/opt", "/var/opt"]


class LiveProcesses(unittest.TestCase):
    """The [[process]] tables against real processes on this machine's live root, with
    the product trees on tmpfs mounts that only this test's mount namespace sees."""
    maxDiff = None

    def setUp(self):
        require_excise()
        if os.geteuid() != 0:
            self.skipTest("needs root (mount namespaces, tmpfs)")
        if not os.access(helper_binary(), os.X_OK):
            self.skipTest(f"{helper_binary()} is not built")
        for tool in ("mount", "umount"):
            if shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin") is None:
                self.skipTest(f"{tool} is not installed")
        for program in (excise_bin(), helper_binary(), sys.executable):
            if any(under(os.path.realpath(program), m) for m in LIVE_MOUNTS):
                self.skipTest(f"{program} is under {LIVE_MOUNTS}, which this test hides")
        self.tmp = make_temp_dir()
        self.addCleanup(remove_temp_dir, self.tmp)
        try:
            # This test process only: the mounts below never reach the host, and vanish
            # with the process at the latest.
            sandbox.enter_private_mount_namespace()
        except OSError as e:
            self.skipTest(str(e))
        for m in LIVE_MOUNTS:
            if not os.path.isdir(m):
                self.skipTest(f"{m} is not a directory on this machine")
            run_tool(["mount", "-t", "tmpfs", "-o", "mode=0755", "excise-catalogue-test", m])
            self.addCleanup(sandbox.umount, m, lazy=True)
            self.assertEqual(sandbox.mount_type(m), "tmpfs")
        # Registered last, so it runs first: no process is left running from the tmpfs.
        self.w = ProcWorld(self.tmp)
        self.addCleanup(self.w.close)

    def start(self, path: str, via: str | None = None):
        return self.w.start([via or path, "sleep"], helper=True)

    def test_each_product_s_processes_and_no_one_else_s(self):
        for path in list(LIVE_PRODUCTS.values()) + LIVE_DECOYS:
            unique_copy(helper_binary(), path)
        os.symlink(KESL_LINK[1], KESL_LINK[0])
        copy_file(LIVE_PRODUCTS["linuxqq"], ELECTRON_TWIN)
        procs = {product: self.start(path) for product, path in LIVE_PRODUCTS.items()
                 if product != "kesl"}
        procs["kesl"] = self.start(LIVE_PRODUCTS["kesl"],
                                   via=KESL_LINK[0] + "/libexec/kesl")
        decoys = [self.start(path) for path in LIVE_DECOYS]
        twin = self.start(ELECTRON_TWIN)

        r = run_excise("plan", "--root", "/", CATALOGUE_ARG, "--format", "json")
        self.assertEqual(r.code, 2, r)
        plan = r.json()
        self.assertTrue(plan["live"])
        steps = steps_by_pid(plan)
        self.assertEqual({product: steps.get(p.pid, {}).get("product")
                          for product, p in procs.items()},
                         {product: product for product in procs})
        for p in decoys + [twin]:
            self.assertIsNone(steps.get(p.pid), "a decoy was taken")
        self.assertEqual(steps[procs["kesl"].pid]["reason"],
                         f"runs {LIVE_PRODUCTS['kesl']}, which matches exe glob "
                         "/var/opt/kaspersky/kesl/**")
        self.assertEqual(steps[procs["linuxqq"].pid]["reason"],
                         "runs /opt/QQ/qq, which matches exe glob /opt/QQ/qq")
        twin_notes = [n["text"] for n in plan["notes"] if f"pid {twin.pid} " in n["text"]]
        self.assertEqual(len(twin_notes), 1, plan["notes"])
        self.assertIn(f"a byte-for-byte copy of {LIVE_PRODUCTS['linuxqq']}, but its name "
                      "(electron-app", twin_notes[0])
        self.assertTrue(twin_notes[0].endswith("is not one of 'names': kept"), twin_notes[0])

        # KESL alone, for real, through a saved plan that touches nothing but its
        # process and the tmpfs (apply refuses it if anything changed meanwhile).
        saved = os.path.join(self.tmp, "kesl-plan.json")
        r = run_excise("plan", "--root", "/", CATALOGUE_ARG, "--format", "json", "-o", saved,
                       "kesl")
        self.assertEqual(r.code, 2, r)
        with open(saved, encoding="utf-8") as f:
            plan = json.load(f)
        others = [s for s in plan["steps"] if s["action"].startswith("process.")
                  and s["params"].get("pid") != procs["kesl"].pid]
        if others:
            self.skipTest(f"another KESL-like process runs on this machine (another run of "
                          f"this test?), not applying: {[s['target'] for s in others]}")
        self.assertEqual([s["target"] for s in plan["steps"]
                          if not s["action"].startswith("process.")
                          and not any(under(s["target"], m) for m in LIVE_MOUNTS)], [],
                         "the plan reaches beyond the tmpfs")
        self.assertEqual([s["action"] for s in plan["steps"] if s["phase"] == "quiesce"],
                         ["process.terminate"])
        r = run_excise("apply", "--root", "/", "--state-dir", self.w.state, "--yes",
                       "--format", "json", saved)
        self.assertEqual(r.code, 0, r)
        self.assertEqual(procs["kesl"].popen.wait(5), -15)
        for product, p in procs.items():
            if product != "kesl":
                self.assertTrue(alive(p), product)
        for p in decoys + [twin]:
            self.assertTrue(alive(p), p)
        self.assertFalse(os.path.lexists(KESL_LINK[0]))
        self.assertFalse(os.path.lexists("/var/opt/kaspersky/kesl"))
        for path in [p for k, p in LIVE_PRODUCTS.items() if k != "kesl"] + LIVE_DECOYS:
            self.assertTrue(os.path.exists(path), path)
        r = run_excise("plan", "--root", "/", CATALOGUE_ARG, "kesl")
        self.assertEqual(r.code, 0, r)


if __name__ == "__main__":
    unittest.main(verbosity=2)
