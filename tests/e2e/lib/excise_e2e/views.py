"""Semantic views of a root, for readable failures: packages, units, accounts.

Each view is a plain dict, so two of them compare with == and diff with diff_views().
"""

from __future__ import annotations

import os

from ._util import run_tool


def dpkg_packages(root) -> dict[str, tuple[str, str]]:
    """{package: (version, status abbrev)} from the root's dpkg database, e.g.
    {"acme-agent": ("1.2.3", "ii")}. Purged packages are absent; removed ones are "rc"."""
    admindir = os.path.join(os.fspath(root), "var/lib/dpkg")
    proc = run_tool(["dpkg-query", f"--admindir={admindir}", "-W",
                     "-f", "${Package} ${Version} ${db:Status-Abbrev}\n"], check=False)
    if proc.returncode not in (0, 1):  # 1: no packages at all
        raise RuntimeError(f"dpkg-query on {admindir}: {proc.stderr}")
    out = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            out[parts[0]] = (parts[1], parts[2])
    return out


def unit_files(root) -> dict[str, str]:
    """{unit file: state} from `systemctl --root=R list-unit-files`."""
    proc = run_tool(["systemctl", f"--root={os.fspath(root)}", "--no-pager",
                     "list-unit-files", "--no-legend"], check=False)
    out = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


def unit_state(root, unit: str) -> str:
    """`systemctl --root=R is-enabled UNIT`: enabled, disabled, alias..., or not-found."""
    proc = run_tool(["systemctl", f"--root={os.fspath(root)}", "--no-pager", "is-enabled", unit],
                    check=False)
    return proc.stdout.strip() or "not-found"


def _table(root, name: str) -> list[list[str]]:
    try:
        with open(os.path.join(os.fspath(root), "etc", name), encoding="utf-8",
                  errors="surrogateescape") as f:
            return [line.rstrip("\n").split(":") for line in f if line.strip()]
    except FileNotFoundError:
        return []


def accounts(root) -> dict[str, dict[str, str]]:
    """{"users": {name: "name:uid:gid:home:shell"}, "groups": {name: "name:gid:members"},
    "shadow": {name: "present"}, "gshadow": {name: "members"}}."""
    users = {p[0]: ":".join([p[0], p[2], p[3], p[5], p[6]])
             for p in _table(root, "passwd") if len(p) >= 7}
    groups = {p[0]: ":".join([p[0], p[2], p[3]]) for p in _table(root, "group") if len(p) >= 4}
    shadow = {p[0]: "present" for p in _table(root, "shadow") if p}
    gshadow = {p[0]: p[3] if len(p) >= 4 else "" for p in _table(root, "gshadow") if p}
    return {"users": users, "groups": groups, "shadow": shadow, "gshadow": gshadow}


def snapshot(root) -> dict[str, dict]:
    """All views of a root: packages, units, users, groups, shadow, gshadow."""
    acc = accounts(root)
    return {"packages": {k: " ".join(v) for k, v in dpkg_packages(root).items()},
            "units": unit_files(root), **acc}


def diff_views(a: dict[str, dict], b: dict[str, dict]) -> list[str]:
    """Readable differences: "package acme-agent: 1.2.3 ii → (absent)"."""
    out = []
    singular = {"packages": "package", "units": "unit", "users": "user", "groups": "group",
                "shadow": "shadow entry", "gshadow": "gshadow entry"}
    for view in sorted(set(a) | set(b)):
        va, vb = a.get(view, {}), b.get(view, {})
        label = singular.get(view, view)
        for key in sorted(set(va) | set(vb)):
            x, y = va.get(key), vb.get(key)
            if x != y:
                out.append(f"{label} {key}: {x if x is not None else '(absent)'} → "
                           f"{y if y is not None else '(absent)'}")
    return out
