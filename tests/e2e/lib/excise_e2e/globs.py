"""Path globs for exclusions: `*` `?` `[...]` within one component, `**` any depth.

Patterns and paths are relative to a root; a leading "/" is ignored on both. "X/**"
matches X itself and everything under it. Paths are bytes (names may be invalid UTF-8).
"""

from __future__ import annotations

import os
import re


def _translate(pat: bytes) -> bytes:
    out = []
    i, n = 0, len(pat)
    while i < n:
        if pat.startswith(b"/**", i) and i + 3 == n:
            out.append(b"(?:/.*)?")
            i += 3
        elif pat.startswith(b"**/", i):
            out.append(b"(?:.*/)?")
            i += 3
        elif pat.startswith(b"**", i):
            out.append(b".*")
            i += 2
        elif pat[i:i + 1] == b"*":
            out.append(b"[^/]*")
            i += 1
        elif pat[i:i + 1] == b"?":
            out.append(b"[^/]")
            i += 1
        elif pat[i:i + 1] == b"[":
            j = pat.find(b"]", i + 2 if pat[i + 1:i + 2] in (b"!", b"^") else i + 1)
            if j < 0:
                out.append(re.escape(b"["))
                i += 1
                continue
            body = pat[i + 1:j]
            if body[:1] in (b"!", b"^"):
                body = b"^" + body[1:]
            body = body.replace(b"\\", b"\\\\")
            out.append(b"(?!/)[" + body + b"]")
            i = j + 1
        else:
            out.append(re.escape(pat[i:i + 1]))
            i += 1
    return b"".join(out)


class Matcher:
    """Matches root-relative paths against a list of globs."""

    def __init__(self, patterns=()):
        self.patterns = tuple(os.fsencode(p) for p in patterns)
        self._res = [re.compile(_translate(p.strip(b"/")) + rb"\Z", re.DOTALL)
                     for p in self.patterns]

    def __bool__(self) -> bool:
        return bool(self._res)

    def match(self, path) -> bool:
        p = os.fsencode(path).strip(b"/")
        return any(r.match(p) for r in self._res)

    def match_or_under(self, path) -> bool:
        """True if the path or one of its parent directories matches."""
        p = os.fsencode(path).strip(b"/")
        if not self._res:
            return False
        parts = p.split(b"/")
        for k in range(1, len(parts) + 1):
            if self.match(b"/".join(parts[:k])):
                return True
        return False
