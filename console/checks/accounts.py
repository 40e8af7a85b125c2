"""accounts: login-capable and UID-0 accounts against a baseline the user accepted.

The host prints its login-capable accounts (a real shell, or UID 0 whatever the shell)
from the passwd file, and, when readable (root, or `become: true`), each one's last
password change from the shadow file. The console compares the list with the
baseline accepted for this host and check (kept in the shared database): an account
that appeared, changed (uid, gid, home, shell) or went away is reported; a new UID 0
is CRITICAL. Until someone accepts a baseline the check is UNKNOWN, saying how many
accounts it would accept.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from console.checks.perfdata import PerfDatum
from console.checks.plugin_output import one_line
from console.checks.result import CheckResult
from console.severity import Severity, worst

_NO_LOGIN = "nologin|false|sync|shutdown|halt"
LISTING = "listing"  # CheckResult.extra key: the text to accept as the baseline


def script(passwd: str, shadow: str) -> str:
    p, s = shlex.quote(passwd), shlex.quote(shadow)
    return "\n".join([
        f'if [ ! -r {p} ]; then echo "ACCOUNTS UNKNOWN - cannot read "{p}; exit 3; fi',
        f"awk -F: '$3 == 0 || $7 == \"\" || $7 !~ /({_NO_LOGIN})$/ "
        f"{{print \"A \" $1 \":\" $3 \":\" $4 \":\" $6 \":\" $7}}' {p}",
        f"if [ -r {s} ]; then awk -F: '{{print \"S \" $1 \":\" $3}}' {s};"
        " else echo N; fi",
        "echo \"D $(( $(date +%s) / 86400 ))\"",
    ])


def parse_listing(stdout: str) -> tuple[dict[str, str], dict[str, int] | None, int | None]:
    """(name -> "uid:gid:home:shell", name -> last change day or None if unreadable,
    today in days since the epoch)."""
    accounts: dict[str, str] = {}
    changed: dict[str, int] | None = {}
    today = None
    for line in stdout.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "A":
            name, _, fields = rest.partition(":")
            accounts[name] = fields
        elif kind == "S" and changed is not None:
            name, _, day = rest.partition(":")
            if day.isdigit():
                changed[name] = int(day)
        elif kind == "N":
            changed = None
        elif kind == "D" and rest.strip().isdigit():
            today = int(rest.strip())
    return accounts, changed, today


def listing_text(accounts: Mapping[str, str]) -> str:
    """The canonical form stored as a baseline: one `name:uid:gid:home:shell` a line."""
    return "\n".join(f"{name}:{accounts[name]}" for name in sorted(accounts))


def parse_baseline(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        name, _, fields = line.partition(":")
        if name:
            out[name] = fields
    return out


def _uid(fields: str) -> str:
    return fields.split(":", 1)[0]


def compare(current: Mapping[str, str], baseline: Mapping[str, str]
            ) -> tuple[Severity, list[str]]:
    findings: list[str] = []
    severity = Severity.OK
    for name in sorted(current.keys() - baseline.keys()):
        root = _uid(current[name]) == "0"
        findings.append(f"new{' UID 0' if root else ''} account {name} ({current[name]})")
        severity = Severity.CRITICAL if root else worst(severity, Severity.WARNING)
    for name in sorted(current.keys() & baseline.keys()):
        if current[name] != baseline[name]:
            became_root = _uid(current[name]) == "0" and _uid(baseline[name]) != "0"
            findings.append(f"changed account {name}: {baseline[name]} -> {current[name]}")
            severity = Severity.CRITICAL if became_root else worst(severity, Severity.WARNING)
    for name in sorted(baseline.keys() - current.keys()):
        findings.append(f"account {name} is gone")
        severity = worst(severity, Severity.WARNING)
    return severity, findings


def evaluate(*, host: str, check: str, params: Mapping[str, Any], exit_code: int | None,
             stdout: str, ended: float, duration_s: float, baseline: str | None = None,
             **_: Any) -> CheckResult | None:
    if exit_code != 0 or not stdout.strip().startswith(("A ", "S ", "N", "D ")):
        return None  # the plugin-output rules explain a failed run
    current, changed, today = parse_listing(stdout)
    listing = listing_text(current)
    extra = {LISTING: listing}
    names = ", ".join(sorted(current)) or "none"
    base = dict(exit_code=exit_code, duration_s=duration_s, at=ended, extra=extra)
    if baseline is None:
        return CheckResult(host, check, Severity.UNKNOWN, one_line(
            f"no accepted baseline yet: {len(current)} login accounts ({names}); accept "
            "them in the checks view"), long_output=listing, **base)  # type: ignore[arg-type]
    severity, findings = compare(current, parse_baseline(baseline))
    max_age = params.get("max_password_age_days")
    notes: list[str] = []
    if max_age is not None:
        if changed is None or today is None:
            notes.append("password ages not readable (needs root: become: true)")
        else:
            for name in sorted(current):
                day = changed.get(name)
                if day and today - day > max_age:
                    findings.append(f"password of {name} is {today - day} days old")
                    severity = worst(severity, Severity.WARNING)
    uid0 = sorted(n for n, f in current.items() if _uid(f) == "0")
    if findings:
        status = f"ACCOUNTS {severity.name} - " + "; ".join(findings)
    else:
        status = (f"ACCOUNTS OK - {len(current)} login accounts as accepted "
                  f"(UID 0: {', '.join(uid0) or 'none'})")
    perf = (PerfDatum("login_accounts", float(len(current)), "", None, None, 0, None),
            PerfDatum("uid0", float(len(uid0)), "", None, None, 0, None))
    return CheckResult(host, check, severity, one_line(status),
                       long_output="\n".join([*findings, *notes, "", listing]).strip(),
                       perfdata=perf, **base)  # type: ignore[arg-type]
