"""/proc/self/mounts -> mount point -> filesystem type.

`df -P` does not print the type, and `df -T` is not portable (busybox), so the
sampler ships the mount table and the type is joined by mount point. The kernel
escapes space, tab, newline and backslash in paths as octal (\\040 ...).
"""

from __future__ import annotations

import re

from console.metrics.parsers.errors import ParseError

_OCTAL = re.compile(r"\\([0-7]{3})")


def unescape_mount(path: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), path)


def parse_mounts(text: str) -> dict[str, str]:
    types: dict[str, str] = {}
    for line in text.splitlines():
        f = line.split()
        if not f:
            continue
        if len(f) < 3:
            raise ParseError(f"mounts: bad line {line[:60]!r}")
        # Later lines win: the last mount on a path is the one visible there.
        types[unescape_mount(f[1])] = f[2]
    if not types:
        raise ParseError("mounts: empty")
    return types
