"""The registry of console settings: inventory variables named `console_*`.

Settings are ordinary Ansible variables, so Ansible still reads the inventory and the
console gets group/host inheritance for free. Each setting is registered here once,
by decorating the function that checks and normalises its value; the inventory loader,
`opsconsole check`, inventory.example.yaml's test and the "did you mean" suggestion for
a misspelt key all read this one table, so a new capability adds exactly one entry:

    @setting("console_foo", "one-line doc", default=...)
    def _foo(value: object) -> object: ...   # raise ValueError("must be ...") if bad

Validators raise `ValueError` with a message that completes the sentence
"<file>:<line>: <key path>: ..." and never mention the key themselves.
"""

from __future__ import annotations

import difflib
import math
import os
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

PREFIX = "console_"

Merge = Callable[[Any, Any], Any]
"""(outer value, deeper value) -> the deeper level's effective value. A setting without
one follows Ansible's own rule: the deeper value replaces the outer one."""

EMPTY: Mapping[str, Any] = MappingProxyType({})


Validator = Callable[[Any], Any]
"""value as written -> normalised value; raises ValueError(message) when bad."""


@dataclass(frozen=True)
class Setting:
    name: str
    parse: Validator  # raises ValueError(message); returns the normalised value
    doc: str
    default: Any = None
    merge: Merge | None = None
    check_merged: Callable[[Any], object] | None = None  # a host's final value; ValueError


SETTINGS: dict[str, Setting] = {}


def setting(name: str, doc: str, default: Any = None, merge: Merge | None = None,
            check_merged: Callable[[Any], object] | None = None
            ) -> Callable[[Validator], Validator]:
    """Register the decorated validator as the one definition of setting `name`."""
    if not name.startswith(PREFIX):
        raise ValueError(f"setting names start with {PREFIX!r}: {name!r}")

    def register(parse: Validator) -> Validator:
        if name in SETTINGS:
            raise ValueError(f"setting {name} registered twice")
        SETTINGS[name] = Setting(name, parse, doc, default, merge, check_merged)
        return parse

    return register


def is_setting(name: str) -> bool:
    return name.startswith(PREFIX)


def suggest(name: str) -> str | None:
    """The known setting closest to a misspelt one, if any is close enough."""
    matches = difflib.get_close_matches(name, list(SETTINGS), n=1, cutoff=0.6)
    return matches[0] if matches else None


def normalise(name: str, value: Any) -> Any:
    """Check one `console_*` value as written at one level; raise ValueError(message)."""
    known = SETTINGS.get(name)
    if known is None:
        close = suggest(name)
        hint = f"; did you mean {close}?" if close else \
            f"; known settings: {', '.join(sorted(SETTINGS))}"
        raise ValueError(f"unknown setting{hint}")
    return known.parse(value)


def combine(name: str, outer: Any, inner: Any) -> Any:
    """The value a deeper level (group under parent, host under group) ends up with."""
    known = SETTINGS.get(name)
    return known.merge(outer, inner) if known is not None and known.merge else inner


def check_merged(name: str, value: Any) -> None:
    """Check a host's final value of a setting, after every level was combined."""
    known = SETTINGS.get(name)
    if known is not None and known.check_merged is not None:
        known.check_merged(value)


def value(variables: Mapping[str, Any], name: str) -> Any:
    """A setting's effective value in a host's (or group's) variables, else its default."""
    return variables.get(name, SETTINGS[name].default)


# --- small shared checks ------------------------------------------------------------

_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxlist, _SHOWN.maxdict, _SHOWN.maxtuple = 2, 4, 4, 4
_SHOWN.maxstring = _SHOWN.maxother = _SHOWN.maxlong = 40


def shown(value: Any) -> str:
    """A value quoted for an error line: short and free of control characters. Built
    with bounded depth and width: a value inflated by YAML aliases (billions of
    entries) is never rendered whole, only the part that is shown."""
    text = _SHOWN.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def plain_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be {what}, got {shown(value)}")
    # isprintable() is False for every space but " " (tabs, newlines, NBSP...).
    if " " in value or not value.isprintable():
        raise ValueError(f"must be {what} without spaces or control characters, "
                         f"got {shown(value)}")
    return value


