"""The city level's reading of its communes (issue 20, item 3) and its PAR Index appraisal.

A city user's session acts for the city's own tenant (core/tenancy.py): every ORM statement is
scoped to the city's rows. What the city reads of its communes is read here, and only here,
with the execution option `tenancy.ALL_COMMUNES` AND an explicit filter on the communes whose
`parent_id` is the city (`_of_city`): SQLite has no row-level security, and on PostgreSQL the
read-only policy `city_reads` lets exactly those rows through as a second line of defence.

The dashboard's figures are one aggregate statement per metric, grouped by commune, whatever
the number of communes, tasks or updates (never a statement per commune, never the rows
themselves in Python: only one row per commune comes back).

Writing: the city writes only its own rows (`CityAppraisal`, commune_id = the city); nothing
here changes a commune's data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, or_, select, true
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..core import tenancy
from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import LOCAL_TZ, utcnow
from ..models import (
    CityAppraisal,
    Commune,
    IndexItem,
    IndexSet,
    Initiative,
    InitiativeState,
    Office,
    ScoringMethod,
    SelfScore,
    SetStatus,
    User,
)
from ..models.org import CommuneKind
from ..models.plans import (
    FIELDS,
    OfficeRole,
    Plan,
    PlanStatus,
    Task,
    TaskOffice,
    TaskStatus,
    TaskUpdate,
    UpdateKind,
    newest_progress_id,
)
from ..models.reports import Report, ReportKind, ReportStatus
from ..records import audit
from ..text import fold

ZERO = Decimal("0")
DEADLINE_DAY = 20  # monthly reports are due before the 20th (reports/periods.py)
COMMUNE_KINDS = (CommuneKind.XA, CommuneKind.PHUONG, CommuneKind.DAC_KHU)


def across(stmt):
    """`stmt` reads every commune's rows (the caller filters on the city's communes)."""
    return stmt.execution_options(**{tenancy.ALL_COMMUNES: True})


def city_commune_ids(city_id: int):
    """SQL: the ids of the communes whose parent is the city."""
    return select(Commune.id).where(Commune.parent_id == city_id).scalar_subquery()


def communes_of(city_id: int) -> list[Commune]:
    return list(
        db.session.scalars(
            select(Commune).where(Commune.parent_id == city_id).order_by(Commune.name)
        )
    )


def commune_of_city(city_id: int, commune_id: int) -> Commune | None:
    """The commune, if it is one of the city's (else None: the page answers 404)."""
    found = db.session.get(Commune, commune_id)
    if found is None or found.parent_id != city_id or found.is_city:
        return None
    return found


# -- the dashboard's figures -----------------------------------------------------------------
@dataclass
class CommuneFigures:
    """One commune's line of the city dashboard."""

    commune: Commune
    tasks: int = 0
    done: int = 0
    late: int = 0
    overdue: int = 0
    progress: float = 0.0  # mean progress % of the tasks of active plans
    reports_due: int = 0  # monthly reports due so far this year (offices × months with a plan)
    reports_on_time: int = 0
    reports_late: int = 0
    par_set_id: int | None = None
    par_status: str | None = None
    par_leaves: int = 0
    par_scored: int = 0
    par_max: Decimal = ZERO
    par_self: Decimal = ZERO
    par_city: Decimal = ZERO  # the city's score where appraised, else the self-score
    par_appraised: int = 0
    nominated: int = 0

    @property
    def done_percent(self) -> float:
        return 100 * self.done / self.tasks if self.tasks else 0.0

    @property
    def compliance_percent(self) -> float | None:
        return 100 * self.reports_on_time / self.reports_due if self.reports_due else None

    @property
    def reports_missing(self) -> int:
        return max(self.reports_due - self.reports_on_time - self.reports_late, 0)

    @property
    def par_appraisal_left(self) -> int:
        return max(self.par_scored - self.par_appraised, 0)


