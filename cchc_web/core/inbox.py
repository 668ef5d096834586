"""What waits for a person (the inbox on `/`, the counts in the menu, the e-mail digest).

Each domain package registers a provider with `@inbox_provider(order)`; a provider receives
the signed-in user and the local date and returns the items waiting for them in its domain.
The home page and the reminders command read every provider through `collect()`, so neither
imports the domains (and no domain imports another to list its work).

A provider runs a constant number of statements whatever the data (the home page is on the
benchmark's list), knows nothing of the request (it gives an endpoint and its arguments, the
page builds the link) and returns plain values (the list is cached per data version).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The sections of the inbox, in the order the menu counts them.
KINDS = {
    "report": "Báo cáo",
    "task": "Nhiệm vụ",
    "initiative": "Sáng kiến",
    "council": "Hội đồng",
    "decision": "Văn bản chờ ký",
    "par": "Chỉ số CCHC",
    "account": "Tài khoản",
}


@dataclass(frozen=True)
class InboxItem:
    """One thing to do: what, why (a return's reason), by when, and where it is done.

    `key` names the item across days ("report:12:month:2026-12-14"): the reminders command
    sends each key once a day at most."""

    key: str
    kind: str
    title: str
    action: str  # the link's text: "Lập báo cáo", "Ký", "Chấm điểm"
    endpoint: str
    args: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    due: date | None = None
    detail: str = ""
    # A reminder e-mail is worth sending only for a dated item; undated ones (a report to
    # accept) wait in the inbox.
    remind: bool = True

    def days_left(self, today: date) -> int | None:
        return None if self.due is None else (self.due - today).days

    def due_text(self, today: date) -> str:
        """ "Hạn 20/12/2026 (còn 15 ngày)", "Hạn hôm nay", "Quá hạn 3 ngày"."""
        left = self.days_left(today)
        if left is None:
            return ""
        if left < 0:
            return f"Quá hạn {-left} ngày (hạn {self.due:%d/%m/%Y})"
        if left == 0:
            return f"Hạn hôm nay ({self.due:%d/%m/%Y})"
        return f"Hạn {self.due:%d/%m/%Y} (còn {left} ngày)"

    def tone(self, today: date) -> str:
        left = self.days_left(today)
        if left is None:
            return "info"
        if left < 0:
            return "error"
        return "warning" if left <= 7 else "info"


# More waiting lines of one sort than this (the standing office's initiatives to accept in a
# busy week) become one line with the count, linking to the list where they are done.
LISTED = 5


@dataclass(frozen=True)
class Provider:
    order: int
    name: str
    collect: Callable[[Any, date], list[InboxItem]]


_PROVIDERS: dict[str, Provider] = {}


def inbox_provider(order: int) -> Callable:
    def register(func: Callable[[Any, date], list[InboxItem]]):
        name = f"{func.__module__}.{func.__name__}"
        _PROVIDERS[name] = Provider(order, name, func)
        return func

    return register


def providers() -> list[Provider]:
    return sorted(_PROVIDERS.values(), key=lambda p: p.order)


def urgency(item: InboxItem) -> tuple:
    """Dated items first, the earliest deadline (the most overdue) first; then the rest in
    the order of the sections."""
    kinds = list(KINDS)
    rank = kinds.index(item.kind) if item.kind in kinds else len(kinds)
    return (item.due is None, item.due or date.max, rank, item.title)


def collect(user: Any, today: date) -> list[InboxItem]:
    """Everything waiting for `user`, most urgent first."""
    items: list[InboxItem] = []
    for provider in providers():
        items.extend(provider.collect(user, today))
    return sorted(items, key=urgency)


def counts(items: list[InboxItem]) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in items:
        found[item.kind] = found.get(item.kind, 0) + 1
    return {kind: found[kind] for kind in KINDS if kind in found}


def waiting_for(user: Any, today: date) -> tuple[InboxItem, ...]:
    """`collect()` remembered per data version: every page shows the counts in its menu, and
    any write anywhere builds the list again on the next page."""
    from .cache import fragments

    return fragments.get_or_build(("inbox", user.id, today), lambda: tuple(collect(user, today)))


def counts_by_blueprint(items: tuple[InboxItem, ...] | list[InboxItem]) -> dict[str, int]:
    """How many items each menu entry (its blueprint) leads to."""
    found: dict[str, int] = {}
    for item in items:
        blueprint = item.endpoint.split(".", 1)[0]
        found[blueprint] = found.get(blueprint, 0) + 1
    return found
