"""SAFETY.md S10: hostile names. Newline, tab, a leading '-', invalid UTF-8, terminal
escapes (ESC, the 8-bit CSI U+009B, a right-to-left override), 255-byte components, a
path near PATH_MAX and one far beyond it, '*?[' as literal characters, '%' (JSON's
escape character). Apply and rollback keep the exact bytes (manifest, and a walk by
descriptors beyond PATH_MAX); the journal passes its own check; text output escapes
every such byte (one line per item, no raw control characters), JSON output decodes
back to the exact bytes; a glob with escaped metacharacters matches only the literal
name.
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "lib"))
from excise_e2e import compare, record  # noqa: E402
from excise_e2e.safety import SafetyTest, Sentinel, path_playbook  # noqa: E402

LONG_ASCII = b"L" * 255
LONG_UTF8 = "\u00e9".encode() * 127 + b"x"  # 255 bytes
NAMES = [b"line\nbreak", b"tab\there", b"-rf", b"--help", b"latin1-\xe9\xff", LONG_ASCII,
         LONG_UTF8, b"glob*?[x]", b"back\\slash", b" lead and trail ", b"%41%zz percent",
         b"\x1b[31mred", b"\xc2\x9b31mcsi", "\u202eevil.txt".encode(), b"del\x7f", b"\x01ctl",
         b"\xed\xa0\x80surrogate", b"\xc0\xafoverlong"]
# Bytes that must never reach a terminal raw: controls, C1 controls, bidi overrides.
RAW_FORBIDDEN = [b"\t", b"\x1b", b"\x7f", b"\x01", b"\xc2\x9b", "\u202e".encode(), b"\xff",
                 b"\xed\xa0\x80", b"\xc0\xaf"]
# Top-level targets (each its own step): the step line itself carries the name.
TOPS = [b"acme-\nnew line", b"acme-\xff", b"acme-\x1b[2J", b"acme-\xc2\x9b2J", b"acme-%2e%2e",
        "acme-\u202etxt.exe".encode()]
PATH_MAX = 4096


def decode_json_bytes(s: str) -> bytes:
    """excise's byte strings in JSON: valid UTF-8 as is, other bytes and '%' as %XX."""
    raw = s.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i:i + 1] == b"%":
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def build_beyond_path_max(top: bytes, levels: int) -> bytes:
    """top/<250 bytes>/<250 bytes>/... by descriptors; returns the in-tree relative path."""
    os.mkdir(top)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    rel = b""
    for i in range(levels):
        name = (b"%03d-" % i) + b"\xf0\x9f\x90\x8d" * 61 + b"z"  # 250 bytes, a snake each
        os.mkdir(name, 0o750, dir_fd=fd)
        child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
        rel += b"/" + name
    f = os.open(b"line\nleaf", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd)
    os.write(f, b"far below PATH_MAX\n")
    os.close(f)
    os.utime(b"line\nleaf", ns=(1, 1_600_000_000_000_000_001), dir_fd=fd)
    os.close(fd)
    return rel


def walk_by_fd(top: bytes) -> list[tuple[bytes, int, int, int, bytes]]:
    """(relative path, mode, uid, mtime_ns, content) of everything below top, by
    descriptors: paths here may be longer than PATH_MAX."""
    out = []
    stack = [(os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW), b"")]
    while stack:
        fd, rel = stack.pop()
        for name in sorted(map(os.fsencode, os.listdir(fd))):
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            content = b""
            if os.path.stat.S_ISREG(st.st_mode):
                f = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
                content = os.read(f, 1 << 20)
                os.close(f)
            out.append((rel + b"/" + name, st.st_mode, st.st_uid, st.st_mtime_ns, content))
            if os.path.stat.S_ISDIR(st.st_mode):
                stack.append((os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                                      dir_fd=fd), rel + b"/" + name))
        os.close(fd)
    return sorted(out)


