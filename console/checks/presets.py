"""Preset checks: POSIX-sh scripts that need nothing on a host but its usual tools.

Every parameter reaches the script through `shlex.quote`, so an inventory value is
data, never code. Most presets decide their own Nagios status on the host; two need
the console: `clock_skew` (the host's clock is compared with this machine's, knowing
the round trip) and `accounts` (compared with the baseline accepted in the console),
so they carry an `evaluate` function instead.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from console.checks import accounts, clock
from console.checks.params import Param, hours, number, path_text, text, whole

q = shlex.quote

Evaluate = Callable[..., Any]


@dataclass(frozen=True)
class Preset:
    name: str
    doc: str
    params: tuple[Param, ...]
    script: Callable[[Mapping[str, Any]], str]
    evaluate: Evaluate | None = None  # console-side verdict; None: the exit code decides

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


# ------------------------------------------------------------------ backup_age

def _backup_age(p: Mapping[str, Any]) -> str:
    warn_s, crit_s = int(p["warn_hours"] * 3600), int(p["crit_hours"] * 3600)
    minimum = int(p["min_size"])
    lines = [
        f"g={q(p['glob'])}",
        # Assigned quoted, expanded unquoted with IFS empty: pathname expansion only,
        # no word splitting and never command substitution.
        "IFS=; set +f; set -- $g; unset IFS",
        'if [ ! -e "$1" ]; then echo "BACKUP CRITICAL - no file matches $g"; exit 2; fi',
        "now=$(date +%s)",
        "newest=$(stat -c '%Y %s %n' -- \"$@\" 2>/dev/null | sort -n | tail -n 1)",
        'if [ -z "$newest" ]; then echo "BACKUP UNKNOWN - cannot stat the files matching $g";'
        " exit 3; fi",
        't=${newest%% *}; rest=${newest#* }; size=${rest%% *}; file=${rest#* }',
        "age=$((now - t)); st=0; why=",
        f'if [ "$age" -ge {crit_s} ]; then st=2; why=", older than {p["crit_hours"]:g} h";'
        f' elif [ "$age" -ge {warn_s} ]; then st=1; why=", older than {p["warn_hours"]:g} h";'
        " fi",
        f'if [ "$size" -lt {minimum} ]; then st=2; why="$why, smaller than {minimum} bytes"; fi',
    ]
    if p.get("restore_test"):
        lines += [
            f"rt=$(sh -c {q(p['restore_test'])} 2>&1 </dev/null; echo \"@rc=$?\")",
            'rc=${rt##*@rc=}',
            "if [ \"$rc\" != 0 ]; then st=2; last=$(printf '%s\\n' \"${rt%@rc=*}\" "
            "| awk 'NF {l=$0} END {print substr(l, 1, 120)}');"
            ' why="$why, restore test failed (exit $rc${last:+: $last})";'
            ' else why="$why, restore test passed"; fi',
        ]
    lines += [
        "case $st in 0) w=OK;; 1) w=WARNING;; *) w=CRITICAL;; esac",
        'echo "BACKUP $w - $file is $((age / 3600))h$(((age % 3600) / 60))m old,'
        f' $size bytes$why | age=${{age}}s;{warn_s};{crit_s};0 size=${{size}}B;;{minimum}:;0"',
        "exit $st",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------ pending_updates

_UPDATES_DETECT = r"""
if command -v apt-get >/dev/null 2>&1; then
  m=apt
  out=$(apt-get -s -o Debug::NoLocking=true upgrade 2>&1) || \
    { echo "UPDATES UNKNOWN - apt-get -s upgrade failed: $(printf '%s\n' "$out" | tail -n 1)";
      exit 3; }
  n=$(printf '%s\n' "$out" | awk '/^Inst / {n++} END {print n+0}')
  s=$(printf '%s\n' "$out" | awk '/^Inst / && tolower($0) ~ /securi/ {n++} END {print n+0}')
elif command -v dnf >/dev/null 2>&1 || command -v yum >/dev/null 2>&1; then
  m=dnf; command -v dnf >/dev/null 2>&1 || m=yum
  out=$($m -q check-update 2>&1); rc=$?
  if [ $rc -ne 0 ] && [ $rc -ne 100 ]; then
    echo "UPDATES UNKNOWN - $m check-update failed (exit $rc)"; exit 3
  fi
  n=$(printf '%s\n' "$out" | awk '/^Obsoleting/ {exit} NF == 3 && $1 ~ /\./ {n++} END {print n+0}')
  s=$($m -q updateinfo list --security 2>/dev/null | awk 'NF >= 3 {n++} END {print n+0}')
  if command -v needs-restarting >/dev/null 2>&1; then
    needs-restarting -r >/dev/null 2>&1 || [ $? -ne 1 ] || r=1
  fi
