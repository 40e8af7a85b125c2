"""The command line a check runs as on the host: its time and output bounded there.

Closing an SSH channel does not kill a command started without a pty, so the bound on
run time must hold on the host itself: the check runs under coreutils/busybox
`timeout`, which signals the whole process group it started (so a plugin's children go
too) and KILLs what is left two seconds later. Output is cut on the host as well
(`head -c`), so a check printing without end costs a bounded read, and the exit status
survives the pipes through a spare file descriptor. When `timeout` is missing (a very
small host), the console's own deadline closes the channel instead.
"""

from __future__ import annotations

import shlex

from console.checks.plugin_output import MAX_OUTPUT, MAX_STDERR

KILL_GRACE_S = 2  # after TERM, the group gets KILL this much later


def shell_seconds(seconds: float) -> str:
    """`timeout` takes fractions in GNU and busybox; keep the text short."""
    return f"{max(1.0, seconds):.1f}".rstrip("0").rstrip(".")


def remote_command(script: str, timeout_s: float, path: str | None = None,
                   become: bool = False) -> str:
    """One `sh -c` line running `script` bounded in time and output; exit = its exit."""
    inner = f"sh -c {shlex.quote(script)}"
    if become:
        inner = f"sudo -n {inner}"
    lines = [
        "exec </dev/null 4>&1",
        f"PATH={shlex.quote(path)}:$PATH; export PATH" if path else ":",
        "LC_ALL=C; export LC_ALL",
        f"T=; command -v timeout >/dev/null 2>&1 && T='timeout -k {KILL_GRACE_S} "
        f"{shell_seconds(timeout_s)}'",
        # stdout -> fd 3 -> head -> the channel; stderr -> head -> the channel's
        # stderr; the exit status -> fd 5 -> r. The check itself holds none of 3/4/5, so
        # a daemon it leaves behind cannot keep this shell waiting.
        "r=$({ { { $T " + inner + " 3>&- 4>&- 5>&-; echo $? >&5; } 2>&1 1>&3 "
        f"| head -c {MAX_STDERR} >&2; }} 3>&1 | head -c {MAX_OUTPUT + 1} >&4; }} 5>&1)",
        'exit "${r:-3}"',
    ]
    return "exec sh -c " + shlex.quote("\n".join(lines))