def _newest_progress(with_progress: bool = True):
    """Each task's newest progress update (the lead office's: it alone sets the status), as a
    selectable joined to `Task` with its `status`, `progress` and `catchup_deadline`.

    PostgreSQL: a LATERAL subquery, one backward scan of the index (task_id, kind, id) per
    task; a join on `id = (SELECT max(id) …)` made the planner hash the whole table of
    updates (3.5 s at 1,000,000 updates against 0.2 s). SQLite has no LATERAL: the same
    correlated max(id), on the small data of one machine."""
    if db.session.get_bind().dialect.name == "postgresql":
        newest = (
            select(TaskUpdate.status, TaskUpdate.progress, TaskUpdate.catchup_deadline)
            .where(TaskUpdate.task_id == Task.id, TaskUpdate.kind == UpdateKind.PROGRESS)
            .order_by(TaskUpdate.id.desc())
            .limit(1)
            .correlate(Task)
            .lateral("newest")
        )
        return newest, true()
    newest = aliased(TaskUpdate)
    return newest, newest.id == newest_progress_id(Task.id).correlate(Task)


def _task_counts(newest, today: date, with_progress: bool = True) -> tuple:
    """total, done, late, overdue (late past its catch-up deadline), mean progress."""
    progress = func.avg(func.coalesce(newest.progress, 0)) if with_progress else literal(0)
    return (
        func.count(Task.id),
        func.sum(case((newest.status == TaskStatus.DONE, 1), else_=0)),
        func.sum(case((newest.status == TaskStatus.LATE, 1), else_=0)),
        func.sum(
            case(
                (and_(newest.status == TaskStatus.LATE, newest.catchup_deadline < today), 1),
                else_=0,
            )
        ),
        progress,
    )


def plan_progress(city_id: int, today: date) -> dict[int, dict]:
    """Per commune, the tasks of its active plans: total, done, late, overdue (late whose
    catch-up deadline has passed) and mean progress, from each task's newest progress update
    (the lead office's). One statement. (The mean progress is the commune page's.)"""
    newest, on = _newest_progress(with_progress=False)
    columns = newest.c if hasattr(newest, "c") else newest
    rows = db.session.execute(
        across(
            select(Plan.commune_id, *_task_counts(columns, today, with_progress=False))
            .join(Task, Task.plan_id == Plan.id)
            .outerjoin(newest, on)
            .where(
                Plan.commune_id.in_(city_commune_ids(city_id)),
                Plan.status == PlanStatus.ACTIVE,
            )
            .group_by(Plan.commune_id)
        )
    ).all()
    return {
        commune: {
            "tasks": total or 0,
            "done": int(done or 0),
            "late": int(late or 0),
            "overdue": int(overdue or 0),
            "progress": float(progress or 0),
        }
        for commune, total, done, late, overdue, progress in rows
    }


def due_deadlines(year: int, today: date) -> list[date]:
    """The deadlines (the 20th) of the monthly reports of `year` that have come by `today`."""
    return [
        date(year, month, DEADLINE_DAY)
        for month in range(1, 13)
        if date(year, month, DEADLINE_DAY) <= today
    ]


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


def _month_window(deadline: date) -> tuple[date, date]:
    """The days a monthly period covers (15th of the month before → 14th of the month)."""
    year, month = (
        (deadline.year - 1, 12) if deadline.month == 1 else (deadline.year, deadline.month - 1)
    )
    return date(year, month, 15), date(deadline.year, deadline.month, 14)


