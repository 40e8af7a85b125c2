"""Commands run on a host, framed by markers so the login shell cannot get in the way.

sshd runs every command through the account's login shell, and that shell may print
around it: a `.bashrc` that echoes a banner (bash reads it even for `ssh host cmd`),
a fish greeting, a tcsh that complains about the terminal. The sampler's output is
framed and never noticed; a bare `ps` was not, and a banner line became the
"header" of the process list. So every command goes through the same wrapper:

    exec /bin/sh -c '<wrapper>' opsconsole '<command>'

The wrapper prints `@@<nonce> begin` on stdout and stderr, runs the command with
`eval` in a subshell (an `exit` or a trailing comment in it cannot skip the end
marker), then prints `@@<nonce> end <status>`. `unframe` keeps exactly what lies
between the markers, so callers see what the command printed, byte for byte. The
wrapper is one line without `!` or newlines, which every common login shell (sh,
bash, zsh, fish, csh/tcsh) passes through unchanged; the command is one
single-quoted word for the login shell, then runs under /bin/sh. The nonce is new
per call, so output that imitates a marker cannot end the frame early.
"""

from __future__ import annotations

import secrets
import shlex
from dataclasses import dataclass

from console.transport.base import CommandResult


@dataclass(frozen=True, slots=True)
class Framed:
    nonce: str
    line: str  # what the login shell is given

    @property
    def begin(self) -> str:
        return f"@@{self.nonce} begin\n"

    @property
    def end(self) -> str:
        return f"\n@@{self.nonce} end"


def frame_command(command: str) -> Framed:
    nonce = secrets.token_hex(8)
    mark = f"@@{nonce}"
    wrapper = "; ".join((
        f"printf '%s\\n' '{mark} begin'",
        f"printf '%s\\n' '{mark} begin' >&2",
        '( eval "$1" )',
        "R=$?",
        f"printf '\\n%s %s\\n' '{mark} end' \"$R\"",
        f"printf '\\n%s\\n' '{mark} end' >&2",
        "exit $R",
    ))
    line = f"exec /bin/sh -c {shlex.quote(wrapper)} opsconsole {shlex.quote(command)}"
    return Framed(nonce, line)


def _between(text: str, framed: Framed) -> tuple[str, str | None, bool]:
    """(the text between the markers, what followed the end marker, whether the begin
    marker was found). Without a begin marker the wrapper never ran (a shell that
    refused it): the text is returned whole, as the only evidence there is."""
    at = text.find(framed.begin)
    if at < 0:
        return text, None, False
    body = text[at + len(framed.begin):]
    end = body.rfind(framed.end)
    if end < 0:
        return body, None, True  # cut short (timeout, killed): what came so far
    return body[:end], body[end + len(framed.end):], True


def unframe(framed: Framed, command: str, exit_status: int | None, stdout: str,
            stderr: str, duration_s: float, timed_out: bool = False,
            truncated: bool = False) -> CommandResult:
    """The command's own output and exit status, as if nothing had wrapped it."""
    out, trailer, _ = _between(stdout, framed)
    err, _, _ = _between(stderr, framed)
    if trailer is not None:
        token = trailer.strip().split("\n", 1)[0]
        if token.isdigit():
            exit_status = int(token)
    return CommandResult(command, exit_status, out, err, duration_s, timed_out=timed_out,
                         truncated=truncated)
