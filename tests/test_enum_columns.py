"""One enum-column style (models/columns.py): members in Python, values in the database, the
CHECK constraint refusing anything else, a filter with an unknown value finding nothing."""

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from cchc_web.core.extensions import db
from cchc_web.models import Council, Decision, IndexSet, Initiative, Report
from cchc_web.models.plans import Plan, PlanStatus, Task, TaskUpdate

from . import factories

ENUM_COLUMNS = [
    (Plan, "status"),
    (Task, "timing"),
    (TaskUpdate, "status"),
    (TaskUpdate, "kind"),
    (Report, "status"),
    (Initiative, "state"),
    (Council, "state"),
    (Decision, "state"),
    (Decision, "kind"),
    (IndexSet, "status"),
]


@pytest.mark.parametrize(("model", "name"), ENUM_COLUMNS)
def test_every_state_column_is_declared_the_same_way(model, name):
    column = inspect(model).columns[name]
    assert column.type.native_enum is False and column.type.enum_class is not None
    assert not hasattr(model, "status_enum")


def test_a_loaded_state_is_a_member_and_the_database_holds_its_value(commune):
    plan = factories.make_plan(title="Kế hoạch thử", status="draft")
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(Plan, plan.id)
    assert loaded.status is PlanStatus.DRAFT and loaded.status == "draft"
    stored = db.session.scalar(text("SELECT status FROM plans WHERE id = :id"), {"id": plan.id})
    assert stored == "draft" and type(stored) is str
    assert db.session.scalars(select(Plan).where(Plan.status == "bogus")).all() == []


def test_the_check_constraint_refuses_an_unknown_value(commune):
    plan = factories.make_plan(title="Kế hoạch thử")
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE plans SET status = 'bogus' WHERE id = :id"), {"id": plan.id}
        )
        db.session.flush()
    db.session.rollback()
