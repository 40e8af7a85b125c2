"""Fleet events that carry the metrics layer's data (base events: console/events.py)."""

from __future__ import annotations

from dataclasses import dataclass

from console.metrics.sample import Sample


@dataclass(frozen=True, slots=True)
class SampleArrived:
    host: str
    sample: Sample
