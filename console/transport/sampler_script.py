"""The remote side of the metrics stream: one POSIX sh loop per host.

Why a shell loop: the console is agentless (sshd and a POSIX shell are all a
host needs), and one long-lived exec per host costs one SSH channel instead of
a channel, a fork and a MaxSessions slot per poll.

The loop runs as `exec /bin/sh -c '...'` so it does not depend on the user's
login shell (bash, zsh, fish, csh all pass a single-quoted word through; the
script avoids `!` for csh). Per frame it forks one awk, the subshell that collects
the frame for a single write, and one sleep. Every few frames (console_disk_interval,
10 s by default) it also runs two df, each under `timeout 5` when available (a hung
filesystem must not stall the stream): df and its wrappers were two thirds of the
processes the loop started, for figures that move over minutes. Everything else is
shell builtins. The process count is a glob of /proc/[0-9]* expanded by the shell.

Why awk parses on the host: with hundreds of hosts every two seconds, turning
/proc texts into numbers was the console's largest single cost (about 175 µs a
frame in Python). The awk (AWK_PROGRAM) reads the /proc files and df's output, and
prints only the figures the console uses, one record per line, tag first; the
console (console.metrics.frame) then splits a few short lines (about 50 µs). The
awk passes every counter through as the kernel printed it and never computes
with one, so 64-bit counters keep every digit in any awk.

Frame format (parsed by console.metrics.frame.FrameParser):
    @@opsconsole-pid <pid>      once, first line: the loop's pid (diagnosis; the console
                                ends the loop with an SSH signal request)
    @@opsconsole-frame <seq>
    n <iface> <rx bytes> <rx packets> <rx errs> <rx drop> <tx bytes> <tx packets>
      <tx errs> <tx drop>       one per /proc/net/dev interface
    d  <device> <counters...>   one per /proc/diskstats line, less major and minor
                                (idle ram/loop/zram devices stay on the host)
    c <user> <nice> <system> <idle> <iowait> <irq> <softirq> <steal> ...
                                /proc/stat's aggregate cpu line
    k <cpuN lines> <nproc> <processes>   (0: the host could not say)
    m <MemTotal> <MemFree> <MemAvailable> <Buffers> <Cached> <SwapTotal> <SwapFree>
                                kB, `-` for a key the kernel lacks
    l <the /proc/loadavg line>
    u <uptime seconds>
    b <block size>              df's header said "<N>-blocks"; present when df printed
    f <total> <used> <avail> <inodes> <iused> <fstype>TAB<device>TAB<mount point>
                                one per df row, joined by mount point with df -i (`-`:
                                none) and the mount table's type (`-`: not listed)
    e df: bad row <text>        a df row awk could not read
    M <mount table lines>       present when /proc/self/mounts was read
    x TAB<mount point>          mounted (not a pseudo filesystem) but not in df
    s                           instead of b/f/e/M/x: df was not due this frame; the
                                console shows the last df's filesystems again
    @@end <seq>

When the channel closes, the next printf hits a closed pipe: SIGPIPE kills the
shell, or, if SIGPIPE is ignored, printf fails and `|| exit` ends the loop.
"""

from __future__ import annotations

import math
import re

from console.metrics.parsers.df import PSEUDO_FSTYPES
from console.metrics.parsers.ps import BY_MEM_MARKER

PROC_FILES = (
    "/proc/stat", "/proc/meminfo", "/proc/loadavg", "/proc/uptime",
    "/proc/net/dev", "/proc/diskstats",
)
#: Read only with df: mount tables of container hosts run to hundreds of lines.
MOUNTS_FILE = "/proc/self/mounts"

_MEMINFO_KEYS = ("MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal",
                 "SwapFree")

