"""One answer per receipt code, enforced by the database under contention (issue 19): many
answers at once, each in its own thread, app context and database session (as many requests
would be), on SQLite and on PostgreSQL. The linked objective ends with every answer counted."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models.plans import ObjectiveValue
from cchc_web.models.sipas import Receipt, SurveyResponse
from cchc_web.plans import services as plans
from cchc_web.sipas import objectives, results
from cchc_web.sipas import services as sipas

from . import factories
from .factories import answers_for

pytestmark = pytest.mark.usefixtures("commune")
THREADS = 20


def _race(app, jobs: list, work) -> tuple[list, list]:
    """Run `work(job)` for every job at once; (results, DomainError messages)."""
    start = threading.Barrier(len(jobs))
    stored, refused, failures = [], [], []

    def run(job) -> None:
        with app.app_context():
            try:
                start.wait(timeout=30)
                stored.append(work(job))
                db.session.commit()
            except DomainError as err:
                db.session.rollback()
                refused.append(err.message)
            except BaseException as err:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                failures.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    return stored, refused


def _submit(version_id: int, ratings: dict, receipt_id: int, nonce: str) -> int:
    receipt = db.session.get(Receipt, receipt_id)
    response = sipas.submit_response(
        sipas.Submission(version_id=version_id, ratings=ratings, nonce=nonce), receipt=receipt
    )
    return response.id


def test_distinct_codes_at_once_are_all_stored_and_counted(app):
    version = factories.sipas_setup()
    today = local_today()
    plan = factories.make_plan(
        period_start=date(today.year, today.month, 1) - timedelta(days=31),
        period_end=today + timedelta(days=31),
    )
    objective = plans.create_objective(
        plan,
        plans.ObjectiveData("MT3", "Mức độ hài lòng", ">=", Decimal(90), "%",
                            factories.office("HCC").id),
    )  # fmt: skip
    secretary = factories.make_user(roles=("staff", "secretariat"), office="VHXH")
    objectives.link_objective(objective, "overall", [], secretary)
    receipts = [factories.make_receipt(f"BN-{n:04d}").id for n in range(THREADS)]
    ratings = answers_for(version, 5, 3)
    version_id = version.id
    db.session.close()
    stored, refused = _race(
        app, receipts, lambda rid: _submit(version_id, ratings, rid, f"nonce-distinct-{rid:08d}")
    )
    assert len(stored) == THREADS and refused == []
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == THREADS
    assert (
        db.session.scalar(select(func.count(func.distinct(SurveyResponse.receipt_id)))) == THREADS
    )
    month = today.replace(day=1)
    value = db.session.scalar(select(ObjectiveValue.value).where(ObjectiveValue.month == month))
    assert value == results.measure(month).value == Decimal("50.00")
    assert results.measure(month).responses == THREADS


def test_the_same_code_at_once_is_stored_exactly_once(app):
    version = factories.sipas_setup()
    receipt_id = factories.make_receipt("BN-9999").id
    ratings = answers_for(version, 4)
    version_id = version.id
    db.session.close()
    stored, refused = _race(
        app,
        list(range(THREADS)),
        lambda n: _submit(version_id, ratings, receipt_id, f"nonce-same-code-{n:08d}"),
    )
    assert len(stored) == 1
    assert refused == [sipas.USED_MESSAGE] * (THREADS - 1)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1