def report_compliance(city_id: int, year: int, today: date) -> dict[int, dict]:
    """Per commune, the monthly reports due so far in `year`: how many were due (each active
    office, each month that a reportable plan of the commune covers), submitted before the
    20th, submitted late. Three statements (offices, plans' spans, reports), each grouped by
    commune."""
    deadlines = due_deadlines(year, today)
    if not deadlines:
        return {}
    communes = city_commune_ids(city_id)
    offices = dict(
        db.session.execute(
            across(
                select(Office.commune_id, func.count(Office.id))
                .where(Office.commune_id.in_(communes), Office.active)
                .group_by(Office.commune_id)
            )
        ).all()
    )
    spans = {
        commune: (start, end)
        for commune, start, end in db.session.execute(
            across(
                select(Plan.commune_id, func.min(Plan.period_start), func.max(Plan.period_end))
                .where(Plan.commune_id.in_(communes), Plan.reportable())
                .group_by(Plan.commune_id)
            )
        ).all()
    }
    on_time = or_(
        *(
            and_(Report.deadline == day, Report.submitted_at < _local_midnight_utc(day))
            for day in deadlines
        )
    )
    reports = {
        commune: (int(timely or 0), int(late or 0))
        for commune, timely, late in db.session.execute(
            across(
                select(
                    Report.commune_id,
                    func.sum(case((on_time, 1), else_=0)),
                    func.sum(case((on_time, 0), else_=1)),
                )
                .where(
                    Report.commune_id.in_(communes),
                    Report.kind == ReportKind.MONTH,
                    Report.office_id.is_not(None),
                    Report.status != ReportStatus.DRAFT,
                    Report.deadline.in_(deadlines),
                )
                .group_by(Report.commune_id)
            )
        ).all()
    }
    found: dict[int, dict] = {}
    for commune in set(offices) | set(reports):
        start, end = spans.get(commune, (None, None))
        months = (
            sum(
                1
                for day in deadlines
                if _month_window(day)[0] <= end and _month_window(day)[1] >= start
            )
            if start and end
            else 0
        )
        timely, late = reports.get(commune, (0, 0))
        found[commune] = {
            "reports_due": offices.get(commune, 0) * months,
            "reports_on_time": timely,
            "reports_late": late,
        }
    return found


def _leaf_condition(item=IndexItem):
    child = aliased(IndexItem)
    return ~select(child.id).where(child.parent_id == item.id).exists()


def par_years(city_id: int) -> list[int]:
    """The years of the communes' PAR Index sets, newest first."""
    return list(
        db.session.scalars(
            across(
                select(IndexSet.year)
                .where(IndexSet.commune_id.in_(city_commune_ids(city_id)))
                .distinct()
                .order_by(IndexSet.year.desc())
            )
        )
    )


def par_figures(city_id: int, year: int) -> dict[int, dict]:
    """Per commune, its set of `year`: self-assessed leaves, scored, the maximum, the
    self-score total, the city's total (appraised where the city appraised, else the
    self-score) and how many leaves the city has appraised. One statement."""
    rows = db.session.execute(
        across(
            select(
                IndexSet.commune_id,
                IndexSet.id,
                IndexSet.status,
                func.count(IndexItem.id),
                func.count(SelfScore.id),
                func.sum(IndexItem.max_points),
                func.sum(SelfScore.score),
                func.sum(func.coalesce(CityAppraisal.score, SelfScore.score)),
                func.count(CityAppraisal.id),
            )
            .join(IndexItem, IndexItem.set_id == IndexSet.id)
            .outerjoin(SelfScore, SelfScore.item_id == IndexItem.id)
            .outerjoin(
                CityAppraisal,
                and_(
                    CityAppraisal.item_id == IndexItem.id,
                    CityAppraisal.commune_id == city_id,
                ),
            )
            .where(
                IndexSet.commune_id.in_(city_commune_ids(city_id)),
                IndexSet.year == year,
                IndexItem.method == ScoringMethod.SELF,
                _leaf_condition(),
            )
            .group_by(IndexSet.commune_id, IndexSet.id, IndexSet.status)
        )
    ).all()
    return {
        row[0]: {
            "par_set_id": row[1],
            "par_status": str(row[2]),
            "par_leaves": row[3],
            "par_scored": row[4],
            "par_max": Decimal(row[5] or 0),
            "par_self": Decimal(row[6] or 0),
            "par_city": Decimal(row[7] or 0),
            "par_appraised": row[8],
        }
        for row in rows
    }


