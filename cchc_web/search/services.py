"""The global search: a few of the best results of each kind, with their total.

Each kind asks its own domain for what the user may list (the same select as that list's
page, so nobody finds here what they could not open there) narrowed by the folded key
(models/search.py): two statements a kind (the ranked ids with their count, then the rows
shown), whatever the data's size.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from ..admin import services as admin_services
from ..core.extensions import db
from ..decisions import services as decision_services
from ..initiatives import services as initiative_services
from ..models import Decision, IndexItem, Initiative, Plan, Report, Task, User
from ..models.search import searched
from ..par_index import services as par_services
from ..reports import services as report_services
from ..text import Query

PER_KIND = 5
COUNT_UP_TO = 100


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    visible: Callable[[User], bool]
    select: Callable[[User, Query], Select]


@dataclass(frozen=True)
class Group:
    kind: Kind
    items: list
    total: int
    # More than COUNT_UP_TO found: counting them all would read every matching row for a
    # number nobody reads ("hơn 100" says as much); the kind's own page counts them.
    more_than: bool = False


def _tasks(user: User, query: Query) -> Select:
    """Tasks of the plans the user may list (a plan's page shows every task of it)."""
    stmt = (
        select(Task)
        .join(Plan)
        # What a result shows: its plan and offices, not its progress.
        .options(contains_eager(Task.plan), lazyload(Task.newest_update))
        .where(Plan.visible_to(user))
        .order_by(Task.id.desc())
    )
    return searched(stmt, Task, query)


KINDS: list[Kind] = [
    Kind("tasks", "Nhiệm vụ", lambda u: True, _tasks),
    Kind(
        "initiatives",
        "Sáng kiến",
        lambda u: u.sees_all_offices or u.office_id is not None,
        lambda u, q: initiative_services.visible_initiatives(
            u, None, query=q, with_authors=False
        ).options(joinedload(Initiative.round)),
    ),
    Kind(
        "decisions",
        "Quyết định",
        lambda u: True,
        lambda u, q: decision_services.visible_decisions(u, "", q),
    ),
    Kind(
        "reports",
        "Báo cáo",
        lambda u: u.sees_all_offices or u.office_id is not None,
        lambda u, q: report_services.visible_reports(u, None, q),
    ),
    Kind(
        "par_items",
        "Tiêu chí Chỉ số CCHC",
        lambda u: u.sees_all_offices or u.office_id is not None,
        lambda u, q: par_services.visible_items(u, q).options(joinedload(IndexItem.index_set)),
    ),
    Kind(
        "users",
        "Người dùng",
        lambda u: u.is_admin,
        lambda u, q: admin_services.search_users(q),
    ),
]
MODELS = {
    "tasks": Task,
    "initiatives": Initiative,
    "decisions": Decision,
    "reports": Report,
    "par_items": IndexItem,
    "users": User,
}


def search_everything(user: User, query: Query, *, per_kind: int = PER_KIND) -> list[Group]:
    """The groups with results, in the order of KINDS; nothing for an empty or refused query."""
    if not query.terms:
        return []
    groups = []
    for kind in KINDS:
        if not kind.visible(user):
            continue
        stmt = kind.select(user, query)
        model = MODELS[kind.key]
        # The best ids first, ranked on the id alone (a sort of narrow rows), up to one more
        # than are counted: their number is the total (or "more than"), the first few are
        # shown; then those few rows. Two statements a kind, the count in the first.
        ranked = db.session.scalars(stmt.with_only_columns(model.id).limit(COUNT_UP_TO + 1)).all()
        if not ranked:
            continue
        ids = ranked[:per_kind]
        found = {row.id: row for row in db.session.scalars(stmt.where(model.id.in_(ids))).unique()}
        items = [found[i] for i in ids if i in found]
        total = len(ranked)
        groups.append(Group(kind, items, total, total > COUNT_UP_TO))
    return groups
