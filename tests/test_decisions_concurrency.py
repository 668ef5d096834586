"""Numbering under contention: 20 approvals at once, each in its own thread, app context
and database session (as 20 requests would be), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from cchc_web.core.extensions import db
from cchc_web.decisions import services
from cchc_web.models import Decision, DecisionCounter, User

from . import factories
from .decisions_support import pki  # noqa: F401

pytestmark = pytest.mark.usefixtures("commune", "pki")
APPROVALS = 20


def test_twenty_concurrent_approvals_get_twenty_consecutive_numbers(app):
    secretariat = factories.make_user(roles=("staff", "secretariat"), office="VHXH")
    chairman_id = factories.make_signer(("chairman",)).id
    ids = [factories.make_decision(secretariat, rows=2).id for _ in range(APPROVALS)]
    db.session.close()
    start = threading.Barrier(APPROVALS)
    failures: list[BaseException] = []

    def approve(decision_id: int) -> None:
        with app.app_context():
            try:
                # Wait before touching the pool: 20 sessions holding connections would
                # exhaust it before the race even starts.
                start.wait(timeout=30)
                decision = db.session.get(Decision, decision_id)
                chairman = db.session.get(User, chairman_id)
                services.approve(decision, chairman)
                db.session.commit()
            except BaseException as err:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                failures.append(err)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    numbers = db.session.scalars(select(Decision.number).order_by(Decision.number)).all()
    assert numbers == list(range(1, APPROVALS + 1))
    counter = db.session.scalars(select(DecisionCounter)).one()
    assert counter.last_number == APPROVALS