def nominations(city_id: int) -> dict[int, int]:
    """Per commune, its initiatives nominated to the city (Tờ trình đề nghị công nhận)."""
    return dict(
        db.session.execute(
            across(
                select(Initiative.commune_id, func.count(Initiative.id))
                .where(
                    Initiative.commune_id.in_(city_commune_ids(city_id)),
                    Initiative.state == InitiativeState.NOMINATED,
                )
                .group_by(Initiative.commune_id)
            )
        ).all()
    )


def figures(city_id: int, today: date, par_year: int | None) -> dict[int, dict]:
    """Every metric of every commune as plain values, by commune id (a handful of
    statements in all, each grouped by commune)."""
    found: dict[int, dict] = {}
    sources = [plan_progress(city_id, today), report_compliance(city_id, today.year, today)]
    if par_year is not None:
        sources.append(par_figures(city_id, par_year))
    sources.append({c: {"nominated": n} for c, n in nominations(city_id).items()})
    for source in sources:
        for commune, values in source.items():
            found.setdefault(commune, {}).update(values)
    return found


def dashboard(city_id: int, today: date, par_year: int | None) -> list[CommuneFigures]:
    """Every commune of the city with its figures. The figures are the same for every city
    user until the next write anywhere: remembered per data version (core/cache.py), so a
    second look costs one statement (the communes)."""
    from ..core.cache import fragments

    values = fragments.get_or_build(
        ("city-dashboard", city_id, today, par_year),
        lambda: figures(city_id, today, par_year),
    )
    lines = []
    for commune in communes_of(city_id):
        line = CommuneFigures(commune)
        for name, value in values.get(commune.id, {}).items():
            setattr(line, name, value)
        lines.append(line)
    return lines


# -- filtering and sorting (on the one line per commune) --------------------------------------
SORTS: dict[str, tuple[str, object]] = {
    # key: (column heading, value of a line; None sorts last)
    "name": ("Tên", lambda f: fold(f.commune.name)),
    "kind": ("Loại", lambda f: f.commune.kind),
    "tasks": ("Nhiệm vụ", lambda f: f.tasks),
    "done": ("Hoàn thành", lambda f: f.done_percent),
    "overdue": ("Quá hạn khắc phục", lambda f: f.overdue),
    "reports": ("Báo cáo đúng hạn", lambda f: f.compliance_percent),
    "self": ("Tự chấm", lambda f: f.par_self if f.par_set_id else None),
    "city": ("Thẩm định", lambda f: f.par_city if f.par_set_id else None),
    "nominated": ("Sáng kiến đề nghị", lambda f: f.nominated),
}


def sort_key(value: str | None) -> tuple[str, bool]:
    """ "-done" → ("done", descending); an unknown column sorts by name."""
    value = (value or "name").strip()
    descending = value.startswith("-")
    key = value.lstrip("-")
    if key not in SORTS:
        return "name", False
    return key, descending


def filtered(
    lines: Iterable[CommuneFigures], kind: str | None, query: str | None
) -> list[CommuneFigures]:
    wanted = fold(query or "").strip()
    kinds = {k.value for k in COMMUNE_KINDS}
    return [
        line
        for line in lines
        if (not kind or kind not in kinds or line.commune.kind == kind)
        and (not wanted or wanted in fold(line.commune.name))
    ]


def sorted_lines(lines: list[CommuneFigures], key: str, descending: bool) -> list[CommuneFigures]:
    value = SORTS[key][1]
    by_name = sorted(lines, key=lambda f: fold(f.commune.name))
    present = [f for f in by_name if value(f) is not None]
    missing = [f for f in by_name if value(f) is None]
    return sorted(present, key=value, reverse=descending) + missing


# -- one commune ------------------------------------------------------------------------------
@dataclass
class Group:
    key: str
    label: str
    tasks: int = 0
    done: int = 0
    late: int = 0
    overdue: int = 0
    progress: float = 0.0

    @property
    def done_percent(self) -> float:
        return 100 * self.done / self.tasks if self.tasks else 0.0


