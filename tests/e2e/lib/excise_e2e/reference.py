"""A reference apply done by hand with the real tools: the oracle the scenario's
expectations are checked against (so a failing excise test is excise's fault, not the
fixture's). Not a model of how excise must work, only of the end state it must reach.
"""

from __future__ import annotations

import os
import shutil

from ._util import run_tool
from .scenario import Scenario


def reference_apply(sc: Scenario) -> None:
    r = sc.root
    r.disable_units(*sc.units)
    if sc.scripts == "skip":
        # Nothing of the vendor's runs: drop the maintainer scripts before the purge.
        for pkg in sc.packages:
            for script in ("preinst", "postinst", "prerm", "postrm"):
                p = os.path.join(r.admindir, "info", f"{pkg}.{script}")
                if os.path.exists(p):
                    os.unlink(p)
    r.dpkg("--purge", *sc.packages)
    for p in sc.gone:
        h = r.host(p)
        if os.path.isdir(h) and not os.path.islink(h):
            shutil.rmtree(h)
        elif os.path.lexists(h):
            os.unlink(h)
    for u in sc.users:
        run_tool(["userdel", "--root", r.path, u])
    with open(os.path.join(r.path, "etc/group"), encoding="utf-8") as f:
        present = {line.split(":", 1)[0] for line in f}
    for g in sc.groups:
        if g in present:
            run_tool(["groupdel", "--root", r.path, g])