def line_text(value: Any, what: str) -> str:
    """Text that may hold spaces (a shell command, a path) but never control characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be {what}, got {shown(value)}")
    if not value.isprintable():
        raise ValueError(f"must be {what} without control characters, got {shown(value)}")
    return value


def _str_mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"must be {what}, got {_type_name(value)}")
    for key in value:
        plain_text(key, "a name")
    return value


def positive_number(value: Any, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be a positive number of {unit}, got {shown(value)}")
    return float(value)


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"must be true or false, got {shown(value)}")


def ssh_destination(value: Any) -> tuple[str | None, str, int | None]:
    """`[user@]host[:port]` (or `[v6-address]:port`) -> (user, host, port); ValueError."""
    text = plain_text(value, "an inventory host name or an ssh destination user@host:port")
    user, at, rest = text.rpartition("@")
    if at and not user:
        raise ValueError(f"has an empty user before '@': {shown(text)}")
    port: int | None = None
    if rest.startswith("["):  # [::1]:2222
        host, close, tail = rest[1:].partition("]")
        if not close or (tail and not tail.startswith(":")):
            raise ValueError(f"has an unbalanced '[' in {shown(text)}")
        port_text = tail[1:] if tail else None
    elif rest.count(":") == 1:
        host, _, port_text = rest.partition(":")
    else:  # a name, an IPv4 address, or a bare IPv6 address
        host, port_text = rest, None
    if not host:
        raise ValueError(f"has an empty host in {shown(text)}")
    if port_text is not None:
        port = port_number(port_text)
    return (user or None), host, port


def port_number(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ValueError(f"must be a port number 1..65535, got {shown(value)}")
    return value


# --- the registry ---------------------------------------------------------------------

@setting("console_interval", "seconds between two samples of a host", default=2.0)
def _interval(value: Any) -> float:
    return positive_number(value, "seconds")


@setting("console_disk_interval",
         "seconds between two measurements of filesystem use (df): disks fill over "
         "minutes, and df is most of what the sampler costs a host; never more often "
         "than console_interval", default=10.0)
def _disk_interval(value: Any) -> float:
    return positive_number(value, "seconds")


@setting("console_jump",
         "bastion to reach the host through: an inventory host name or user@host:port "
         "(several hops separated by commas)")
def _jump(value: Any) -> str:
    text = plain_text(value, "an inventory host name or an ssh destination user@host:port")
    for hop in text.split(","):
        ssh_destination(hop)
    return text


@setting("console_tags", "free-form labels the fleet filter matches (e.g. [prod, eu-west])",
         default=())
def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError("must be a list of labels")
    return tuple(plain_text(tag, "a label") for tag in value)


@setting("console_notes_db", "path of the shared notes database (SQLite file), ~ expanded")
def _notes_db(value: Any) -> str:
    return os.path.expanduser(line_text(value, "a file path"))


@setting("console_read_only", "refuse every operation that changes a host", default=False)
def _read_only(value: Any) -> bool:
    return boolean(value)


def _named_commands(value: Any, what: str, item: str) -> Mapping[str, str | None]:
    """A list of names, or a mapping name -> text: normalised to one mapping shape."""
    if isinstance(value, list):
        names = [plain_text(name, item) for name in value]
        return MappingProxyType(dict.fromkeys(names))
    mapping = _str_mapping(value, what)
    return MappingProxyType({name: None if text is None else line_text(text, item)
                             for name, text in mapping.items()})


#: What a console_services entry of the third shape may hold: a command per action.
SERVICE_ACTIONS = ("status", "restart", "start", "stop")


@setting("console_services",
         "services the host view shows and operations act on: a list of systemd units; "
         "a mapping name -> shell command that exits 0 when the service is healthy (the "
         "unit is still restarted through systemctl); or a mapping name -> {status, "
         "restart, start, stop} commands for services that are not systemd units",
         default=EMPTY)
def _services(value: Any) -> Mapping[str, Any]:
    """Normalised to name -> None (`systemctl is-active NAME`), name -> health command,
    or name -> {action: command} (status required: it is how a restart is verified)."""
    if isinstance(value, list):
        return _named_commands(value, "", "a service name")
    mapping = _str_mapping(value, "a list of service names or a mapping name -> command")
    out: dict[str, Any] = {}
    for name, entry in mapping.items():
        if isinstance(entry, Mapping):
            unknown = [k for k in entry if k not in SERVICE_ACTIONS]
            if unknown:
                raise ValueError(f"{name}: unknown action {shown(unknown[0])}; expected "
                                 f"{', '.join(SERVICE_ACTIONS)}")
            if "status" not in entry:
                raise ValueError(f"{name}: needs a status command (it verifies a restart)")
            out[name] = MappingProxyType({action: line_text(command, f"{name}.{action}: "
                                                            "a shell command")
                                          for action, command in entry.items()})
        else:
            out[name] = None if entry is None else line_text(entry, "a shell command")
    return MappingProxyType(out)


def status_command(entry: Any) -> str | None:
    """The health command of one console_services entry (None: systemctl is-active)."""
    if isinstance(entry, Mapping):
        return str(entry["status"])
    return None if entry is None else str(entry)


@setting("console_runbooks",
         "named procedures (failover, restore): ordered check/run/verify steps, each with "
         "target hosts (a pattern), a command and a timeout, plus rollback steps; set on "
         "all", default=EMPTY)
def _runbooks(value: Any) -> Mapping[str, Any]:
    from console.runbook_spec import parse_runbooks

    return parse_runbooks(_str_mapping(value, "a mapping name -> runbook"))


def _merge_thresholds(outer: Any, inner: Any) -> Mapping[str, Any]:
    """Deeper wins per metric and per field (console.metrics.thresholds owns the rule)."""
    from console.metrics.thresholds import merge_thresholds

    return MappingProxyType(merge_thresholds(outer, inner))


def _check_host_thresholds(value: Any) -> None:
    """Levels valid one by one can still contradict once merged (a host's warn above
    the crit it inherits): caught at load time, not when the first alert fires."""
    from console.metrics.thresholds import thresholds_for_host

    thresholds_for_host({"console_thresholds": value})


@setting("console_thresholds",
         "warn/crit thresholds per metric (numbers or Nagios ranges); deeper levels win "
         "per metric and field", default=EMPTY, merge=_merge_thresholds,
         check_merged=_check_host_thresholds)
def _thresholds(value: Any) -> Mapping[str, Any]:
    # Imported here: `opsconsole check` and the loader stay light unless thresholds
    # are actually written in the inventory.
    from console.metrics.thresholds import validate_thresholds

    validate_thresholds(value)
    return MappingProxyType(dict(value or {}))


WATCH_MODES = ("always", "on_screen")
LOG_KINDS = ("path", "unit", "command")


@dataclass(frozen=True)
class LogSource:
    """One followed log of a host: a file (`tail -F`), a systemd unit (journalctl) or
    any command whose output is a log. `always` sources are followed from start-up so
    their error rate can alert; `on_screen` ones only while a view shows them."""

    name: str
    kind: str  # "path" | "unit" | "command"
    target: str  # the path, the unit or the command line
    watch: str = "on_screen"


def _log_source(name: str, value: Any) -> LogSource:
    if isinstance(value, str):
        return LogSource(name, "path", line_text(value, "a file path"))
    if not isinstance(value, Mapping):
        raise ValueError(f"{name}: must be a path or a mapping with one of path, unit or "
                         f"command, got {_type_name(value)}")
    unknown = sorted(str(k) for k in value if k not in (*LOG_KINDS, "watch"))
    if unknown:
        close = difflib.get_close_matches(unknown[0], [*LOG_KINDS, "watch"], n=1)
        hint = f"; did you mean {close[0]}?" if close else \
            "; known keys: path, unit, command, watch"
        raise ValueError(f"{name}.{unknown[0]}: unknown key{hint}")
    kinds = [k for k in LOG_KINDS if k in value]
    if len(kinds) != 1:
        found = " and ".join(kinds) if kinds else "none of them"
        raise ValueError(f"{name}: needs exactly one of path, unit or command, "
                         f"got {found}")
    kind = kinds[0]
    what = {"path": "a file path", "unit": "a systemd unit name",
            "command": "a shell command"}[kind]
    try:
        target = plain_text(value[kind], what) if kind == "unit" \
            else line_text(value[kind], what)
    except ValueError as exc:
        raise ValueError(f"{name}.{kind}: {exc}") from None
    watch = value.get("watch", "on_screen")
    if watch not in WATCH_MODES:
        raise ValueError(f"{name}.watch: must be always or on_screen, got {shown(watch)}")
    return LogSource(name, kind, target, watch)


@setting("console_logs",
         "logs the console can follow: a list of paths, or a mapping name -> path, or "
         "name -> {path | unit | command: ..., watch: always | on_screen}",
         default=EMPTY)
def _logs(value: Any) -> Mapping[str, LogSource]:
    """Normalised to name -> LogSource; a bare path in a list is its own name."""
    if isinstance(value, list):
        paths = [line_text(path, "a file path") for path in value]
        return MappingProxyType({path: LogSource(path, "path", path) for path in paths})
    mapping = _str_mapping(value, "a list of file paths or a mapping name -> source")
    return MappingProxyType({name: _log_source(name, source)
                             for name, source in mapping.items()})


@setting("console_log_buffer",
         "log lines kept in memory per followed source (the view scrolls back this far)",
         default=10_000)
def _log_buffer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 1_000_000:
        raise ValueError(f"must be a whole number of lines from 100 to 1000000, "
                         f"got {shown(value)}")
    return value


def _merge_checks(outer: Any, inner: Any) -> Mapping[str, Any]:
    """Deeper wins per check name: a group adds or replaces checks, never drops all."""
    return MappingProxyType({**(outer or {}), **(inner or {})})


@setting("console_checks",
         "Nagios-convention checks to run on the host: a mapping name -> {command: ...} or "
         "{preset: ..., parameters}, with interval (300 s) and timeout (30 s); deeper "
         "levels win per name", default=EMPTY, merge=_merge_checks)
def _checks(value: Any) -> Mapping[str, Any]:
    """Normalised to name -> CheckDef; a CheckError names the nested key it is about."""
    from console.checks.definition import parse_checks

    return parse_checks(_str_mapping(value, "a mapping name -> check"))