def _task_groups(commune_id: int, today: date, by):
    newest, on = _newest_progress()
    columns = newest.c if hasattr(newest, "c") else newest
    return (
        select(*by, *_task_counts(columns, today))
        .select_from(Plan)
        .join(Task, Task.plan_id == Plan.id)
        .outerjoin(newest, on)
        .where(Plan.commune_id == commune_id, Plan.status == PlanStatus.ACTIVE)
    )


def _group(key: str, label: str, values) -> Group:
    total, done, late, overdue, progress = values
    return Group(
        key,
        label,
        total or 0,
        int(done or 0),
        int(late or 0),
        int(overdue or 0),
        float(progress or 0),
    )


def progress_by_field(commune_id: int, today: date) -> list[Group]:
    stmt = _task_groups(commune_id, today, (Task.field,)).group_by(Task.field)
    rows = {row[0]: row[1:] for row in db.session.execute(across(stmt))}
    return [_group(code, label, rows[code]) for code, label in FIELDS.items() if code in rows]


def progress_by_office(commune_id: int, today: date) -> list[Group]:
    """Per lead office (a task with several leads counts for each)."""
    stmt = (
        _task_groups(commune_id, today, (Office.code, Office.name, Office.sort_order))
        .join(TaskOffice, and_(TaskOffice.task_id == Task.id, TaskOffice.role == OfficeRole.LEAD))
        .join(Office, Office.id == TaskOffice.office_id)
        .group_by(Office.code, Office.name, Office.sort_order)
        .order_by(Office.sort_order, Office.code)
    )
    return [_group(row[0], row[1], row[3:]) for row in db.session.execute(across(stmt))]


def active_plans(commune_id: int) -> list[Plan]:
    return list(
        db.session.scalars(
            across(
                select(Plan)
                .where(Plan.commune_id == commune_id, Plan.status == PlanStatus.ACTIVE)
                .order_by(Plan.period_start)
            )
        )
    )


def reports_of_year(commune_id: int, year: int) -> list[Report]:
    """The commune's reports whose period ends in `year` (drafts left out: not submitted)."""
    return list(
        db.session.scalars(
            across(
                select(Report)
                .where(
                    Report.commune_id == commune_id,
                    Report.period_end >= date(year, 1, 1),
                    Report.period_end <= date(year, 12, 31),
                )
                .order_by(Report.period_end.desc(), Report.kind, Report.office_id)
            )
        )
    )


def offices_of(commune_id: int) -> list[Office]:
    return list(
        db.session.scalars(
            across(
                select(Office)
                .where(Office.commune_id == commune_id, Office.active)
                .order_by(Office.sort_order, Office.code)
            )
        )
    )


def nominated_initiatives(commune_id: int) -> list[Initiative]:
    return list(
        db.session.scalars(
            across(
                select(Initiative)
                .where(
                    Initiative.commune_id == commune_id,
                    Initiative.state == InitiativeState.NOMINATED,
                )
                .options(joinedload(Initiative.office), selectinload(Initiative.authors))
                .order_by(Initiative.id.desc())
            )
        )
    )


def par_sets(commune_id: int) -> list[IndexSet]:
    return list(
        db.session.scalars(
            across(
                select(IndexSet)
                .where(IndexSet.commune_id == commune_id, IndexSet.status != SetStatus.DRAFT)
                .order_by(IndexSet.year.desc())
            )
        )
    )


def load_par_set(commune_id: int, year: int) -> IndexSet | None:
    """The commune's set of `year` with its tree, self-scores and evidence (a few statements)."""
    items = selectinload(IndexSet.items)
    return db.session.scalar(
        across(
            select(IndexSet)
            .where(IndexSet.commune_id == commune_id, IndexSet.year == year)
            .options(
                items.selectinload(IndexItem.children),
                items.joinedload(IndexItem.office),
                items.selectinload(IndexItem.self_score).options(
                    selectinload(SelfScore.evidence),
                    selectinload(SelfScore.appraisal),
                ),
            )
        )
    )


