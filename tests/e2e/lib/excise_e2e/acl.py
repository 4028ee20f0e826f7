"""POSIX ACLs as the kernel stores them in system.posix_acl_{access,default} xattrs.

encode_acl("user::rw-,user:1001:r--,group::r--,mask::r--,other::---") -> xattr bytes
decode_acl(xattr bytes) -> the same text form (ids stay numeric: no name lookup on the host)
"""

from __future__ import annotations

import struct

ACCESS = "system.posix_acl_access"
DEFAULT = "system.posix_acl_default"

_TAGS = {"user_obj": 0x01, "user": 0x02, "group_obj": 0x04, "group": 0x08, "mask": 0x10,
         "other": 0x20}
_NO_ID = 0xFFFFFFFF


def _perm(text: str) -> int:
    if len(text) != 3 or any(c not in "rwx-" for c in text):
        raise ValueError(f"bad ACL permission {text!r}")
    return (4 if text[0] == "r" else 0) | (2 if text[1] == "w" else 0) | (1 if text[2] == "x" else 0)


def encode_acl(text: str) -> bytes:
    entries = []
    for item in text.split(","):
        kind, qual, perm = item.strip().split(":")
        if kind in ("user", "group") and qual:
            tag, ident = _TAGS[kind], int(qual)
        elif kind in ("user", "group"):
            tag, ident = _TAGS[kind + "_obj"], _NO_ID
        else:
            tag, ident = _TAGS[kind], _NO_ID
        entries.append((tag, ident, _perm(perm)))
    entries.sort()
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", t, p, i) for t, i, p in entries)


def decode_acl(data: bytes) -> str:
    if len(data) < 4 or (len(data) - 4) % 8 or struct.unpack_from("<I", data)[0] != 2:
        return f"(not an ACL: {data!r})"
    names = {v: k for k, v in _TAGS.items()}
    out = []
    for off in range(4, len(data), 8):
        tag, perm, ident = struct.unpack_from("<HHI", data, off)
        kind = names.get(tag, f"tag{tag}")
        p = ("r" if perm & 4 else "-") + ("w" if perm & 2 else "-") + ("x" if perm & 1 else "-")
        if kind in ("user", "group"):
            out.append(f"{kind}:{ident}:{p}")
        else:
            out.append(f"{kind.replace('_obj', '')}::{p}")
    return ",".join(out)
