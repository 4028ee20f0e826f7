"""A manifest of everything in a root, and readable differences between two of them.

    before = record(root.path)                       # walk, hash, xattrs, views
    ...                                              # apply, then rollback
    after = record(root.path)
    assert_same(before, after, exclude=["var/lib/excise/**", "var/log/dpkg.log"])

The walk never follows symlinks and never crosses a mount point (a mount point is
recorded, flagged, and not entered). Paths are bytes, absolute inside the root
(b"/etc/passwd"), sorted by their bytes. Per entry: type, mode (with set-id and sticky
bits), uid, gid, mtime_ns, size and sha256 of regular files, symlink target, rdev of
devices, every xattr (ACLs show up as system.posix_acl_*), nlink of non-directories and
the hard-link group: the paths sharing its inode (groups are compared, never inode
numbers). Directory sizes are not recorded (ext4 never shrinks a directory), nor
atime/ctime (not restorable).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import stat
from dataclasses import dataclass

from . import views as views_mod
from ._util import show, unescape_mountinfo
from .acl import decode_acl
from .globs import Matcher

FIELDS = ("type", "mode", "uid", "gid", "mtime", "size", "content", "target", "rdev",
          "nlink", "links", "mountpoint")


@dataclass(frozen=True)
class Entry:
    path: bytes
    type: str                 # file dir symlink fifo socket chr blk
    mode: int                 # permission bits incl. set-id and sticky
    uid: int
    gid: int
    mtime: int                # ns
    size: int | None = None   # regular files
    content: str | None = None  # sha256 hex, regular files
    target: bytes | None = None  # symlinks
    rdev: int | None = None   # chr/blk
    nlink: int | None = None  # non-directories
    links: tuple[bytes, ...] | None = None  # hard-link group (all paths), when > 1 here
    mountpoint: bool = False
    xattrs: tuple[tuple[str, bytes], ...] = ()

    def line(self) -> str:
        """One line per entry, for dumps and debugging."""
        parts = [show(self.path), self.type, f"{self.mode:04o}", f"{self.uid}:{self.gid}",
                 format_time(self.mtime)]
        if self.type == "file":
            parts += [str(self.size), self.content[:16]]
        if self.target is not None:
            parts.append("-> " + show(self.target))
        if self.rdev is not None:
            parts.append(_fmt_rdev(self.rdev))
        if self.links:
            parts.append("links=" + ",".join(show(p) for p in self.links))
        if self.mountpoint:
            parts.append("MOUNTPOINT")
        for name, value in self.xattrs:
            parts.append(f"{name}={_fmt_xattr(name, value)}")
        return " ".join(parts)


@dataclass
class Manifest:
    root: str
    entries: dict[bytes, Entry]
    exclude: tuple[str, ...] = ()
    views: dict | None = None
    only: tuple[bytes, ...] | None = None  # the subtrees recorded, when not the whole root

    def __contains__(self, path) -> bool:
        return _key(path) in self.entries

    def __getitem__(self, path) -> Entry:
        return self.entries[_key(path)]

    def __iter__(self):
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def paths(self) -> list[bytes]:
        return list(self.entries)

    def dump(self, path: str) -> None:
        """Writes one line per entry (and the views) to a text file."""
        with open(path, "w", encoding="utf-8") as f:
            for e in self.entries.values():
                f.write(e.line() + "\n")
            for view, items in (self.views or {}).items():
                for k, v in sorted(items.items()):
                    f.write(f"[{view}] {k}: {v}\n")


@dataclass(frozen=True)
class Difference:
    """One difference. str() is the readable form, e.g.
    "changed mtime: /etc/acme (2025-01-02T00:00:00.000000000Z → ...)"."""
    kind: str                 # missing | extra | changed | view
    path: bytes | None
    field: str | None = None  # for changed: a name of FIELDS, or "xattr NAME"
    old: object = None
    new: object = None
    text: str = dataclasses.field(default="", compare=False)

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__


# -- recording ---------------------------------------------------------------------------

def _key(path) -> bytes:
    p = os.fsencode(path)
    return p if p.startswith(b"/") else b"/" + p


def _mountpoints(root: bytes) -> set[bytes]:
    """Mount points strictly under root (from /proc/self/mountinfo), as root-relative paths."""
    out = set()
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            point = unescape_mountinfo(line.split(b" ")[4])
            if point.startswith(root + b"/"):
                out.add(point[len(root):])
    return out


def _type(mode: int) -> str:
    for test, name in ((stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"), (stat.S_ISLNK, "symlink"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "chr"),
                       (stat.S_ISBLK, "blk")):
        if test(mode):
            return name
    return "unknown"


def _xattrs(host: bytes) -> tuple[tuple[str, bytes], ...]:
    try:
        names = os.listxattr(host, follow_symlinks=False)
    except OSError:
        return ()
    out = []
    for name in sorted(names):
        try:
            out.append((name, os.getxattr(host, name, follow_symlinks=False)))
        except OSError:
            continue
    return tuple(out)


def _sha256(host: bytes) -> str:
    h = hashlib.sha256()
    fd = os.open(host, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            h.update(chunk)
    finally:
        os.close(fd)
    return h.hexdigest()


def record(root, exclude=(), *, views: bool = True, only=None) -> Manifest:
    """Walks `root` and returns its Manifest. `exclude`: globs (see globs.py); an
    excluded directory is not entered. views=True also snapshots packages, units and
    accounts (views.snapshot) for readable failures. `only`: record just these subtrees
    (paths inside the root; those absent are skipped) and their ancestors as single
    entries (so a change of their mtime shows), for roots too big to walk whole, such as
    a live system's "/". Compare only manifests recorded with the same `only`."""
    root_b = os.path.realpath(os.fsencode(root)).rstrip(b"/") or b"/"
    skip = Matcher(exclude)
    mounts = _mountpoints(root_b)
    root_dev = os.lstat(root_b).st_dev
    raw: list[tuple[bytes, os.stat_result, bytes]] = []
    lone: set[bytes] = set()   # ancestors of `only` subtrees: recorded, not entered
    if only is None:
        stack = [b"/"]
    else:
        starts = sorted({_key(p).rstrip(b"/") or b"/" for p in only})
        # A subtree inside another is walked with it (recorded twice, it would count
        # its own hard links twice).
        starts = [p for p in starts
                  if not any(q != p and (q == b"/" or p.startswith(q + b"/")) for q in starts)]
        for start in starts:
            parent = os.path.dirname(start)
            while parent != b"/":
                lone.add(parent)
                parent = os.path.dirname(parent)
            lone.add(b"/")
        lone -= set(starts)
        stack = [p for p in starts if os.path.lexists(root_b + p)] + sorted(lone)
    while stack:
        rel = stack.pop()
        host = root_b + rel if rel != b"/" else root_b
        st = os.lstat(host)
        raw.append((rel, st, host))
        if rel in lone:
            continue
        if stat.S_ISDIR(st.st_mode) and (rel == b"/" or (rel not in mounts and st.st_dev == root_dev)):
            for name in os.listdir(host):
                child = (rel if rel != b"/" else b"") + b"/" + name
                if not skip.match(child):
                    stack.append(child)

    by_inode: dict[tuple[int, int], list[bytes]] = {}
    for rel, st, _ in raw:
        if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
            by_inode.setdefault((st.st_dev, st.st_ino), []).append(rel)

    entries = {}
    for rel, st, host in sorted(raw, key=lambda r: r[0]):
        kind = _type(st.st_mode)
        group = by_inode.get((st.st_dev, st.st_ino)) if kind != "dir" else None
        entries[rel] = Entry(
            path=rel, type=kind, mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid,
            mtime=st.st_mtime_ns,
            size=st.st_size if kind == "file" else None,
            content=_sha256(host) if kind == "file" else None,
            target=os.readlink(host) if kind == "symlink" else None,
            rdev=st.st_rdev if kind in ("chr", "blk") else None,
            nlink=st.st_nlink if kind != "dir" else None,
            links=tuple(sorted(group)) if group and len(group) > 1 else None,
            mountpoint=rel != b"/" and kind == "dir" and (rel in mounts or st.st_dev != root_dev),
            xattrs=_xattrs(host))
    snap = views_mod.snapshot(root_b.decode("utf-8", "surrogateescape")) if views else None
    return Manifest(root=os.fsdecode(root_b), entries=entries, exclude=tuple(map(str, exclude)),
                    views=snap,
                    only=None if only is None else tuple(sorted({_key(p) for p in only})))


