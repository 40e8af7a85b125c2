"""`console_runbooks` as written in the inventory -> frozen, checked runbooks.

A runbook is the team's standard procedure (fail over, restore from backup) written
once, reviewed like code, and run the same way by whoever is on call. Checked when the
inventory loads, so a typo in a step is an error on the line that has it, not a
surprise at 3 a.m. Host patterns are resolved when the runbook runs (they depend on the
whole inventory); everything else is checked here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

STEP_KINDS = ("check", "run", "verify")
ROLLBACK = "rollback"
DEFAULT_STEP_TIMEOUT_S = 60.0
_STEP_KEYS = ("kind", "hosts", "run", "timeout")
_RUNBOOK_KEYS = ("description", "steps", "rollback")


@dataclass(frozen=True)
class RunbookStep:
    kind: str  # check | run | verify | rollback
    hosts: str  # an Ansible host pattern
    run: str  # the shell command, exactly as written
    timeout: float = DEFAULT_STEP_TIMEOUT_S


@dataclass(frozen=True)
class Runbook:
    name: str
    description: str
    steps: tuple[RunbookStep, ...]
    rollback: tuple[RunbookStep, ...] = ()


def _text(value: Any, what: str) -> str:
    from console.settings import line_text

    return line_text(value, what)


def _step(value: Any, where: str, *, rollback: bool) -> RunbookStep:
    from console.settings import positive_number, shown

    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: a step is a mapping {{kind, hosts, run, timeout}}, "
                         f"got {shown(value)}")
    unknown = [k for k in value if k not in _STEP_KEYS]
    if unknown:
        raise ValueError(f"{where}: unknown step key {shown(unknown[0])}; expected "
                         f"{', '.join(_STEP_KEYS)}")
    for key in ("hosts", "run"):
        if key not in value:
            raise ValueError(f"{where}: missing {key!r}")
    if rollback:
        if value.get("kind", ROLLBACK) != ROLLBACK:
            raise ValueError(f"{where}: rollback steps have no kind (got "
                             f"{shown(value['kind'])})")
        kind = ROLLBACK
    else:
        kind = value.get("kind", "run")
        if kind not in STEP_KINDS:
            raise ValueError(f"{where}: kind must be one of {', '.join(STEP_KINDS)}, "
                             f"got {shown(kind)}")
    timeout = positive_number(value.get("timeout", DEFAULT_STEP_TIMEOUT_S), "seconds")
    return RunbookStep(kind, _text(value["hosts"], f"{where}: hosts: a host pattern"),
                       _text(value["run"], f"{where}: run: a shell command"), timeout)


def _steps(value: Any, where: str, *, rollback: bool) -> tuple[RunbookStep, ...]:
    if value is None and rollback:
        return ()
    if not isinstance(value, list) or (not value and not rollback):
        raise ValueError(f"{where}: must be a list of steps")
    return tuple(_step(item, f"{where}[{i}]", rollback=rollback)
                 for i, item in enumerate(value))


def parse_runbook(name: str, value: Any) -> Runbook:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name}: a runbook is a mapping with description, steps and "
                         "rollback")
    unknown = [k for k in value if k not in _RUNBOOK_KEYS]
    if unknown:
        raise ValueError(f"{name}: unknown key {unknown[0]!r}; expected "
                         f"{', '.join(_RUNBOOK_KEYS)}")
    description = value.get("description") or ""
    if description:
        description = _text(description, f"{name}: description: text")
    return Runbook(name, description,
                   _steps(value.get("steps"), f"{name}.steps", rollback=False),
                   _steps(value.get("rollback"), f"{name}.rollback", rollback=True))


def parse_runbooks(value: Mapping[str, Any]) -> Mapping[str, Runbook]:
    return MappingProxyType({name: parse_runbook(name, spec) for name, spec in value.items()})
