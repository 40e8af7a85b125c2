"""Reconnect delays: exponential, capped, jittered.

Jitter matters: when a network blip drops 300 hosts at once, identical delays would
bring all 300 handshakes back in the same instant and trip sshd's MaxStartups.
"""

from __future__ import annotations

import random

BASE_S = 1.0
CAP_S = 60.0


def reconnect_delay(attempt: int, *, base: float = BASE_S, cap: float = CAP_S,
                    rng: random.Random | None = None) -> float:
    """Delay before attempt number `attempt` (1 = first retry)."""
    rng = rng or random
    raw = min(cap, base * (2 ** max(0, attempt - 1)))
    return raw * rng.uniform(0.8, 1.2)
