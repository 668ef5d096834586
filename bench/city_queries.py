"""The aggregate queries a city dashboard needs across its communes (issue 20, item 6), timed on
the city data set as the application runs them: a session acting for the city tenant (so
PostgreSQL's row-level security applies its ``city_reads`` policy), each statement with
`ALL_COMMUNES` and an explicit ``commune_id IN (communes whose parent is the city)``.

One statement per figure, grouped by commune, whatever the number of communes:

- plan progress: the tasks of each commune's active plans, done / total by each task's newest
  progress update (the application's rule, `newest_progress_id`), and the overdue ones (newest
  update late with its catch-up deadline passed: the commune dashboard's rule);
- report compliance: the commune's own monthly reports (no office) of the year whose deadline
  has passed, how many were submitted, how many on time (before the deadline day, local time:
  `Report.is_late`);
- PAR Index: each commune's set of a year, its self-score total, its appraised total and its
  leaves scored;
- nominated initiatives: how many each commune nominated to the city, per round year.

These are suggestions for the dashboard's author (bench/city.py times them; the README and
/work/notes say what they cost and which indexes they use).
"""

from __future__ import annotations

import statistics
import time
from datetime import date

from sqlalchemy import case, func, select, true

from cchc_web.core import tenancy
from cchc_web.core.extensions import db
from cchc_web.models import Commune, Initiative, Plan, Report, Task, TaskUpdate
from cchc_web.models.initiatives import Round
from cchc_web.models.par_index import Appraisal, IndexItem, IndexSet, SelfScore

ALL = {tenancy.ALL_COMMUNES: True}
LOCAL_TZ = "Asia/Ho_Chi_Minh"


def communes_of(city_id: int):
    return select(Commune.id).where(Commune.parent_id == city_id).scalar_subquery()


def plan_progress(city_id: int, today: date):
    """Per commune: its active plans' tasks, done, and overdue (the newest progress update late
    and its catch-up deadline passed). The newest update is read per task by a LATERAL
    subquery (ORDER BY id DESC LIMIT 1), one entry of ix_task_updates_newest_progress each."""
    newest = (
        select(TaskUpdate.status, TaskUpdate.catchup_deadline)
        .where(TaskUpdate.task_id == Task.id, TaskUpdate.kind == "progress")
        .order_by(TaskUpdate.id.desc())
        .limit(1)
        .correlate(Task)
        .lateral("newest")
    )
    return (
        select(
            Plan.commune_id,
            func.count(Task.id).label("tasks"),
            func.count(Task.id).filter(newest.c.status == "done").label("done"),
            func.count(Task.id)
            .filter(newest.c.status == "late", newest.c.catchup_deadline < today)
            .label("overdue"),
        )
        .join(Task, Task.plan_id == Plan.id)
        .outerjoin(newest, true())
        .where(Plan.status == "active", Plan.commune_id.in_(communes_of(city_id)))
        .group_by(Plan.commune_id)
    )


def report_compliance(city_id: int, today: date):
    submitted_day = func.date(func.timezone(LOCAL_TZ, Report.submitted_at))
    return (
        select(
            Report.commune_id,
            func.count(Report.id).label("due"),
            func.count(Report.submitted_at).label("submitted"),
            func.count(Report.id).filter(submitted_day < Report.deadline).label("on_time"),
        )
        .where(
            Report.commune_id.in_(communes_of(city_id)),
            Report.office_id.is_(None),
            Report.kind == "month",
            Report.period_end >= date(today.year, 1, 1),
            Report.deadline < today,
        )
        .group_by(Report.commune_id)
    )


def par_totals(city_id: int, year: int):
    columns = [
        IndexSet.commune_id,
        func.sum(SelfScore.score).label("self_total"),
        func.count(SelfScore.id).label("scored"),
        func.count(IndexItem.id).filter(IndexItem.office_id.is_not(None)).label("leaves"),
    ]
    appraised = func.sum(case((Appraisal.id.is_not(None), Appraisal.score), else_=SelfScore.score))
    stmt = (
        select(
            *columns,
            appraised.label("appraised_total"),
            func.count(Appraisal.id).label("appraised"),
        )
        .select_from(IndexSet)
        .join(IndexItem, IndexItem.set_id == IndexSet.id)
        .outerjoin(SelfScore, SelfScore.item_id == IndexItem.id)
        .outerjoin(Appraisal, Appraisal.self_score_id == SelfScore.id)
    )
    return stmt.where(
        IndexSet.year == year, IndexSet.commune_id.in_(communes_of(city_id))
    ).group_by(IndexSet.commune_id)


def nominated(city_id: int):
    return (
        select(Initiative.commune_id, Round.year, func.count(Initiative.id).label("nominated"))
        .join(Round, Round.id == Initiative.round_id)
        .where(
            Initiative.state == "nominated",
            Initiative.commune_id.in_(communes_of(city_id)),
        )
        .group_by(Initiative.commune_id, Round.year)
    )


def queries(city_id: int, today: date) -> dict:
    return {
        "plan_progress": plan_progress(city_id, today),
        "report_compliance": report_compliance(city_id, today),
        "par_totals_last_year": par_totals(city_id, today.year - 1),
        "par_totals_this_year": par_totals(city_id, today.year),
        "nominated_initiatives": nominated(city_id),
    }


def _p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return round(samples[max(int(len(samples) * 0.95) - 1, 0)], 2)


def measure(app, city_id: int, requests: int = 60) -> dict:
    """Each query `requests` times in a session acting for the city; p50/p95 and row count."""
    today = date.today()
    results = {}
    with app.app_context():
        session = db.session()
        for name, stmt in queries(city_id, today).items():
            samples, rows = [], []
            for k in range(requests + 3):
                session.rollback()
                tenancy.enter(session, city_id)
                started = time.perf_counter()
                rows = session.execute(stmt, execution_options=ALL).all()
                if k >= 3:
                    samples.append((time.perf_counter() - started) * 1000)
            results[name] = {
                "p50_ms": round(statistics.median(samples), 2),
                "p95_ms": _p95(samples),
                "rows": len(rows),
                "sql": str(stmt.compile(dialect=db.engine.dialect)).replace("\n", " "),
            }
        session.rollback()
        tenancy.enter(session, None)
    return results


def explain(app, city_id: int) -> dict:
    """EXPLAIN ANALYZE of each query in a session acting for the city (for the notes)."""
    from sqlalchemy.dialects import postgresql

    today = date.today()
    plans = {}
    with app.app_context():
        session = db.session()
        for name, stmt in queries(city_id, today).items():
            session.rollback()
            tenancy.enter(session, city_id)
            sql = stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
            plans[name] = "\n".join(
                r[0] for r in session.execute(db.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}"))
            )
        session.rollback()
        tenancy.enter(session, None)
    return plans
