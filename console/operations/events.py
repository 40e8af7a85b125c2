"""What operations tell the rest of the console, on the bus: a screen subscribes on
mount to show progress, and the timeline already has the audited result."""

from __future__ import annotations

from dataclasses import dataclass

from console.operations.fanout import HostResult


@dataclass(frozen=True)
class OperationProgress:
    """One host finished (or a runbook step began): counts for a progress line."""

    op_id: str
    title: str
    step: str
    done: int
    failed: int
    pending: int
    result: HostResult | None = None


@dataclass(frozen=True)
class OperationFinished:
    op_id: str
    kind: str
    title: str
    outcome: str  # ok | failed | refused | dry run
    summary: str
