"""Demo data: the foundation's seeder plus one registered by each domain.

`flask seed-demo` runs the seeders in `order`; each must be idempotent (a second run changes
nothing), because the command may be run again on the same database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from . import tenancy
from .extensions import db

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
    """Register a seeder. It tells Xã Chí Minh's story: it runs for the first commune
    (core/tenancy.py), and a seeder of another commune says so itself (`acting_for`)."""

    def register(func: Callable[[], None]) -> Callable[[], None]:
        @functools.wraps(func)
        def run_for_the_first_commune() -> None:
            session = db.session()
            with tenancy.acting_for(session, tenancy.first_commune(session)):
                func()

        key = f"{func.__module__}.{func.__name__}"
        _SEEDERS[key] = DemoSeeder(order, func.__name__, run_for_the_first_commune)
        return func

    return register


def seeders() -> list[DemoSeeder]:
    return sorted(_SEEDERS.values(), key=lambda s: s.order)