#: The host-side half of the parser (see the module docstring for the records). Plain
#: POSIX awk (mawk, gawk, busybox), one line, no `'` or `!` (csh expands it even in
#: single quotes). Counters are passed through as the kernel printed them: awk does no
#: arithmetic on them, so 64-bit counters keep every digit in any awk. Pseudo
#: filesystems are filtered here only for the `x` records; everything df lists goes to
#: the console, which decides (console.metrics.parsers.df).
AWK_PROGRAM = "; ".join((
    'function v(k) { return (k in mem) ? mem[k] : "-" }',
    'FNR == 1 { n = FILENAME; sub(/.*\\//, "", n) }',
    # stdin: df's and df -i's output, each after its own marker line.
    '/^@@/ { n = substr($1, 3); h = 1; next }',
    'n == "stat" { if ($1 == "cpu") { $1 = "c"; c = $0 } else if ($1 ~ /^cpu[0-9]/) k++;'
    ' next }',
    'n == "meminfo" { mr = 1; if ($1 ~ /^(' + "|".join(_MEMINFO_KEYS) + '):$/)'
    ' mem[substr($1, 1, length($1) - 1)] = $2; next }',
    'n == "loadavg" { l = $0; next }',
    'n == "uptime" { u = $1; next }',
    # /proc/net/dev: the name ends at the last colon; counters may touch it ("eth0:123").
    'n == "dev" { if (index($0, "|") == 0 && match($0, /:[^:]*$/)) { d = substr($0, 1,'
    ' RSTART - 1); gsub(/[ \\t]/, "", d); split(substr($0, RSTART + 1), a, " ");'
    ' print "n", d, a[1], a[2], a[3], a[4], a[9], a[10], a[11], a[12] } next }',
    # ram/loop/zram devices that never did I/O: hosts have dozens.
    'n == "diskstats" { if ($3 ~ /^(ram|loop|zram)/ && $4 == 0 && $8 == 0) next;'
    ' $1 = "d"; $2 = ""; print; next }',
    # The kernel escapes space and tab in mount points; df prints them raw.
    'n == "mounts" { m = $2; gsub(/\\\\040/, " ", m); gsub(/\\\\011/, "\\t", m); t[m] = $3;'
    ' M++; next }',
    'n == "df" || n == "dfi" { if (h) { h = 0; if (n == "df") { b = $2; sub(/-.*/, "", b) }'
    ' else gi = $2 == "Inodes"; next }'
    ' if (match($0, / +(-|[0-9]+) +(-|[0-9]+) +(-|[0-9]+) +(-|[0-9]+%) /) == 0) {'
    ' if (n == "df") print "e", "df: bad row", substr($0, 1, 60); next }'
    ' x = substr($0, RSTART + RLENGTH); split(substr($0, RSTART, RLENGTH), a, " ");'
    ' if (n == "df") { R++; rd[R] = substr($0, 1, RSTART - 1); rm[R] = x;'
    ' rv[R] = a[1] " " a[2] " " a[3] } else if (gi) { ia[x] = a[1]; ib[x] = a[2] } next }',
    'END { if (length(c)) print c; print "k", k + 0, N + 0, P + 0;'
    ' if (mr) print "m", v("MemTotal"), v("MemFree"), v("MemAvailable"), v("Buffers"),'
    ' v("Cached"), v("SwapTotal"), v("SwapFree");'
    ' if (length(l)) print "l", l; if (length(u)) print "u", u;'
    ' if (length(b)) { print "b", b; for (r = 1; r <= R; r++) { x = rm[r]; s[x] = 1;'
    ' print "f", rv[r], (x in ia) ? ia[x] : "-", (x in ib) ? ib[x] : "-",'
    ' ((x in t) ? t[x] : "-") "\\t" rd[r] "\\t" x } }'
    ' if (M) { print "M", M; for (x in t) { if (x in s) continue;'
    ' if (t[x] ~ /^(' + "|".join(sorted(PSEUDO_FSTYPES)).replace(".", "\\.") + ')$/) continue;'
    ' print "x\\t" x } } }',
))


def _double_quoted(text: str) -> str:
    """`text` as one double-quoted sh word (inside the single-quoted script)."""
    return '"' + re.sub(r'([\\"$`])', r"\\\1", text) + '"'