def city_appraisals(city_id: int, set_id: int) -> dict[int, CityAppraisal]:
    """The city's appraisals of a set, by item id (the city's own rows)."""
    return {
        a.item_id: a
        for a in db.session.scalars(
            select(CityAppraisal)
            .where(CityAppraisal.commune_id == city_id, CityAppraisal.set_id == set_id)
            .options(joinedload(CityAppraisal.appraised_by))
        )
    }


@dataclass
class ParLine:
    """A self-assessed leaf of the commune's set as the city reads it."""

    item: IndexItem
    self_score: SelfScore | None
    appraisal: CityAppraisal | None

    @property
    def stale(self) -> bool:
        """The commune changed its self-score after the city appraised it."""
        return (
            self.appraisal is not None
            and self.self_score is not None
            and self.appraisal.self_score_value != self.self_score.score
        )

    @property
    def effective(self) -> Decimal | None:
        if self.appraisal is not None:
            return self.appraisal.score
        return self.self_score.score if self.self_score is not None else None


@dataclass
class ParTotals:
    leaves: int = 0
    scored: int = 0
    appraised: int = 0
    max_points: Decimal = ZERO
    self_total: Decimal = ZERO
    city_total: Decimal = ZERO  # appraised where appraised, else the self-score
    fields: list[tuple[IndexItem, Decimal, Decimal, Decimal]] = field(default_factory=list)

    @property
    def left(self) -> int:
        return self.scored - self.appraised


def par_lines(index_set: IndexSet, appraisals: dict[int, CityAppraisal]) -> list[ParLine]:
    return [
        ParLine(item, item.self_score, appraisals.get(item.id))
        for item in index_set.items
        if item.is_leaf and not item.is_survey
    ]


def par_totals(index_set: IndexSet, lines: list[ParLine]) -> ParTotals:
    """The self-assessed part's totals, overall and per field (lĩnh vực)."""
    totals = ParTotals()
    by_field: dict[int, list[ParLine]] = {}
    for line in lines:
        by_field.setdefault(line.item.field.id, []).append(line)
        totals.leaves += 1
        totals.max_points += line.item.max_points
        if line.self_score is not None:
            totals.scored += 1
            totals.self_total += line.self_score.score
            totals.appraised += line.appraisal is not None
        totals.city_total += line.effective or ZERO
    for item in index_set.fields:
        if item.is_survey or item.id not in by_field:
            continue
        group = by_field[item.id]
        totals.fields.append(
            (
                item,
                item.max_points,
                sum((g.self_score.score for g in group if g.self_score), ZERO),
                sum((g.effective or ZERO for g in group), ZERO),
            )
        )
    return totals


# -- the city's appraisal ---------------------------------------------------------------------
def item_of_city(city_id: int, item_id: int) -> IndexItem | None:
    """A leaf of one of the city's communes' sets, or None (another city's, unknown)."""
    return db.session.scalar(
        across(
            select(IndexItem)
            .join(IndexSet, IndexSet.id == IndexItem.set_id)
            .where(IndexItem.id == item_id, IndexSet.commune_id.in_(city_commune_ids(city_id)))
            .options(joinedload(IndexItem.index_set), selectinload(IndexItem.self_score))
        )
    )


def check_can_appraise(actor: User, city: Commune) -> None:
    if not (actor.at_city_level and actor.commune_id == city.id and actor.is_secretariat):
        raise DomainError("Chỉ Sở Nội vụ (Thường trực CCHC của thành phố) được thẩm định điểm.")


