"""The dashboard cache: keyed by the data version that every writing commit replaces."""

from datetime import date

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from cchc_web.admin import services as org
from cchc_web.core import cache
from cchc_web.core.extensions import db
from cchc_web.models import Commune, DataVersion, Office
from cchc_web.models.plans import TaskStatus, TaskUpdate
from cchc_web.plans import services as plans

from . import factories


def version() -> str | None:
    row = db.session.get(DataVersion, 1, populate_existing=True)
    return row.token if row else None


def test_a_writing_commit_replaces_the_version_and_a_read_does_not(commune):
    db.session.expire_all()
    before = version()
    assert before is not None  # ensure_commune wrote, so the emptied table has its row again
    db.session.commit()  # nothing written
    assert version() == before
    factories.make_plan()
    db.session.commit()
    after = version()
    assert after not in (None, before)
    db.session.rollback()
    assert version() == after


def test_the_cache_builds_once_per_version_and_never_without_one(commune):
    built = []
    fragments = cache.FragmentCache(max_entries=2)

    def build():
        built.append(1)
        return len(built)

    assert fragments.get_or_build("k", build) == 1
    assert fragments.get_or_build("k", build) == 1
    factories.make_plan(title="Kế hoạch khác")
    db.session.commit()
    db.session().info.clear()  # a new request: a new session, nothing read yet
    assert fragments.get_or_build("k", build) == 2
    db.session.execute(db.delete(DataVersion))  # as an emptied database has no row
    db.session().info.clear()
    assert cache.current_version() is None
    assert fragments.get_or_build("k", build) == 3
    assert fragments.get_or_build("k", build) == 4  # no version: nothing is cached
    db.session.rollback()


def test_a_flush_that_changes_nothing_keeps_the_version(commune):
    office = org.office_by_code("KT")
    before = version()
    office.name = str(office.name)  # the same value
    db.session.commit()
    assert version() == before
    office.name = "Phòng Kinh tế (mới)"
    db.session.commit()
    assert version() != before


@pytest.mark.parametrize(
    "statement",
    [
        lambda: update(Office).where(Office.code == "KT").values(name="Phòng Kinh tế xã"),
        lambda: update(Office.__table__).where(Office.code == "KT").values(name="Kinh tế"),
        lambda: insert(Office).values(
            commune_id=select(func.min(Commune.id)).scalar_subquery(),
            code="TT",
            name="Tổ thử",
            is_specialised=False,
            sort_order=99,
        ),
        lambda: delete(Office).where(Office.code == "QS"),
        lambda: text("UPDATE offices SET name = 'Kinh tế' WHERE code = 'KT'"),
        lambda: text("  delete from offices where code = 'QS'"),
    ],
    ids=["orm-update", "core-update", "insert", "delete", "text-update", "text-delete"],
)
def test_every_statement_that_writes_through_the_session_replaces_the_version(commune, statement):
    db.session.expire_all()
    before = version()
    db.session.execute(statement())
    db.session.commit()
    assert version() not in (None, before)


def test_reading_statements_keep_the_version(commune):
    db.session.expire_all()
    before = version()
    db.session.execute(select(Office.name))
    db.session.execute(text("SELECT name FROM offices"))
    db.session.commit()
    assert version() == before


def test_what_a_connection_writes_outside_the_session_is_told_with_note_write(commune):
    before = version()
    db.session.connection().execute(text("UPDATE offices SET name = 'Kinh tế' WHERE code = 'KT'"))
    cache.note_write(db.session)
    db.session.commit()
    assert version() != before


def test_the_dashboard_shows_a_new_update_at_once(client, login_as, commune):
    plan = factories.make_plan()
    task = factories.make_task(plan, code="1.1", lead="KT")
    db.session.commit()
    login_as("secretariat", office="VHXH")
    first = client.get(f"/dashboard/?plan={plan.id}").get_data(as_text=True)
    assert client.get(f"/dashboard/?plan={plan.id}").get_data(as_text=True) == first
    assert "Không có nhiệm vụ nào chậm tiến độ" in first
    author = factories.make_user(roles=("staff",), office="KT", username="kt.cb2")
    plans.record_task_update(
        task,
        plans.UpdateData(
            status=TaskStatus.LATE.value,
            progress=30,
            result="Chưa xong",
            cause_type="objective",
            cause="Thiếu kinh phí số hóa",
            catchup_action="Xin bổ sung kinh phí",
            catchup_deadline=plan.period_end,
            catchup_responsible="Trưởng phòng Kinh tế",
        ),
        author,
        today=date(2025, 11, 20),
    )
    db.session.commit()
    second = client.get(f"/dashboard/?plan={plan.id}").get_data(as_text=True)
    assert "Thiếu kinh phí số hóa" in second
    assert "Không có nhiệm vụ nào chậm tiến độ" not in second
    # A Core update() (no ORM object loaded) and a textual UPDATE show at once too.
    latest = db.session.scalar(select(TaskUpdate.id).where(TaskUpdate.task_id == task.id))
    db.session.execute(
        update(TaskUpdate).where(TaskUpdate.id == latest).values(cause="Thiếu máy quét")
    )
    db.session.commit()
    third = client.get(f"/dashboard/?plan={plan.id}").get_data(as_text=True)
    assert "Thiếu máy quét" in third and "Thiếu kinh phí số hóa" not in third
    db.session.execute(
        text("UPDATE task_updates SET cause = 'Thiếu nhân lực' WHERE id = :id"), {"id": latest}
    )
    db.session.commit()
    fourth = client.get(f"/dashboard/?plan={plan.id}").get_data(as_text=True)
    assert "Thiếu nhân lực" in fourth and "Thiếu máy quét" not in fourth
