"""Private mount namespaces and overlays: real removals that leave no trace.

    enter_private_mount_namespace()          # this process only; mounts vanish with it
    root = overlay_root(lower=[base], upper_parent=tmp, target=os.path.join(tmp, "root"))

An overlay's writes (and whiteouts for deletions) all go to its upper directory; the
lower layers are never written. Mounted inside a private mount namespace, the overlay
is visible only to this process and its children, and disappears when the last of
them exits, even if a test is killed halfway.

Quirk that matters to excise: renaming a directory that comes from a lower layer fails
with EXDEV (overlayfs without redirect_dir), so a quarantine on an overlay takes its
copy fallback for every tree that was there before the overlay was mounted.
"""

from __future__ import annotations

import ctypes
import os

from ._util import run_tool, unescape_mountinfo

CLONE_NEWNS = 0x00020000
OVERLAYFS = "overlay"

_entered = False


def enter_private_mount_namespace() -> None:
    """Moves this process into a new mount namespace whose mounts do not propagate back
    (the equivalent of `unshare --mount --propagation private`). Idempotent. The
    process must be single-threaded (unshare(CLONE_NEWNS) refuses otherwise)."""
    global _entered
    if _entered:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"unshare(CLONE_NEWNS): {os.strerror(err)}")
    # Without this, mounts made here would still propagate to the host's shared mounts.
    run_tool(["mount", "--make-rprivate", "/"])
    _entered = True


def mount_type(path) -> str | None:
    """The filesystem type of the mount whose mount point is exactly `path` (in this
    process's namespace), or None when `path` is not a mount point."""
    want = os.path.realpath(os.fsencode(path))
    found = None
    with open("/proc/self/mountinfo", "rb") as f:
        for line in f:
            left, _, right = line.partition(b" - ")
            if unescape_mountinfo(left.split(b" ")[4]) == want:
                found = right.split(b" ")[0].decode()  # the last mount on a point wins
    return found


def mount_overlay(lowers: list[str], upper: str, work: str, target: str) -> None:
    """Mounts an overlay at target: lowers (first = topmost) read-only, writes to upper."""
    for d in (upper, work, target):
        os.makedirs(d, exist_ok=True)
    options = f"lowerdir={':'.join(lowers)},upperdir={upper},workdir={work}"
    run_tool(["mount", "-t", "overlay", "overlay", "-o", options, target])
    if mount_type(target) != OVERLAYFS:
        raise RuntimeError(f"mount_overlay: {target} is not an overlay after mount")


def umount(target: str, *, lazy: bool = False) -> None:
    run_tool(["umount", *(["-l"] if lazy else []), target])


def has_overlayfs() -> bool:
    with open("/proc/filesystems", encoding="ascii") as f:
        return any(line.split()[-1] == OVERLAYFS for line in f if line.strip())


class OverlayRoot:
    """An overlay at `path` over read-only `lowers` (first = topmost), writing into
    `layers_dir`/upper<N>. freeze() turns everything written so far into one more
    read-only layer and starts a fresh upper: what was set up (a package installed,
    leftovers made) is then "on disk" like on a real system, and renaming any of its
    directories gives EXDEV, as on every overlay-root machine (containers, live media).

    Must be used inside a private mount namespace (enter_private_mount_namespace, or a
    process started by `unshare --mount --propagation private`)."""

    def __init__(self, path: str, lowers: list[str], layers_dir: str):
        self.path = os.path.realpath(path)
        self.lowers = list(lowers)
        self.layers_dir = layers_dir
        self.generation = 0
        self._mount()

    @property
    def upper(self) -> str:
        return os.path.join(self.layers_dir, f"upper{self.generation}")

    def _mount(self) -> None:
        mount_overlay(self.lowers, self.upper,
                      os.path.join(self.layers_dir, f"work{self.generation}"), self.path)

    def freeze(self) -> None:
        """Unmounts (nothing may be mounted below path), pushes the upper layer down as
        the topmost lower one, and mounts again with an empty upper."""
        umount(self.path)
        self.lowers.insert(0, self.upper)
        self.generation += 1
        self._mount()

    def unmount(self) -> None:
        umount(self.path)