# -- comparing ---------------------------------------------------------------------------

def format_time(ns: int) -> str:
    t = datetime.datetime.fromtimestamp(ns // 1_000_000_000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 1_000_000_000:09d}Z"


def _fmt_rdev(rdev: int) -> str:
    return f"{os.major(rdev)}:{os.minor(rdev)}"


def _fmt_xattr(name: str, value: bytes | None) -> str:
    if value is None:
        return "(none)"
    if name.startswith("system.posix_acl_"):
        return decode_acl(value)
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def _fmt(fld: str, v) -> str:
    if v is None:
        return "(none)"
    if fld == "mode":
        return f"{v:04o}"
    if fld == "mtime":
        return format_time(v)
    if fld == "content":
        return "sha256 " + v[:16]
    if fld == "target":
        return show(v)
    if fld == "rdev":
        return _fmt_rdev(v)
    if fld == "links":
        return ", ".join(show(p) for p in v)
    return str(v)


class _Ignore:
    """ignore items: "mtime" (everywhere), "dir.mtime" (on one type), ("var/lib", "mtime")
    (on paths matching a glob); a field "xattr" covers every xattr, "xattr NAME" one."""

    def __init__(self, items):
        self.everywhere, self.by_type, self.by_glob = set(), set(), []
        for it in items:
            if isinstance(it, tuple):
                self.by_glob.append((Matcher([it[0]]), it[1]))
            elif "." in it and it.split(".", 1)[0] in ("file", "dir", "symlink", "fifo",
                                                      "socket", "chr", "blk"):
                self.by_type.add(tuple(it.split(".", 1)))
            else:
                self.everywhere.add(it)

    def __call__(self, e: Entry, fld: str) -> bool:
        names = {fld, "xattr"} if fld.startswith("xattr ") else {fld}
        if names & self.everywhere:
            return True
        if any((e.type, n) in self.by_type for n in names):
            return True
        return any(n in names and m.match(e.path) for m, n in self.by_glob)


def _links_visible(links, skip: Matcher):
    if not links:
        return None
    kept = tuple(p for p in links if not skip.match_or_under(p))
    return kept if len(kept) > 1 else None


def _changed(path: bytes, fld: str, old, new, fmt_field: str | None = None) -> Difference:
    f = fmt_field or fld
    if f.startswith("xattr "):
        name = f[6:]
        if old is None:
            text = f"extra {f}: {show(path)} ({_fmt_xattr(name, new)})"
        elif new is None:
            text = f"missing {f}: {show(path)} ({_fmt_xattr(name, old)})"
        else:
            text = f"changed {f}: {show(path)} ({_fmt_xattr(name, old)} → {_fmt_xattr(name, new)})"
    else:
        label = "hard links" if f == "links" else f
        text = f"changed {label}: {show(path)} ({_fmt(f, old)} → {_fmt(f, new)})"
    return Difference("changed", path, fld, old, new, text)


def compare(a: Manifest, b: Manifest, exclude=(), ignore=(), *, views: bool = True) -> list[Difference]:
    """Differences from a (before) to b (after): missing, extra, changed fields and
    xattrs, hard-link groups, then the semantic views (if both have them and views=True).
    `exclude`: globs of paths left out (with everything under them); `ignore`: fields
    not compared (see _Ignore)."""
    if a.only != b.only:
        raise ValueError(f"compare: manifests of different subtrees ({a.only} and {b.only})")
    skip = Matcher(exclude)
    ign = _Ignore(ignore)
    out: list[Difference] = []
    keys = sorted(set(a.entries) | set(b.entries))
    for k in keys:
        if skip.match_or_under(k):
            continue
        x, y = a.entries.get(k), b.entries.get(k)
        if y is None:
            out.append(Difference("missing", k, None, x.type, None, f"missing: {show(k)} ({x.type})"))
            continue
        if x is None:
            out.append(Difference("extra", k, None, None, y.type, f"extra: {show(k)} ({y.type})"))
            continue
        if x.type != y.type:
            out.append(_changed(k, "type", x.type, y.type))
            continue
        for fld in FIELDS[1:]:
            old, new = getattr(x, fld), getattr(y, fld)
            if fld == "links":
                old, new = _links_visible(old, skip), _links_visible(new, skip)
            if old != new and not ign(x, fld):
                out.append(_changed(k, fld, old, new))
        xa, xb = dict(x.xattrs), dict(y.xattrs)
        for name in sorted(set(xa) | set(xb)):
            if xa.get(name) != xb.get(name) and not ign(x, "xattr " + name):
                out.append(_changed(k, "xattr " + name, xa.get(name), xb.get(name)))
    if views and a.views is not None and b.views is not None:
        for text in views_mod.diff_views(a.views, b.views):
            out.append(Difference("view", None, None, None, None, text))
    return out


def assert_same(a: Manifest, b: Manifest, exclude=(), ignore=(), *, views: bool = True,
                msg: str = "") -> None:
    """Raises AssertionError listing every difference (one per line) if there is any."""
    diffs = compare(a, b, exclude, ignore, views=views)
    if diffs:
        head = (msg + ": " if msg else "") + f"{len(diffs)} difference(s) in {b.root}"
        raise AssertionError(head + "\n  " + "\n  ".join(map(str, diffs)))
