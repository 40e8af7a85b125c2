"""clock_skew: the host's clock against this machine's, judged on the console side.

The host prints its epoch once; the console knows when it sent the request and when
the answer came, so the host's reading was taken somewhere in that window. The skew is
measured from the window's middle and the uncertainty is half the window (plus a
second when the host's `date` has no %N). Only a skew beyond the threshold by more
than that uncertainty counts, so a slow link never raises a false alarm.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console.checks.perfdata import PerfDatum
from console.checks.plugin_output import one_line
from console.checks.result import CheckResult
from console.nagios_range import NagiosRange
from console.severity import Severity


def parse_epoch(text: str) -> tuple[float, float]:
    """(epoch, resolution in seconds) from `date +%s.%N` on GNU (or `123.%N` on busybox)."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    whole, _, frac = line.partition(".")
    if not whole.lstrip("-").isdigit():
        raise ValueError(f"the host's date printed {one_line(line, 40)!r}, not an epoch")
    if frac.isdigit():
        return float(f"{whole}.{frac}"), 0.0
    return float(whole) + 0.5, 0.5


def evaluate(*, host: str, check: str, params: Mapping[str, Any], exit_code: int | None,
             stdout: str, started: float, ended: float, duration_s: float,
             **_: Any) -> CheckResult | None:
    """None when the run itself failed (the plugin-output rules then explain why)."""
    if exit_code != 0:
        return None
    try:
        epoch, resolution = parse_epoch(stdout)
    except ValueError as exc:
        return CheckResult(host, check, Severity.UNKNOWN, str(exc), exit_code=exit_code,
                           duration_s=duration_s, at=ended)
    middle = (started + ended) / 2
    skew = epoch - middle
    margin = (ended - started) / 2 + resolution
    warn, crit = params["warn_seconds"], params["crit_seconds"]
    beyond = abs(skew) - margin
    severity = (Severity.CRITICAL if beyond >= crit else
                Severity.WARNING if beyond >= warn else Severity.OK)
    ahead = "ahead of" if skew >= 0 else "behind"
    status = (f"CLOCK {severity.name} - host clock {abs(skew):.2f} s {ahead} the console's "
              f"(±{margin:.2f} s)")
    datum = PerfDatum("offset", round(skew, 3), "s", NagiosRange.parse(f"-{warn:g}:{warn:g}"),
                      NagiosRange.parse(f"-{crit:g}:{crit:g}"), None, None)
    return CheckResult(host, check, severity, status, perfdata=(datum,), exit_code=exit_code,
                       duration_s=duration_s, at=ended)