elif command -v zypper >/dev/null 2>&1; then
  m=zypper
  n=$(zypper -q --non-interactive list-updates 2>/dev/null \
    | awk -F'|' '$1 ~ /^v/ {n++} END {print n+0}')
  s=$(zypper -q --non-interactive list-patches --category security 2>/dev/null \
    | awk -F'|' '/needed/ {n++} END {print n+0}')
  [ -e /var/run/reboot-needed ] && r=1
elif command -v apk >/dev/null 2>&1; then
  m=apk
  n=$(apk -u list 2>/dev/null | awk '/upgradable/ {n++} END {print n+0}')
  s=
else
  echo "UPDATES UNKNOWN - no apt-get, dnf, yum, zypper or apk on this host"; exit 3
fi
"""


def _pending_updates(p: Mapping[str, Any]) -> str:
    warn, crit_sec = int(p["warn"]), int(p["crit_security"])
    reboot_st = {"ok": 0, "warning": 1, "critical": 2}[p["reboot"]]
    detect = _UPDATES_DETECT.strip()
    if p["manager"] != "auto":  # only the named one is looked for
        others = {"apt": "apt-get", "dnf": "dnf", "yum": "yum", "zypper": "zypper",
                  "apk": "apk"}
        for manager, tool in others.items():
            if manager != p["manager"] and not (p["manager"] == "yum" and tool == "dnf"):
                detect = detect.replace(f"command -v {tool} >", f"false {tool} >")
    return "\n".join([
        f"r=0; [ -e {q(p['reboot_file'])} ] && r=1",
        detect,
        "st=0; why=",
        f'if [ "$n" -ge {warn} ]; then st=1; fi',
        f'if [ -n "$s" ] && [ "$s" -ge {crit_sec} ]; then st=2; fi',
        f'if [ "$r" = 1 ]; then why=", reboot required"; [ {reboot_st} -gt $st ] && '
        f"st={reboot_st}; fi",
        "case $st in 0) w=OK;; 1) w=WARNING;; *) w=CRITICAL;; esac",
        'if [ -n "$s" ]; then sec="$s security"; sp=" security=$s;;@' + str(crit_sec)
        + ':;0"; else sec="security unknown"; sp=; fi',
        f'echo "UPDATES $w - $m: $n pending, $sec$why | pending=$n;@{warn}:;;0$sp'
        ' reboot=$r;;;0;1"',
        "exit $st",
    ])


# ------------------------------------------------------------------ cert_expiry

def _cert_expiry(p: Mapping[str, Any]) -> str:
    warn_s, crit_s = int(p["warn_days"] * 86400), int(p["crit_days"] * 86400)
    if p.get("file"):
        where = q(p["file"])
        fetch = [f"what={where}",
                 f'if [ ! -r {where} ]; then echo "CERT UNKNOWN - cannot read $what"; exit 3; fi',
                 f"pem=$(cat {where})"]
    else:
        endpoint = p["endpoint"]
        sni = p.get("servername") or endpoint.rsplit(":", 1)[0].strip("[]")
        fetch = [f"what={q(endpoint)}",
                 "T=; command -v timeout >/dev/null 2>&1 && T='timeout 10'",
                 f"pem=$(echo | $T openssl s_client -connect {q(endpoint)} "
                 f"-servername {q(sni)} 2>/dev/null "
                 "| sed -n '/-BEGIN CERTIFICATE-/,/-END CERTIFICATE-/p')",
                 'if [ -z "$pem" ]; then echo "CERT CRITICAL - no certificate from $what";'
                 " exit 2; fi"]
    return "\n".join([
        "if ! command -v openssl >/dev/null 2>&1; then "
        'echo "CERT UNKNOWN - openssl not found on the host"; exit 3; fi',
        *fetch,
        "x() { printf '%s\\n' \"$pem\" | openssl x509 -noout \"$@\" 2>/dev/null; }",
        'end=$(x -enddate) || { echo "CERT UNKNOWN - $what holds no readable certificate";'
        " exit 3; }",
        "end=${end#notAfter=}",
        "sub=$(x -subject | sed 's/^subject= *//')",
        'days=; e=$(date -d "$end" +%s 2>/dev/null) && days=$(( (e - $(date +%s)) / 86400 ))',
        "if ! x -checkend 0 >/dev/null; then st=2; what2=expired;"
        f" elif ! x -checkend {crit_s} >/dev/null; then st=2; what2='expires soon';"
        f" elif ! x -checkend {warn_s} >/dev/null; then st=1; what2='expires soon';"
        " else st=0; what2=valid; fi",
        "case $st in 0) w=OK;; 1) w=WARNING;; *) w=CRITICAL;; esac",
        'left=; pd=; if [ -n "$days" ]; then left=" ($days days left)";'
        f' pd=" | days=$days;{p["warn_days"]:g}:;{p["crit_days"]:g}:"; fi',
        'echo "CERT $w - $what $what2: $end$left, $sub$pd"',
        "exit $st",
    ])


# ------------------------------------------------------------------ failed_units

def _failed_units(p: Mapping[str, Any]) -> str:
    return "\n".join([
        "if ! command -v systemctl >/dev/null 2>&1; then "
        'echo "UNITS UNKNOWN - systemctl not found (no systemd on this host)"; exit 3; fi',
        "out=$(systemctl list-units --state=failed --no-legend --plain 2>&1) || "
        "{ echo \"UNITS UNKNOWN - systemctl failed: $(printf '%s\\n' \"$out\" | head -n 1)\";"
        " exit 3; }",
        "n=$(printf '%s\\n' \"$out\" | awk 'NF {n++} END {print n+0}')",
        "names=$(printf '%s\\n' \"$out\" | awk 'NF {printf \"%s%s\", s, $1; s=\", \"}')",
        'if [ "$n" -gt 0 ]; then echo "UNITS CRITICAL - $n failed: $names | failed=$n;;0;0";'
        " printf '%s\\n' \"$out\"; exit 2; fi",
        'echo "UNITS OK - no failed units | failed=0;;0;0"',
    ])


# ------------------------------------------------------------------ clock_skew

def _clock_skew(p: Mapping[str, Any]) -> str:
    # %N is GNU; busybox prints it literally, and the console then counts one second
    # of resolution.
    return "date -u +%s.%N"


# ------------------------------------------------------------------ accounts

def _accounts(p: Mapping[str, Any]) -> str:
    return accounts.script(p["passwd"], p["shadow"])


PRESETS: dict[str, Preset] = {preset.name: preset for preset in (
    Preset("backup_age", "the newest file matching a glob is recent and large enough; "
           "optionally a restore test that must exit 0", (
               Param("glob", path_text, required=True, doc="files to look at"),
               Param("warn_hours", hours, default=26.0),
               Param("crit_hours", hours, default=50.0),
               Param("min_size", whole, default=1, doc="bytes; smaller is CRITICAL"),
               Param("restore_test", text, doc="a command that must exit 0"),
           ), _backup_age),
    Preset("pending_updates", "pending and security updates (apt, dnf/yum, zypper, apk),"
           " and reboot required", (
               Param("warn", whole, default=1, doc="pending updates for WARNING"),
               Param("crit_security", whole, default=1,
                     doc="security updates for CRITICAL"),
               Param("reboot", text, default="warning", choices=("ok", "warning", "critical")),
               Param("reboot_file", path_text, default="/var/run/reboot-required"),
               Param("manager", text, default="auto",
                     choices=("auto", "apt", "dnf", "yum", "zypper", "apk")),
           ), _pending_updates),
    Preset("cert_expiry", "a certificate file on the host, or an endpoint host:port seen "
           "from the host", (
               Param("file", path_text),
               Param("endpoint", text, doc="host:port"),
               Param("servername", text),
               Param("warn_days", number, default=21.0),
               Param("crit_days", number, default=7.0),
           ), _cert_expiry),
    Preset("failed_units", "failed systemd units", (), _failed_units),
    Preset("clock_skew", "the host's clock against this machine's", (
        Param("warn_seconds", number, default=2.0),
        Param("crit_seconds", number, default=10.0),
    ), _clock_skew, clock.evaluate),
    Preset("accounts", "login-capable and UID-0 accounts against the accepted baseline; "
           "password age", (
               Param("passwd", path_text, default="/etc/passwd"),
               Param("shadow", path_text, default="/etc/shadow"),
               Param("max_password_age_days", number),
           ), _accounts, accounts.evaluate),
)}