class HostileNames(SafetyTest):
    def world(self):
        root = self.make_root()
        data = b"/opt/acme/data"
        for i, name in enumerate(NAMES):
            root.put_file(data + b"/" + name, b"hostile %d\n" % i, 0o640)
            root.put_dir(data + b"/dir-" + name[:200], 0o750)
            root.put_file(data + b"/dir-" + name[:200] + b"/-", b"inner\n", 0o600)
        # Near PATH_MAX on the host: the manifest (path strings) can still record it.
        near = b"/opt/acme/near"
        while len(root.host(near)) + 256 + 20 < PATH_MAX:
            near += b"/" + LONG_ASCII[:200]
        root.put_file(near + b"/" + LONG_UTF8[:200], b"near PATH_MAX\n")
        self.near = near
        beyond_rel = build_beyond_path_max(root.host(b"/opt/acme/beyond"), 20)
        self.assertGreater(len(root.host(b"/opt/acme/beyond") + beyond_rel), PATH_MAX)
        for top in TOPS:
            root.put_file(b"/srv/vendor/" + top, b"top\n")
        # Literal metacharacters: only the exact name may match the escaped glob.
        for name in (b"glob*?[x]", b"globA?[x]", b"glob*Q[x]", b"glob*?x", b"glob*?[x]y"):
            root.put_file(b"/srv/literal/" + name, b"literal\n")
        for p in root.host(b"/opt/acme"), root.host(b"/srv"):
            for d, dirs, files in os.walk(p):
                if b"beyond" in dirs:
                    dirs.remove(b"beyond")  # beyond PATH_MAX: its own times, set by fd
                for n in dirs + files:
                    os.utime(os.path.join(d, n), ns=(1, 1_650_000_000_123_456_789),
                             follow_symlinks=False)
        return root

    def test_exact_bytes_through_apply_and_rollback(self):
        root = self.world()
        sentinel = Sentinel.make(root.host("/etc/sentinel"))
        before = record(root.path, exclude=["opt/acme/beyond/**"], views=False)
        beyond = walk_by_fd(root.host(b"/opt/acme/beyond"))
        pb = self.playbook(path_playbook("acme", ["/opt/acme", "/srv/vendor/acme-*",
                                                  "/srv/literal/glob\\*\\?\\[x\\]"]))
        # JSON: every target decodes to its exact bytes.
        plan = self.excise("plan", "--root", root.path, "--format", "json", pb, expect=2).json()
        targets = sorted(decode_json_bytes(s["target"]) for s in plan["steps"])
        self.assertEqual(targets, sorted([b"/opt/acme", b"/srv/literal/glob*?[x]"] +
                                         [b"/srv/vendor/" + t for t in TOPS]))
        # Text: one line per step, every hostile byte escaped.
        text = self.excise("plan", "--root", root.path, pb, expect=2)
        self.assert_escaped(text.stdout_bytes + text.stderr_bytes)
        self.assertIn(b"path.quarantine /srv/vendor/acme-\\nnew line\n", text.stdout_bytes)
        self.assertIn(b"path.quarantine /srv/vendor/acme-\\xff\n", text.stdout_bytes)
        self.assertIn(b"path.quarantine /srv/vendor/acme-%2e%2e\n", text.stdout_bytes)
        r = self.excise("apply", "--yes", "--root", root.path, pb)
        self.assert_escaped(r.stdout_bytes + r.stderr_bytes)
        for top in TOPS:
            self.assertFalse(root.exists(b"/srv/vendor/" + top))
        self.assertEqual(sorted(os.listdir(root.host(b"/srv/literal"))),
                         sorted([b"globA?[x]", b"glob*Q[x]", b"glob*?x", b"glob*?[x]y"]))
        runs = self.excise("runs", "--root", root.path)
        self.assert_escaped(runs.stdout_bytes)
        r = self.excise("rollback", "--yes", "--last", "--root", root.path)
        self.assert_escaped(r.stdout_bytes + r.stderr_bytes)
        after = record(root.path, exclude=["opt/acme/beyond/**"], views=False)
        self.assertEqual([str(d) for d in compare(before, after, exclude=["var/lib/excise/**"],
                                                  views=False)], [])
        self.assertEqual(walk_by_fd(root.host(b"/opt/acme/beyond")), beyond)
        self.assert_safe(root, sentinel)

    def assert_escaped(self, output: bytes):
        for raw in RAW_FORBIDDEN:
            self.assertNotIn(raw, output, f"raw {raw!r} in the output:\n{output!r}")
        # A name with a newline never splits an item over two lines.
        for line in output.split(b"\n"):
            self.assertFalse(line.startswith(b"new line") or line.startswith(b"break"), line)


if __name__ == "__main__":
    unittest.main(verbosity=2)
