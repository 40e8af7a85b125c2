"""Warn/crit thresholds: Nagios range syntax, per-metric defaults, inventory overrides.

HOW A THRESHOLD READS (the one rule; inventory.example.yaml repeats it)

    A threshold in `console_thresholds` names the zone where the value is BAD.

    warn: 80        alert when value >= 80          (a plain number: "from 80 up")
    warn: "80:"     alert when value >= 80          (the same, in range syntax)
    warn: "~:10"    alert when value <= 10          (from -infinity up to 10)
    warn: "10:20"   alert when 10 <= value <= 20
    warn: "@10:20"  alert when 10 <= value <= 20    (Nagios's own meaning of `@`)
    warn: "@10"     alert when 0 <= value <= 10     (Nagios: a lone number is 0..N)
    warn: "80"      same as 80: quoting a number in YAML never changes its meaning

Why not plain Nagios? In a Nagios plugin a range without `@` names the OK zone, so
`"1:"` would alert when fewer than one error per second is seen: always, on a healthy
host. The issue's own contract (`net_errors: {warn: "1:", crit: "10:"}`) plainly means
"1 error/s and up is bad", and every metric here is higher-is-worse, so an on-call
engineer reads a threshold as an alert level. We therefore read every range as if it
carried Nagios's `@` ("alert inside"). Ranges written with `@` mean exactly what they
mean in Nagios; those written without it differ only in the direction that the
contract requires. The endpoints are inclusive, as in Nagios.

`NagiosRange` (console/nagios_range.py) implements the standard Nagios semantics (checks
reuse it); the config layer turns each threshold into an inside-range with
`NagiosRange.as_zone()`.

Other fields per metric:
    for:        consecutive samples past the threshold before the alert fires.
    clear_for:  consecutive samples back out of it (plus the margin) before it clears;
                defaults to `for`.
    hysteresis: the margin, in the metric's unit: a CRITICAL disk at 90 % clears only
                below 88 % (hysteresis 2), so a value hovering on the line cannot flap.
    mounts:     (disk and inodes only) per-mount overrides, e.g.
                `disk: {warn: 80, crit: 90, mounts: {/var/log: {warn: 70, crit: 85}}}`
A level set to null is switched off (`iowait: {warn: 20, crit: null}`).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from console.nagios_range import NagiosRange, parse_threshold

# ---------------------------------------------------------------- metrics

@dataclass(frozen=True, slots=True)
class MetricSpec:
    """A metric the alert engine knows, with the defaults an unconfigured host gets."""

    name: str
    unit: str
    warn: float | None
    crit: float | None
    for_samples: int
    hysteresis: float
    per_mount: bool = False
    help: str = ""


# Why these `for` defaults: CPU, load, I/O wait and response time jump around from one
# 2 s sample to the next, so they must stay high for 3 samples (6 s); memory and the
# network error rate move slower (2); disk and inode use barely move and a full disk
# is urgent, so they alert on the first sample.
METRICS: Mapping[str, MetricSpec] = MappingProxyType({m.name: m for m in (
    MetricSpec("cpu", "%", 80, 90, 3, 5.0, help="CPU busy %"),
    MetricSpec("memory", "%", 80, 90, 2, 3.0, help="memory used %"),
    MetricSpec("swap", "%", 50, 80, 2, 5.0, help="swap used %"),
    MetricSpec("load_per_core", "", 1.0, 2.0, 3, 0.2, help="1-min load / cores"),
    MetricSpec("disk", "%", 80, 90, 1, 2.0, per_mount=True, help="filesystem space used %"),
    MetricSpec("inodes", "%", 80, 90, 1, 2.0, per_mount=True, help="filesystem inodes used %"),
    MetricSpec("response_ms", "ms", 200, 1000, 3, 50.0, help="SSH round trip"),
    MetricSpec("net_errors", "/s", 1, 10, 2, 0.5, help="errors + drops per second"),
    # Optional: no alert unless the inventory sets a level.
    MetricSpec("iowait", "%", None, None, 3, 5.0, help="CPU iowait %"),
    MetricSpec("steal", "%", None, None, 3, 5.0, help="CPU steal %"),
    MetricSpec("disk_util", "%", None, None, 3, 5.0, help="device busy %, per device"),
)})

FIELDS = ("warn", "crit", "for", "clear_for", "hysteresis", "mounts")


@dataclass(frozen=True, slots=True)
class MetricThreshold:
    """Resolved thresholds for one metric (or one mount) on one host."""

    metric: str
    unit: str
    warn: NagiosRange | None
    crit: NagiosRange | None
    for_samples: int
    clear_for: int
    hysteresis: float

    @property
    def active(self) -> bool:
        return self.warn is not None or self.crit is not None

    def text(self, level: str) -> str:
        """`crit 90%` for the alerts panel and the notes timeline."""
        rng = self.crit if level == "crit" else self.warn
        return "" if rng is None else f"{level} {rng.describe(self.unit)}"


@dataclass(frozen=True, slots=True)
class ThresholdSet:
    """Everything the alert engine needs for one host, resolved once per inventory load."""

    metrics: Mapping[str, MetricThreshold]
    mounts: Mapping[str, Mapping[str, MetricThreshold]] = field(
        default_factory=lambda: MappingProxyType({}))  # metric -> mount -> override

    def get(self, metric: str) -> MetricThreshold:
        return self.metrics[metric]

    def for_mount(self, metric: str, mount: str) -> MetricThreshold:
        per = self.mounts.get(metric)
        if per:
            t = per.get(mount)
            if t is not None:
                return t
        return self.metrics[metric]


# ---------------------------------------------------------------- validation

# Names people reach for first, from other tools' vocabulary.
_ALIASES = {"mem": "memory", "ram": "memory", "load": "load_per_core", "rtt": "response_ms",
            "latency": "response_ms", "response": "response_ms", "ping": "response_ms",
            "errors": "net_errors", "network": "net_errors", "net": "net_errors",
            "fs": "disk", "filesystem": "disk", "space": "disk", "inode": "inodes",
            "io": "iowait", "util": "disk_util", "warning": "warn", "critical": "crit",
            "samples": "for", "hold": "for"}


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    w = word.strip().lower()
    guess = _ALIASES.get(w)
    if guess not in choices:
        close = difflib.get_close_matches(w, choices, n=1, cutoff=0.6)
        prefixed = [c for c in choices if w and c.startswith(w)]
        guess = close[0] if close else (prefixed[0] if len(prefixed) == 1 else None)
    return f" (did you mean {guess!r}?)" if guess else ""


def _check_fields(where: str, spec: MetricSpec, body: object, allow_mounts: bool) -> None:
    if not isinstance(body, Mapping):
        raise ValueError(
            f"{where}: expected a mapping like {{warn: 80, crit: 90}}, got {body!r}")
    allowed = FIELDS if allow_mounts and spec.per_mount else FIELDS[:-1]
    for key, v in body.items():
        if key not in allowed:
            known = ", ".join(allowed)
            raise ValueError(
                f"{where}: unknown field {key!r}{_suggest(str(key), list(allowed))};"
                f" known: {known}")
        if key in ("warn", "crit"):
            try:
                parse_threshold(v)
            except ValueError as exc:
                raise ValueError(f"{where}.{key}: {exc}") from None
        elif key in ("for", "clear_for"):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(
                    f"{where}.{key}: {v!r} is not a whole number of samples (1 or more)")
        elif key == "hysteresis":
            if (isinstance(v, bool) or not isinstance(v, int | float)
                    or not math.isfinite(v) or v < 0):
                raise ValueError(f"{where}.{key}: {v!r} is not a number >= 0")
        elif key == "mounts":
            if not isinstance(v, Mapping):
                raise ValueError(
                    f"{where}.mounts: expected a mapping of mount point -> "
                    f"{{warn, crit}}, got {v!r}")
            for mount, mbody in v.items():
                if not isinstance(mount, str) or not mount.startswith("/"):
                    raise ValueError(
                        f"{where}.mounts: {mount!r} is not a mount point (must start with /)")
                _check_fields(f"{where}.mounts.{mount}", spec, mbody, allow_mounts=False)
    _check_order(where, body.get("warn"), body.get("crit"))


def _check_order(where: str, warn_v: object, crit_v: object) -> None:
    """crit must be at least as far up as warn, or crit would never be reached first."""
    warn, crit = parse_threshold(warn_v), parse_threshold(crit_v)
    if warn is None or crit is None or not (warn.is_upward and crit.is_upward):
        return
    if crit.start < warn.start:
        raise ValueError(
            f"{where}: warn {warn.text} is above crit {crit.text}"
            f" (higher is worse here: warn must be <= crit)")


def validate_thresholds(value: object) -> None:
    """Check one level's `console_thresholds` (all, a group, or a host).

    Raises ValueError naming metric and field, e.g.
    "cpu.warn: 'abc' is not a number or Nagios range (e.g. 80, '10:', '@10:20')".
    The inventory loader prefixes file and key path and turns it into a UserError.
    """
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ValueError(
            f"expected a mapping of metric -> {{warn, crit}}, got {value!r}")
    names = tuple(METRICS)
    for metric, body in value.items():
        spec = METRICS.get(metric) if isinstance(metric, str) else None
        if spec is None:
            raise ValueError(
                f"unknown metric {metric!r}{_suggest(str(metric), names)};"
                f" known: {', '.join(names)}")
        _check_fields(str(metric), spec, body, allow_mounts=True)


# ---------------------------------------------------------------- merging and resolving

def merge_thresholds(parent: Mapping[str, Any] | None,
                     child: Mapping[str, Any] | None) -> dict[str, Any]:
    """Deeper level wins per metric and per field: a host's `cpu: {warn: 60}` keeps the
    group's `cpu.crit` and `cpu.for`. `mounts` merges per mount and per field too.
    An explicit null in the child wins (it switches a level off).
    """
    out: dict[str, Any] = {k: _copy(v) for k, v in (parent or {}).items()}
    for metric, body in (child or {}).items():
        base = out.get(metric)
        if isinstance(base, Mapping) and isinstance(body, Mapping):
            merged = dict(base)
            for key, v in body.items():
                if (key == "mounts" and isinstance(v, Mapping)
                        and isinstance(merged.get("mounts"), Mapping)):
                    mounts = dict(merged["mounts"])
                    for mount, mbody in v.items():
                        prev = mounts.get(mount)
                        if isinstance(prev, Mapping) and isinstance(mbody, Mapping):
                            mounts[mount] = {**prev, **mbody}
                        else:
                            mounts[mount] = _copy(mbody)
                    merged["mounts"] = mounts
                else:
                    merged[key] = _copy(v)
            out[metric] = merged
        else:
            out[metric] = _copy(body)
    return out


def _copy(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {k: _copy(x) for k, x in v.items()}
    return v


def _resolve(spec: MetricSpec, body: Mapping[str, Any], where: str,
             base: MetricThreshold | None = None) -> MetricThreshold:
    def level(name: str, default: float | None,
              inherited: NagiosRange | None) -> NagiosRange | None:
        if name in body:
            return parse_threshold(body[name])
        if base is not None:
            return inherited
        return None if default is None else parse_threshold(default)

    warn = level("warn", spec.warn, base.warn if base else None)
    crit = level("crit", spec.crit, base.crit if base else None)
    if warn is not None and crit is not None and warn.is_upward and crit.is_upward \
            and crit.start < warn.start:
        raise ValueError(
            f"{where}: warn {warn.text} is above crit {crit.text} once merged with the"
            f" inherited or default values; set both {where}.warn and {where}.crit")
    for_samples = int(body.get("for", base.for_samples if base else spec.for_samples))
    clear_default = (base.clear_for if base and "for" not in body else for_samples)
    return MetricThreshold(
        metric=spec.name, unit=spec.unit, warn=warn, crit=crit,
        for_samples=for_samples,
        clear_for=int(body.get("clear_for", clear_default)),
        hysteresis=float(body.get("hysteresis",
                                  base.hysteresis if base else spec.hysteresis)),
    )


def resolve_thresholds(config: Mapping[str, Any] | None) -> ThresholdSet:
    """Defaults overlaid with an (already merged) `console_thresholds` mapping."""
    validate_thresholds(config)
    config = config or {}
    metrics: dict[str, MetricThreshold] = {}
    mounts: dict[str, Mapping[str, MetricThreshold]] = {}
    for name, spec in METRICS.items():
        body = config.get(name) or {}
        t = _resolve(spec, body, name)
        metrics[name] = t
        per = body.get("mounts") or {}
        if per:
            mounts[name] = MappingProxyType({
                mount: _resolve(spec, mbody or {}, f"{name}.mounts.{mount}", base=t)
                for mount, mbody in per.items()})
    return ThresholdSet(MappingProxyType(metrics), MappingProxyType(mounts))


_DEFAULT: ThresholdSet | None = None


def default_thresholds() -> ThresholdSet:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = resolve_thresholds(None)
    return _DEFAULT


def thresholds_for_host(host_vars: Mapping[str, Any]) -> ThresholdSet:
    """A host's thresholds from its vars (the loader has merged all/group/host levels).

    Raises ValueError naming the metric when the merged result is contradictory (a
    host's warn above a crit it inherited): call it at load time for every host.
    """
    config = host_vars.get("console_thresholds")
    if not config:
        return default_thresholds()
    return resolve_thresholds(config)
