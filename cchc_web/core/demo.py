"""Demo data: the foundation's seeder plus one registered by each domain.

`flask seed-demo` runs the seeders in `order`; each must be idempotent (a second run changes
nothing), because the command may be run again on the same database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

DEMO_PASSWORD = "Demo@2025"  # noqa: S105 - published in the README for the demo accounts
# The demo's story begins here (local time): the accounts and the certificates exist from
# then on, before the 2025 plan (seed 001) and the 2025 round of initiatives (seed 000).
STORY_START = datetime(2025, 6, 16, 8, 0)


@dataclass(frozen=True)
class DemoSeeder:
    order: int
    name: str
    run: Callable[[], None]


_SEEDERS: dict[str, DemoSeeder] = {}


def demo_seeder(order: int) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(func: Callable[[], None]) -> Callable[[], None]:
        _SEEDERS[f"{func.__module__}.{func.__name__}"] = DemoSeeder(order, func.__name__, func)
        return func

    return register


def seeders() -> list[DemoSeeder]:
    return sorted(_SEEDERS.values(), key=lambda s: s.order)
