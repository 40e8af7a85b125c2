"""The remote side of the metrics stream: one POSIX sh loop per host.

Why a shell loop: the console is agentless (sshd and a POSIX shell are all a
host needs), and one long-lived exec per host costs one SSH channel instead of
a channel, a fork and a MaxSessions slot per poll.

The loop runs as `exec /bin/sh -c '...'` so it does not depend on the user's
login shell (bash, zsh, fish, csh all pass a single-quoted word through; the
script avoids `!` for csh). Per frame it forks: one awk that prints all /proc
files with `@@section` headers (mawk, gawk and busybox awk all work), two df
(each under `timeout 5` when available: a hung filesystem must not stall the
stream), the subshell that collects the frame for a single write, and one
sleep. Everything else is shell builtins. The process count is a glob of
/proc/[0-9]* expanded by the shell itself.

Frame format (parsed by console.metrics.frame.FrameParser):
    @@opsconsole-pid <pid>            once, first line: the loop's pid (diagnosis; the console
                                      ends the loop with an SSH signal request)
    @@opsconsole-frame <seq>
    @@stat / @@meminfo / @@loadavg / @@uptime / @@netdev / @@diskstats / @@mounts
    @@nproc / @@procs / @@df / @@dfi  (each followed by its text)
    @@end <seq>

When the channel closes, the next echo hits a closed pipe: SIGPIPE kills the
shell, or, if SIGPIPE is ignored, echo fails and `|| exit` ends the loop.
"""

from __future__ import annotations

import math

from console.metrics.parsers.ps import BY_MEM_MARKER

PROC_FILES = (
    "/proc/stat", "/proc/meminfo", "/proc/loadavg", "/proc/uptime",
    "/proc/net/dev", "/proc/diskstats", "/proc/self/mounts",
)

# Section name = file basename, except /proc/net/dev -> netdev. No `$` in the
# program, so it can sit in double quotes inside the single-quoted script.
# Only what the console reads leaves the host: /proc/meminfo keeps 7 of its ~50
# lines, /proc/stat loses the per-CPU and the huge intr/softirq lines, diskstats its
# idle virtual devices. Fewer bytes to decrypt and parse per frame, times hundreds of
# hosts every interval.
_MEMINFO_KEYS = "MemTotal|MemFree|MemAvailable|Buffers|Cached|SwapTotal|SwapFree"
_AWK = (
    r'awk "FNR==1{n=FILENAME;sub(/.*\//,\"\",n);if(n==\"dev\")n=\"netdev\";'
    r'print \"@@\" n}'
    r'n==\"meminfo\"{if(\$1 ~ /^(' + _MEMINFO_KEYS + r'):/)print;next}'
    # ram/loop/zram devices that never did I/O: hosts have dozens (select_disks
    # drops them too).
    r'n==\"diskstats\"&&\$3 ~ /^(ram|loop|zram)/&&\$4==0&&\$8==0{next}'
    r'/^intr /{next}/^softirq /{next}/^cpu[0-9]/{next}{print}" $F </dev/null'
)

_SETUP = (
    # Only files that exist: mawk stops at the first file it cannot open.
    "F=; for f in " + " ".join(PROC_FILES) + '; do [ -r $f ] && F="$F $f"; done',
    'T=; timeout 5 true >/dev/null 2>&1 && T="timeout 5"',
    # busybox df has no -l.
    "L=-l; df -P -k -l / >/dev/null 2>&1 || L=",
    "N=$(getconf _NPROCESSORS_ONLN 2>/dev/null) || N=$(grep -c ^processor /proc/cpuinfo)",
)

_BODY = (
    "{ " + _AWK + "; } 2>/dev/null",
    'echo @@nproc; echo "$N"',
    'set -- /proc/[0-9]*; echo @@procs; echo "$#"',
    "echo @@df; $T df -P -k $L 2>/dev/null",
    "echo @@dfi; $T df -P -i $L 2>/dev/null",
)

# The frame is collected first and written with one printf: a handful of writes
# instead of one per section means a handful of SSH packets per frame instead of
# dozens, and each packet costs the console a decryption. It also means a frame is
# never interleaved with a half-written one.
_FRAME = (
    "B=$(" + "; ".join(_BODY) + ")",
    'printf "@@opsconsole-frame %s\\n%s\\n@@end %s\\n" "$i" "$B" "$i" || exit 0',
)


def _wrap(script: str, shell: str) -> str:
    if "'" in script or "!" in script:
        raise AssertionError("sampler script must not contain ' or !")
    return f"exec {shell} -c '{script}'"


def _format_interval(interval: float) -> str:
    if not (math.isfinite(interval) and interval > 0):
        raise ValueError(f"sampler interval must be a positive number, got {interval!r}")
    return f"{interval:.3f}".rstrip("0").rstrip(".")


def sampler_command(interval: float, shell: str = "/bin/sh") -> str:
    """One command line that prints a frame every `interval` seconds, forever."""
    fractional = _format_interval(interval)
    whole = str(max(1, math.ceil(interval)))
    script = "; ".join((
        "exec 2>/dev/null",
        'echo "@@opsconsole-pid $$" || exit 0',
        *_SETUP,
        # POSIX sleep takes whole seconds; GNU and busybox take fractions.
        f"S={fractional}; sleep 0.01 || S={whole}",
        "i=0",
        "while :; do i=$((i+1))",
        *_FRAME,
        "sleep $S; done",
    ))
    return _wrap(script, shell)


def sampler_once_command(shell: str = "/bin/sh") -> str:
    """One frame (seq 1) and exit: for tests and on-demand detail views."""
    script = "; ".join(("exec 2>/dev/null", *_SETUP, "i=1", *_FRAME))
    return _wrap(script, shell)


def top_processes_command(n: int = 10, shell: str = "/bin/sh") -> str:
    """Top `n` processes by CPU, then `@@bymem` and the top `n` by RSS.

    procps is probed once with a one-process `ps`; busybox (no -e, --sort or
    pcpu) gets its plain listing and parse_ps sorts it.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    cols = "pid,user,pcpu,pmem,rss,comm"
    script = "; ".join((
        "exec 2>/dev/null",
        f"if ps -p $$ -o pid --sort=-pcpu >/dev/null; then "
        f"ps -eo {cols} --sort=-pcpu | head -n {n + 1}; echo {BY_MEM_MARKER}; "
        f"ps -eo {cols} --sort=-rss | head -n {n + 1}; "
        "else ps -o pid,user,vsz,rss,comm || ps; fi",
    ))
    return _wrap(script, shell)
