"""The log follower: one POSIX sh process per host that follows all its log sources.

Why one process for many sources: every source of a host shares one SSH channel (sshd
allows 10 sessions per connection and the sampler holds one), and starting or stopping
a source must not restart the others. So the console writes control lines to the
follower's stdin, and the follower answers on stdout with one record per line:

    start ID KIND BACKLOG LINES_PER_S BYTES_PER_S TARGET   (console -> follower)
    stop ID

    ID S PID          source started; PID is its process on the host
    ID H TEXT         a line of the backlog shown when the source starts (history)
    ID L TEXT         a new line
    ID C LEN TEXT     a new line cut to CUT_BYTES (LEN: its length on the host)
    ID E TEXT         what the source said on stderr (the host's own error text)
    ID D LINES BYTES  lines dropped on the host: over the source's budget this second
                      (sent every 100 drops, and when the next line or second comes:
                      awk has no timer, so up to 99 drops wait for the next line)
    ID X              the source ended by itself

IDs are tokens the console makes up (never text from the inventory), KIND is `path`
(`tail -F`, across rotation and truncation), `unit` (`journalctl -f -u`) or `command`
(`sh -c`), TARGET the rest of the line, taken verbatim (never evaluated by the shell).

Each source is a background subshell `source | awk` (the awk tags and rate-limits its
lines and cuts each to CUT_BYTES, so one write is always below PIPE_BUF and lines of
different sources never interleave). All of it writes into a FIFO that one `dd` loop
drains at most every COALESCE_S: sshd then sends a few large packets a second instead
of one per line, which is what the console's CPU pays for.

Nothing is left behind: a stop kills the source's whole process tree (found with the
POSIX `ps -A -o pid= -o ppid=`, as non-interactive sh has no job control), and when
stdin ends (the channel closed, the connection dropped, the console died) or the
follower gets TERM/HUP/INT, every process under it is killed before it exits.
"""

from __future__ import annotations

import shlex

#: A longer line is cut on the host: one record must fit one atomic pipe write (4096).
CUT_BYTES = 4000
#: How long the follower lets output gather before sending it.
COALESCE_S = 0.1

_SCRIPT = r"""
LC_ALL=C; export LC_ALL
me=$$
d=$(mktemp -d "${TMPDIR:-/tmp}/opsconsole-logs.XXXXXX") || exit 1
mkfifo "$d/out" || exit 1
exec 3>&1
( trap '' HUP INT
  while r=$(dd bs=65536 count=1 2>&1 >&3); do
    case $r in 0+0*) break ;; esac
    sleep __COALESCE__
  done ) <"$d/out" &
exec >"$d/out" 3>&-
rm -rf "$d"

tree() {
  ps -A -o pid= -o ppid= 2>/dev/null | awk -v root="$1" '
    { parent[$1] = $2 }
    END { for (p in parent) { q = p; n = 0
            while (q in parent && q != root && q > 1 && n < 64) { q = parent[q]; n++ }
            if (q == root && p != root) print p } }'
}

cleanup() {
  trap '' TERM HUP INT
  kill -TERM $(tree "$me") 2>/dev/null
  exit 0
}
trap cleanup TERM HUP INT

tagger='{ if (length($0) > cut) $0 = substr($0, 1, cut); print p $0; fflush() }'
limiter='
BEGIN { srand(); sec = srand() }
{ now = srand()
  if (now != sec) {
    if (drop) { print id " D " drop " " dropb; fflush(); drop = 0; dropb = 0 }
    sec = now; n = 0; b = 0
  }
  len = length($0)
  if (NR > bl && (n >= lps || b >= bps)) {
    drop++; dropb += len + 1
    if (drop >= 100) { print id " D " drop " " dropb; fflush(); drop = 0; dropb = 0 }
    next
  }
  n++; b += len + 1
  t = (NR <= bl) ? "H" : "L"
  if (len > cut) print id " C " len " " substr($0, 1, cut)
  else print id " " t " " $0
  fflush()
}
END { if (drop) { print id " D " drop " " dropb; fflush() } }'

run_source() { # kind target backlog
  case $1 in
  path)
    tail -n "$3" -F -- "$2"
    echo "tail exited with status $?" >&2 ;;
  unit)
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      systemctl cat -- "$2" >/dev/null || return
    fi
    journalctl -q -f -n "$3" -o short-iso -u "$2"
    echo "journalctl exited with status $?" >&2 ;;
  command)
    sh -c "$2"
    echo "command exited with status $?" >&2 ;;
  *) echo "unknown source kind $1" >&2 ;;
  esac
}

backlog_lines() { # kind target backlog: how many of the first lines are history
  [ "$3" -gt 0 ] 2>/dev/null || { echo 0; return; }
  case $1 in
  path) n=$(wc -l 2>/dev/null <"$2") || n=0 ;;
  unit) n=$(journalctl -q -n "$3" -o short-iso -u "$2" 2>/dev/null | wc -l) || n=0 ;;
  *) n=0 ;;
  esac
  [ "${n:-0}" -gt "$3" ] 2>/dev/null && n=$3
  echo "${n:-0}"
}

start_source() { # id kind backlog lps bps target
  bl=$(backlog_lines "$2" "$6" "$3")
  { { run_source "$2" "$6" "$3" 2>&1 1>&5 5>&- 6>&- |
        awk -v p="$1 E " -v cut=__CUT__ "$tagger" >&6 6>&- ; } 5>&1 |
      awk -v id="$1" -v bl="$bl" -v lps="$4" -v bps="$5" -v cut=__CUT__ "$limiter" 6>&-
    echo "$1 X"
  } 6>&1 </dev/null &
  eval "pid_$1=\$!"
  echo "$1 S $!"
}

stop_source() { # id
  eval "p=\${pid_$1:-}"
  [ -n "$p" ] || return
  kill -TERM $(tree "$p") "$p" 2>/dev/null
  eval "pid_$1="
}

while read -r cmd id kind backlog lps bps target; do
  case $id in *[!A-Za-z0-9_]*|'') continue ;; esac
  case $cmd in
  start) stop_source "$id"; start_source "$id" "$kind" "$backlog" "$lps" "$bps" "$target" ;;
  stop) stop_source "$id" ;;
  esac
done
cleanup
"""


def follower_script() -> str:
    return (_SCRIPT.replace("__CUT__", str(CUT_BYTES))
            .replace("__COALESCE__", f"{COALESCE_S:g}"))


def follower_command() -> str:
    """The command line that starts the follower on a host (or locally)."""
    return "sh -c " + shlex.quote(follower_script())


def start_line(sid: str, kind: str, target: str, backlog: int, lines_per_s: int,
               bytes_per_s: int) -> bytes:
    """The control line that starts (or restarts) source `sid`."""
    if not sid.isalnum():
        raise ValueError(f"source id must be alphanumeric: {sid!r}")
    if "\n" in target or "\r" in target:
        raise ValueError("a log source's target cannot hold a line break")
    return (f"start {sid} {kind} {int(backlog)} {int(lines_per_s)} {int(bytes_per_s)} "
            f"{target}\n").encode()


def stop_line(sid: str) -> bytes:
    return f"stop {sid}\n".encode()
