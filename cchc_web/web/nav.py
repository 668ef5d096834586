"""The navigation menu, assembled from what each blueprint registers.

A blueprint package calls `nav_item(...)` at import time; `base.html` shows the items whose
endpoint exists and whose `visible(user)` allows it, so the menu shows what the role may do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import current_app, request, url_for


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    order: int
    visible: Callable[[Any], bool]
    url_kwargs: Callable[[Any], dict] | None = None
    # A commune's own work (plans, reports, office workspaces, SIPAS, its PAR self-assessment):
    # not shown to the city level's users, who read the communes through the city's pages.
    commune_only: bool = False

    def url(self, user: Any) -> str:
        return url_for(self.endpoint, **(self.url_kwargs(user) if self.url_kwargs else {}))

    def is_current(self) -> bool:
        """Its own page, or another page of its blueprint that no other item names; when a
        blueprint has several items, such pages belong to the first of them."""
        if request.endpoint == self.endpoint:
            return True
        blueprint = self.endpoint.split(".", 1)[0]
        if request.blueprint != blueprint or request.endpoint in _ITEMS:
            return False
        siblings = [i for i in _ITEMS.values() if i.endpoint.split(".", 1)[0] == blueprint]
        return min(siblings, key=lambda i: i.order) is self


_ITEMS: dict[str, NavItem] = {}


def nav_item(
    label: str,
    endpoint: str,
    *,
    order: int,
    visible: Callable[[Any], bool] = lambda user: True,
    url_kwargs: Callable[[Any], dict] | None = None,
    commune_only: bool = False,
) -> None:
    _ITEMS[endpoint] = NavItem(label, endpoint, order, visible, url_kwargs, commune_only)


def at_city_level(user: Any) -> bool:
    """`user.at_city_level` without a statement of its own on most pages: every page asks it
    (the menu, the city's guard), and the user's commune is not always loaded (the header's
    name is cached). Remembered per data version, like the header."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "commune_id", None) is None:
        return False
    if "commune" in vars(user):  # loaded already: no statement
        return bool(user.at_city_level)
    from ..core.cache import fragments

    return fragments.get_or_build(
        ("at-city-level", user.commune_id), lambda: bool(user.at_city_level)
    )


def items_for(user: Any) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    city = at_city_level(user)
    return [
        item
        for item in sorted(_ITEMS.values(), key=lambda i: i.order)
        if item.endpoint in current_app.view_functions
        and not (city and item.commune_only)
        and item.visible(user)
    ]


def task_url(task: Any) -> str:
    """A task's page, under its (first) lead office's workspace (a template global: a task
    appears on many blueprints' pages, its page is the offices' one)."""
    leads = task.lead_offices
    code = (leads[0] if leads else task.office_links[0].office).code.lower()
    return url_for("offices.task", code=code, task_id=task.id)


_MARK = 987_654_321_000  # a number no URL of the application contains by itself
_SEGMENT_SAFE = "!$&'()*+,/:;=@"  # what werkzeug's converters leave unquoted


def url_pattern(endpoint: str, *names: str, **fixed: Any) -> Callable[..., str]:
    """`url_for` once per list instead of once per row (a template global): the URL is built
    with a numeric marker for each of `names`, then each row's values take their places.
    `task_href = url_pattern("offices.task", "task_id", code="kt")`, then
    `task_href(task_id=t.id)` gives what `url_for("offices.task", code="kt", task_id=t.id)`
    would."""
    marks = {name: str(_MARK + n) for n, name in enumerate(names)}
    built = url_for(endpoint, **fixed, **{name: int(mark) for name, mark in marks.items()})
    pieces: list[tuple[str, str | None]] = []  # (literal text, name of the value after it)
    rest = built
    while True:
        found = [(rest.find(mark), name) for name, mark in marks.items() if mark in rest]
        if not found:
            pieces.append((rest, None))
            break
        at, name = min(found)
        pieces.append((rest[:at], name))
        rest = rest[at + len(marks[name]) :]

    def build(**values: Any) -> str:
        return "".join(
            text + (quote(str(values[name]), safe=_SEGMENT_SAFE) if name else "")
            for text, name in pieces
        )

    return build