def appraise(
    city: Commune,
    item: IndexItem,
    actor: User,
    *,
    accepted: bool,
    adjusted_score: Decimal | None = None,
    reason: str = "",
) -> CityAppraisal:
    """The city's score of a commune's self-scored leaf: the self-score accepted, or another
    one (0..the item's maximum) with a reason. A row of the city's tenant, audit-logged."""
    check_can_appraise(actor, city)
    index_set = item.index_set
    commune = db.session.get(Commune, index_set.commune_id)
    if commune is None or commune.parent_id != city.id:
        raise DomainError("Tiêu chí này không thuộc xã, phường của thành phố.")
    if not item.is_leaf or item.is_survey:
        raise DomainError("Chỉ thẩm định các tiêu chí tự đánh giá.")
    if index_set.status == SetStatus.DRAFT:
        raise DomainError("Bộ chỉ số của xã, phường chưa mở tự chấm điểm.")
    self_score = item.self_score
    if self_score is None:
        raise DomainError(f"Tiêu chí {item.code} chưa có điểm tự chấm để thẩm định.")
    reason = (reason or "").strip()
    if accepted:
        value = self_score.score
    else:
        if adjusted_score is None:
            raise DomainError("Hãy nhập điểm thẩm định.", field="adjusted_score")
        if not ZERO <= adjusted_score <= item.max_points:
            maximum = f"{item.max_points:f}".rstrip("0").rstrip(".").replace(".", ",")
            raise DomainError(
                f"Điểm thẩm định phải từ 0 đến {maximum} (điểm tối đa của tiêu chí {item.code}).",
                field="adjusted_score",
            )
        if adjusted_score != adjusted_score.quantize(Decimal("0.01")):
            raise DomainError(
                "Điểm thẩm định có tối đa 2 chữ số thập phân (ví dụ 1,25).",
                field="adjusted_score",
            )
        if not reason:
            raise DomainError("Hãy nêu lý do điều chỉnh điểm.", field="reason")
        value = adjusted_score
    appraisal = db.session.scalar(
        select(CityAppraisal).where(
            CityAppraisal.commune_id == city.id, CityAppraisal.item_id == item.id
        )
    )
    before = (
        {"accepted": appraisal.accepted, "score": appraisal.score, "reason": appraisal.reason}
        if appraisal
        else None
    )
    if appraisal is None:
        appraisal = CityAppraisal(
            commune_id=city.id,
            subject_commune_id=commune.id,
            set_id=index_set.id,
            item_id=item.id,
        )
        db.session.add(appraisal)
    appraisal.self_score_id = self_score.id
    appraisal.self_score_value = self_score.score
    appraisal.accepted = accepted
    appraisal.score = value
    appraisal.reason = "" if accepted else reason
    appraisal.appraised_by = actor
    appraisal.appraised_at = utcnow()
    db.session.flush()
    audit.record(
        "city.par_appraisal.save",
        appraisal,
        before=before,
        after={
            "commune": commune.name,
            "year": index_set.year,
            "item": item.code,
            "self_score": self_score.score,
            "accepted": accepted,
            "score": value,
            "reason": appraisal.reason,
        },
        actor=actor,
    )
    return appraisal


def appraisal_work(city_id: int) -> list[tuple[int, str, int, int, int]]:
    """(commune id, commune name, year, set id, self-scores the city has not appraised yet)
    of every commune's newest opened set: the Sở Nội vụ's inbox. One statement."""
    newest = (
        select(func.max(IndexSet.year))
        .where(
            IndexSet.commune_id == Commune.id,
            IndexSet.status != SetStatus.DRAFT,
        )
        .correlate(Commune)
        .scalar_subquery()
    )
    rows = db.session.execute(
        across(
            select(
                Commune.id,
                Commune.name,
                IndexSet.year,
                IndexSet.id,
                func.count(SelfScore.id),
            )
            .join(IndexSet, and_(IndexSet.commune_id == Commune.id, IndexSet.year == newest))
            .join(IndexItem, IndexItem.set_id == IndexSet.id)
            .join(SelfScore, SelfScore.item_id == IndexItem.id)
            .outerjoin(
                CityAppraisal,
                and_(CityAppraisal.item_id == IndexItem.id, CityAppraisal.commune_id == city_id),
            )
            .where(
                Commune.parent_id == city_id,
                IndexItem.method == ScoringMethod.SELF,
                CityAppraisal.id.is_(None),
            )
            .group_by(Commune.id, Commune.name, IndexSet.year, IndexSet.id)
            .order_by(Commune.name)
        )
    ).all()
    return [tuple(row) for row in rows]
