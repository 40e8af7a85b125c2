"""`console_checks` entries -> `CheckDef`: one definition per check name and host.

    console_checks:
      db-backup: {preset: backup_age, glob: "/var/backups/db-*.dump", warn_hours: 26}
      raid:      {command: /usr/lib/nagios/plugins/check_raid, interval: 300, timeout: 30}

Every mistake raises `CheckError`, a ValueError that carries the key path inside the
setting (`db-backup`, `preset`), so the inventory loader can name the exact line.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from console.checks.params import flag, path_text, plain_text, seconds, shown, text
from console.checks.presets import PRESETS, Preset
from console.checks.remote import remote_command

DEFAULT_INTERVAL_S = 300.0
DEFAULT_TIMEOUT_S = 30.0
#: Keys every check may have, whatever it runs.
COMMON_KEYS = ("command", "preset", "interval", "timeout", "path", "become")


class CheckError(ValueError):
    """A bad check definition; `path` is the key path below `console_checks`."""

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class CheckDef:
    name: str
    command: str | None = None
    preset: str | None = None
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    interval: float = DEFAULT_INTERVAL_S
    timeout: float = DEFAULT_TIMEOUT_S
    path: str | None = None  # directories put before PATH (e.g. /usr/lib/nagios/plugins)
    become: bool = False  # run through `sudo -n`

    @property
    def kind(self) -> str:
        return self.preset or "command"

    @property
    def preset_def(self) -> Preset | None:
        return PRESETS.get(self.preset) if self.preset else None

    def script(self) -> str:
        if self.command is not None:
            return self.command
        preset = self.preset_def
        assert preset is not None
        return preset.script(self.params)

    def remote_command(self) -> str:
        return remote_command(self.script(), self.timeout, self.path, self.become)


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else f"; expected one of {', '.join(choices)}"


def parse_check(name: str, body: Any) -> CheckDef:
    """One entry; CheckError(message, path) when bad."""
    try:
        plain_text(name, "a check name")
    except ValueError as exc:
        raise CheckError(str(exc), (str(name),)) from None
    if isinstance(body, str):  # `raid: /usr/lib/nagios/plugins/check_raid`
        body = {"command": body}
    if not isinstance(body, Mapping):
        raise CheckError(f"must be a mapping with command or preset, got {shown(body)}",
                         (name,))
    has_command, has_preset = "command" in body, "preset" in body
    if has_command == has_preset:
        raise CheckError("needs exactly one of command or preset" if has_command else
                         f"needs a command or a preset ({', '.join(PRESETS)})", (name,))

    def field_of(key: str, parse: Any, default: Any) -> Any:
        if key not in body:
            return default
        try:
            return parse(body[key])
        except ValueError as exc:
            raise CheckError(str(exc), (name, key)) from None

    common = dict(
        interval=field_of("interval", seconds, DEFAULT_INTERVAL_S),
        timeout=field_of("timeout", seconds, DEFAULT_TIMEOUT_S),
        path=field_of("path", path_text, None),
        become=field_of("become", flag, False),
    )
    if has_command:
        command = field_of("command", text, None)
        extra = [k for k in body if k not in COMMON_KEYS]
        if extra:
            raise CheckError(f"unknown key {shown(extra[0])} for a command check"
                             + _suggest(str(extra[0]), list(COMMON_KEYS)), (name, str(extra[0])))
        return CheckDef(name, command=command, **common)
    preset_name = body["preset"]
    if not isinstance(preset_name, str) or preset_name not in PRESETS:
        raise CheckError(f"unknown preset {shown(preset_name)}"
                         + _suggest(str(preset_name), list(PRESETS)), (name, "preset"))
    preset = PRESETS[preset_name]
    params: dict[str, Any] = {}
    for key, raw in body.items():
        if key in COMMON_KEYS:
            continue
        param = preset.param(str(key))
        if param is None:
            known = [p.name for p in preset.params] + list(COMMON_KEYS[2:])
            raise CheckError(f"unknown parameter {shown(key)} for preset {preset_name}"
                             + _suggest(str(key), known), (name, str(key)))
        try:
            params[key] = param.check(raw)
        except ValueError as exc:
            raise CheckError(str(exc), (name, str(key))) from None
    for param in preset.params:
        if param.name not in params:
            if param.required:
                raise CheckError(f"preset {preset_name} needs the parameter {param.name}"
                                 + (f" ({param.doc})" if param.doc else ""), (name,))
            params[param.name] = param.default
    _cross_check(name, preset_name, params)
    return CheckDef(name, preset=preset_name, params=MappingProxyType(params), **common)


def _cross_check(name: str, preset: str, params: Mapping[str, Any]) -> None:
    """Rules between parameters of one preset."""
    if preset == "cert_expiry":
        if (params.get("file") is None) == (params.get("endpoint") is None):
            raise CheckError("preset cert_expiry needs exactly one of file or endpoint "
                             "(host:port)", (name,))
        endpoint = params.get("endpoint")
        if endpoint is not None:
            host, colon, port = str(endpoint).rpartition(":")
            if not colon or not host or not port.isdigit():
                raise CheckError(f"must be host:port, got {shown(endpoint)}",
                                 (name, "endpoint"))
        warn_key, crit_key = "warn_days", "crit_days"
    elif preset == "backup_age":
        warn_key, crit_key = "warn_hours", "crit_hours"
    elif preset == "clock_skew":
        warn_key, crit_key = "warn_seconds", "crit_seconds"
    else:
        return
    warn, crit = params[warn_key], params[crit_key]
    # Days left count down (warn above crit); ages and skews count up (warn below crit).
    wrong = warn < crit if preset == "cert_expiry" else warn > crit
    if wrong:
        raise CheckError(f"{warn_key} {warn:g} and {crit_key} {crit:g} are the wrong way "
                         "round", (name, warn_key))


def parse_checks(value: Any) -> Mapping[str, CheckDef]:
    """The whole `console_checks` mapping at one inventory level."""
    if not isinstance(value, Mapping):
        raise CheckError(f"must be a mapping name -> check, got {shown(value)}")
    return MappingProxyType({str(name): parse_check(name, body)
                             for name, body in value.items()})


def checks_of(host_vars: Mapping[str, Any]) -> Mapping[str, CheckDef]:
    """A host's effective checks (levels already merged by the inventory loader)."""
    value = host_vars.get("console_checks")
    return value if isinstance(value, Mapping) else MappingProxyType({})
