"""What may run at all: plain names, known signals, hosts that are not read-only.

These checks run before anything touches a host and FAIL CLOSED: a value that is not
clearly allowed (a read-only flag that is not a boolean, an unknown host) is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from console.inventory import Host

#: A service or unit name: what systemd allows (letters, digits, :-_.@\\) minus the
#: backslash; nothing a shell could read as syntax.
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$")

#: Signals the console sends, TERM first (a process may clean up), KILL as the
#: explicit second choice.
SIGNALS = ("TERM", "KILL", "HUP", "INT", "QUIT", "USR1", "USR2")


class OperationRefused(Exception):
    """The operation must not run; the message says why in one line."""


def plain_name(value: str, what: str) -> str:
    if not isinstance(value, str) or not _PLAIN.match(value):
        raise OperationRefused(f"{what} {value!r} is not a plain name (letters, digits, "
                               "'.', '_', '-', '@', ':'); nothing was run")
    return value


def signal_name(value: str) -> str:
    name = str(value).upper().removeprefix("SIG")
    if name not in SIGNALS:
        raise OperationRefused(f"signal {value!r} is not one of {', '.join(SIGNALS)}; "
                               "nothing was run")
    return name


def pid_number(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 < value < 2**22:
        raise OperationRefused(f"{value!r} is not a process id; nothing was run")
    return value


def is_read_only(host: Host, everywhere: bool) -> bool:
    """`--read-only` or the host's console_read_only (deeper level wins, as Ansible
    merges variables). Anything but an explicit False counts as read-only."""
    if everywhere:
        return True
    try:
        flag = host.vars.get("console_read_only", False)
    except Exception:  # fail closed on anything unexpected
        return True
    return flag is not False


def refuse_read_only(hosts: Iterable[Host], everywhere: bool) -> None:
    """Raise OperationRefused when any of `hosts` is read-only."""
    blocked = [h.name for h in hosts if is_read_only(h, everywhere)]
    if blocked:
        why = "--read-only" if everywhere else "console_read_only"
        shown = ", ".join(blocked[:5]) + (f" (+{len(blocked) - 5})" if len(blocked) > 5
                                          else "")
        raise OperationRefused(f"read-only ({why}): {shown}; nothing was run")