_SETUP = (
    # Only files that exist: mawk stops at the first file it cannot open.
    "F=; for f in " + " ".join(PROC_FILES) + '; do [ -r $f ] && F="$F $f"; done',
    f"FM=; [ -r {MOUNTS_FILE} ] && FM={MOUNTS_FILE}",
    'T=; timeout 5 true >/dev/null 2>&1 && T="timeout 5"',
    # busybox df has no -l.
    "L=-l; df -P -k -l / >/dev/null 2>&1 || L=",
    "N=$(getconf _NPROCESSORS_ONLN 2>/dev/null) || N=$(grep -c ^processor /proc/cpuinfo)",
)

_AWK = 'awk -v N="$N" -v P="$#" ' + _double_quoted(AWK_PROGRAM)

# When $X is set, df runs beside awk (a pipe, not a temporary file), each df under
# `timeout 5` when the host has it, so a hung filesystem cannot stall the stream.
_BODY = (
    "set -- /proc/[0-9]*",
    'if [ -n "$X" ]; then'
    " { echo @@df; $T df -P -k $L; echo @@dfi; $T df -P -i $L; } 2>/dev/null"
    f" | {_AWK} $F $FM - 2>/dev/null;"
    f" else {_AWK} $F </dev/null 2>/dev/null; echo s; fi",
)

# The frame is collected first and written with one printf: one write means one SSH
# packet per frame (each costs the console a decryption), and a frame is never
# interleaved with a half-written one.
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


def df_every(interval: float, disk_interval: float) -> int:
    """df runs on every n-th frame: the whole number of intervals nearest to
    `disk_interval`, at least one (every frame)."""
    return max(1, round(disk_interval / interval))


def sampler_command(interval: float, shell: str = "/bin/sh",
                    disk_interval: float | None = None) -> str:
    """One command line that prints a frame every `interval` seconds, forever, with
    df in the first frame and then every `disk_interval` seconds (None: every frame)."""
    fractional = _format_interval(interval)
    whole = str(max(1, math.ceil(interval)))
    every = 1 if disk_interval is None else df_every(interval, disk_interval)
    script = "; ".join((
        "exec 2>/dev/null",
        'echo "@@opsconsole-pid $$" || exit 0',
        *_SETUP,
        # POSIX sleep takes whole seconds; GNU and busybox take fractions.
        f"S={fractional}; sleep 0.01 || S={whole}",
        f"D={every}; j=0; i=0",
        "while :; do i=$((i+1))",
        'if [ $j -le 0 ]; then X=1; j=$D; else X=; fi; j=$((j-1))',
        *_FRAME,
        "sleep $S; done",
    ))
    return _wrap(script, shell)


def sampler_once_command(shell: str = "/bin/sh") -> str:
    """One frame (seq 1), with df, and exit: for tests and on-demand detail views."""
    script = "; ".join(("exec 2>/dev/null", *_SETUP, "i=1; X=1", *_FRAME))
    return _wrap(script, shell)


def top_processes_command(n: int = 10, shell: str = "/bin/sh",
                          first_reading: bool = True) -> str:
    """Every process by ps's CPU (the console re-sorts), then `@@bymem` and the top
    `n` by RSS; then `@@cpu HZ` and readings of /proc/uptime and /proc/[pid]/stat,
    from which CPU% over the last interval is computed as top does. With
    `first_reading`, two readings half a second apart (there is no earlier probe to
    compare with); otherwise one, compared with the previous probe's.

    procps is probed once with a one-process `ps`; busybox (no -e, --sort or
    pcpu) gets its plain listing and parse_ps sorts it.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    cols = "pid,user,pcpu,pmem,rss,comm"
    # A process may exit between the glob and the read: cat then fails, the rest stands.
    reading = "echo @@reading; cat /proc/uptime; cat /proc/[0-9]*/stat || :"
    script = "; ".join((
        "exec 2>/dev/null",
        f"if ps -p $$ -o pid --sort=-pcpu >/dev/null; then "
        f"ps -eo {cols} --sort=-pcpu; echo {BY_MEM_MARKER}; "
        f"ps -eo {cols} --sort=-rss | head -n {n + 1}; "
        "else ps -o pid,user,vsz,rss,comm || ps; fi",
        'echo "@@cpu $(getconf CLK_TCK || echo 100)"',
        *((reading, "sleep 0.5") if first_reading else ()),
        reading,
    ))
    return _wrap(script, shell)
