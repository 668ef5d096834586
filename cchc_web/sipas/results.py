"""Satisfaction figures: the share of ratings 4–5 ("hài lòng", "rất hài lòng") per aspect,
procedure field, month and counter, with the number of responses and a 95 % confidence
interval (Wilson), and the share that feeds a linked objective.

How it is counted (shown on the results page too):
- every rating given counts once; a skipped optional question does not count;
- a response excluded by a correction does not count; a response moved to another procedure
  field by a correction counts under that field (the newest correction decides);
- the interval takes the number of *responses* as the sample size, not the number of
  ratings: one person's ratings are not independent, so this is the cautious choice;
- fewer than `SMALL_SAMPLE` responses: too few to judge, the page says so.

The objective's monthly value and the results page's month read the same rows
(`_rated_items`), so they agree to the last decimal.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from ..core.extensions import db
from ..models.sipas import (
    CHANNEL_LABELS,
    SATISFIED_FROM,
    Channel,
    ProcedureField,
    ServiceCounter,
    SurveyAnswer,
    SurveyAspect,
    SurveyCorrection,
    SurveyQuestion,
    SurveyResponse,
    SurveyVersion,
)

SMALL_SAMPLE = 30  # responses: below this a share is shown with a warning
Z_95 = 1.959963984540054


def wilson(share: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion `share` (0–1) observed on `n` units."""
    if n <= 0:
        return 0.0, 1.0
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def percent(ratio: float) -> Decimal:
    """0.876543 → 87.65: how a share is stored as an objective's value (Numeric(12, 2))."""
    return (Decimal(str(ratio)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Stat:
    """What one group of answers says."""

    label: str
    key: object = None
    ratings: int = 0
    satisfied: int = 0
    response_ids: set[int] = field(default_factory=set)

    @property
    def responses(self) -> int:
        return len(self.response_ids)

    @property
    def share(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None

    @property
    def percent(self) -> Decimal | None:
        return percent(self.share) if self.share is not None else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson(self.share, self.responses) if self.share is not None else None

    @property
    def interval_percent(self) -> tuple[Decimal, Decimal] | None:
        found = self.interval
        return (percent(found[0]), percent(found[1])) if found else None

    @property
    def small(self) -> bool:
        return self.responses < SMALL_SAMPLE

    def add(self, response_id: int, ratings: int, satisfied: int) -> None:
        self.ratings += ratings
        self.satisfied += satisfied
        self.response_ids.add(response_id)


@dataclass(frozen=True)
class Filters:
    """Which answers: months [first, last] (first days), a procedure field, a counter."""

    first: date | None = None
    last: date | None = None
    field_id: int | None = None
    counter_id: int | None = None


@dataclass
class Results:
    filters: Filters
    overall: Stat
    by_aspect: list[Stat]
    by_field: list[Stat]
    by_month: list[Stat]
    by_counter: list[Stat]
    by_channel: list[Stat]

    @property
    def empty(self) -> bool:
        return self.overall.ratings == 0


def _rated_items():
    """One row per rating, with the response's effective field (after its newest correction),
    its counter, month and channel, the question's aspect code and whether it satisfies;
    excluded responses are left out."""
    newest = (
        select(
            SurveyCorrection.response_id.label("response_id"),
            func.max(SurveyCorrection.id).label("id"),
        )
        .group_by(SurveyCorrection.response_id)
        .subquery()
    )
    correction = aliased(SurveyCorrection)
    field_id = case(
        (correction.id.is_(None), SurveyResponse.procedure_field_id),
        else_=correction.procedure_field_id,
    )
    satisfied = case((SurveyAnswer.value >= SATISFIED_FROM, 1), else_=0)
    return (
        select(
            SurveyResponse.id.label("response_id"),
            field_id.label("field_id"),
            SurveyResponse.counter_id.label("counter_id"),
            SurveyResponse.month.label("month"),
            SurveyResponse.channel.label("channel"),
            SurveyAspect.code.label("aspect"),
            satisfied.label("satisfied"),
        )
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .join(SurveyAspect, SurveyAspect.id == SurveyQuestion.aspect_id)
        .outerjoin(newest, newest.c.response_id == SurveyResponse.id)
        .outerjoin(correction, correction.id == newest.c.id)
        .where(correction.excluded.is_not(True))
    ), field_id


def _filtered(filters: Filters):
    stmt, field_id = _rated_items()
    if filters.first is not None:
        stmt = stmt.where(SurveyResponse.month >= filters.first)
    if filters.last is not None:
        stmt = stmt.where(SurveyResponse.month <= filters.last)
    if filters.field_id is not None:
        stmt = stmt.where(field_id == filters.field_id)
    if filters.counter_id is not None:
        stmt = stmt.where(SurveyResponse.counter_id == filters.counter_id)
    return stmt


def month_label(month: date) -> str:
    return f"{month.month:02d}/{month.year}"


def compute(filters: Filters) -> Results:
    """Every figure of the results page, from one query grouped per response and aspect."""
    items = _filtered(filters).subquery()
    rows = db.session.execute(
        select(
            items.c.response_id,
            items.c.field_id,
            items.c.counter_id,
            items.c.month,
            items.c.channel,
            items.c.aspect,
            func.count(),
            func.sum(items.c.satisfied),
        ).group_by(
            items.c.response_id,
            items.c.field_id,
            items.c.counter_id,
            items.c.month,
            items.c.channel,
            items.c.aspect,
        )
    ).all()
    aspect_titles = _aspect_titles()
    fields = {f.id: f for f in db.session.scalars(select(ProcedureField))}
    counters = {c.id: c for c in db.session.scalars(select(ServiceCounter))}
    overall = Stat("Chung")
    groups: dict[str, dict[object, Stat]] = defaultdict(dict)

    def stat(dimension: str, key: object, label: str) -> Stat:
        found = groups[dimension].get(key)
        if found is None:
            found = groups[dimension][key] = Stat(label, key)
        return found

    for response_id, field_id, counter_id, month, channel, aspect, count, satisfied in rows:
        satisfied = int(satisfied or 0)
        overall.add(response_id, count, satisfied)
        stat("aspect", aspect, aspect_titles.get(aspect, aspect)).add(response_id, count, satisfied)
        field_name = fields[field_id].name if field_id in fields else "Không rõ lĩnh vực"
        stat("field", field_id, field_name).add(response_id, count, satisfied)
        stat("month", month, month_label(month)).add(response_id, count, satisfied)
        counter_name = counters[counter_id].name if counter_id in counters else "Không rõ quầy"
        stat("counter", counter_id, counter_name).add(response_id, count, satisfied)
        stat("channel", channel, CHANNEL_LABELS[Channel(channel)]).add(
            response_id, count, satisfied
        )
    aspect_order = list(aspect_titles)
    return Results(
        filters=filters,
        overall=overall,
        by_aspect=sorted(
            groups["aspect"].values(),
            key=lambda s: aspect_order.index(s.key) if s.key in aspect_order else 99,
        ),
        by_field=sorted(
            groups["field"].values(),
            key=lambda s: (fields[s.key].sort_order, s.label) if s.key in fields else (999, ""),
        ),
        by_month=sorted(groups["month"].values(), key=lambda s: s.key),
        by_counter=sorted(
            groups["counter"].values(),
            key=lambda s: (counters[s.key].sort_order, s.label) if s.key in counters else (999, ""),
        ),
        by_channel=sorted(groups["channel"].values(), key=lambda s: s.key),
    )


def _aspect_titles() -> dict[str, str]:
    """Aspect code → title, in the order and wording of the newest version that has it."""
    titles: dict[str, str] = {}
    for code, title in db.session.execute(
        select(SurveyAspect.code, SurveyAspect.title)
        .join(SurveyVersion, SurveyVersion.id == SurveyAspect.version_id)
        .order_by(SurveyVersion.number.desc(), SurveyAspect.position)
    ):
        titles.setdefault(code, title)
    return titles


@dataclass(frozen=True)
class Measure:
    """The share of satisfied ratings of a month (for an objective), with its sample."""

    ratings: int
    satisfied: int
    responses: int

    @property
    def value(self) -> Decimal | None:
        return percent(self.satisfied / self.ratings) if self.ratings else None


def measure(month: date, field_ids: Sequence[int] | None = None) -> Measure:
    """The month's share over every answer (`field_ids` None) or those of some fields."""
    items = _filtered(Filters(first=month, last=month)).subquery()
    stmt = select(
        func.count(), func.sum(items.c.satisfied), func.count(func.distinct(items.c.response_id))
    )
    if field_ids is not None:
        stmt = stmt.where(items.c.field_id.in_(list(field_ids) or [-1]))
    ratings, satisfied, responses = db.session.execute(stmt).one()
    return Measure(int(ratings or 0), int(satisfied or 0), int(responses or 0))


def months_between(first: date, last: date) -> Iterable[date]:
    month = first.replace(day=1)
    while month <= last:
        yield month
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
