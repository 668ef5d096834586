"""No lost update under contention (Quality issue), on SQLite and on PostgreSQL.

Two people save the same task, or the same council member submits the same score sheet from
two tabs, at the same moment: each save runs in its own thread, app context and database
session, as two requests would, released together by a barrier. A short pause inside the
service, between its check and its write, makes the two saves overlap in every round instead
of now and then: without a lock both pass the check and the second overwrites or duplicates
the first. Expected: exactly one save goes through and the other is refused with the
Vietnamese conflict message (the person is told, and their form is kept), never a 500.

20 concurrent Decision approvals are covered by tests/test_decisions_concurrency.py.
"""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cchc_web.core import timeutil
from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.council import services as council_services
from cchc_web.models import AuditLog, Council, Initiative, Score, User
from cchc_web.models.plans import Objective, ObjectiveValue, Task, TaskUpdate
from cchc_web.plans import services as plans
from cchc_web.records import attachments

from . import factories

pytestmark = pytest.mark.usefixtures("commune")
ROUNDS = 10
HTTP_ROUNDS = 3
PAUSE = 0.03  # seconds between a service's check and its write
CONFLICT = "đã cập nhật nhiệm vụ này trong lúc bạn đang soạn"
ALREADY_SUBMITTED = "Bạn đã nộp phiếu chấm sáng kiến này"


def race(app, count: int, work: Callable[[int], object]) -> list[object]:
    """Run work(0..count-1) at once, each in its own thread, app context and session; the
    value it returned, or the exception it raised, for each."""
    start = threading.Barrier(count)
    outcomes: list[object] = [None] * count

    def run(i: int) -> None:
        with app.app_context():
            try:
                start.wait(timeout=30)
                outcomes[i] = work(i)
            except BaseException as err:  # noqa: BLE001 - inspected by the caller
                db.session.rollback()
                outcomes[i] = err
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a save is stuck (deadlock?)"
    return outcomes


def slowed(monkeypatch, module, name: str) -> None:
    """Pause before module.name runs: it is called between the service's check and write."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(PAUSE)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def one_winner(outcomes: list[object], refused_with: str) -> tuple[object, DomainError]:
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 1, f"expected one save refused, got {outcomes!r}"
    assert isinstance(errors[0], DomainError), repr(errors[0])  # not an IntegrityError: a 500
    assert refused_with in errors[0].message
    (winner,) = [o for o in outcomes if not isinstance(o, BaseException)]
    return winner, errors[0]


# -- task updates ------------------------------------------------------------------------------
@pytest.fixture
def task_setup():
    plan = factories.make_plan()
    task = factories.make_task(plan, "2.1", lead="VP")
    people = [
        factories.make_user(roles=("staff",), office="VP", full_name="Nguyễn Thị Lan"),
        factories.make_user(roles=("head",), office="VP", full_name="Phạm Văn Minh"),
    ]
    ids = task.id, [p.id for p in people]
    db.session.close()
    return ids


def test_two_saves_of_one_task_based_on_the_same_update_never_both_pass(
    app, task_setup, monkeypatch
):
    task_id, user_ids = task_setup
    slowed(monkeypatch, attachments, "store_uploads")
    based_on: int | None = None
    winners: list[tuple[int, str]] = []
    for round_no in range(ROUNDS):

        def save(i: int, round_no=round_no, based_on=based_on):
            task = db.session.get(Task, task_id)
            author = db.session.get(User, user_ids[i])
            text = f"Vòng {round_no}: bản của người {i}."
            data = plans.UpdateData("in_progress", 10 + round_no, text, based_on_id=based_on)
            try:
                update = plans.record_task_update(task, data, author)
                db.session.commit()
            except plans.UpdateConflict as err:
                err.latest_id = err.latest.id  # read it while the session is open
                raise
            return update.id, text

        winner, refused = one_winner(race(app, 2, save), CONFLICT)
        # The refused person is shown the update that won, and bases the next save on it.
        assert refused.latest_id == winner[0]
        winners.append(winner)
        based_on = winner[0]
    history = db.session.scalars(
        select(TaskUpdate).where(TaskUpdate.task_id == task_id).order_by(TaskUpdate.id)
    ).all()
    assert [(u.id, u.result) for u in history] == winners
    # Each update was written knowing the one before it: a single line of history.
    assert [u.based_on_id for u in history] == [None] + [u.id for u in history[:-1]]


def test_two_first_entries_of_one_monthly_value_are_one_row_and_one_refusal(
    app, task_setup, monkeypatch
):
    """A month's value is entered once; a later entry corrects it and must say why. Two people
    entering the first value at once must give one row, one entry in its history, and the
    second person told the month now has a value (asked for a reason), not a 500."""
    _task_id, user_ids = task_setup
    plan = db.session.get(Task, _task_id).plan
    objective = plans.create_objective(
        plan,
        plans.ObjectiveData("1", "Tỷ lệ hồ sơ đúng hạn", ">=", Decimal(95), "%",
                            factories.office("VP").id),
    )  # fmt: skip
    db.session.commit()
    objective_id = objective.id
    db.session.close()
    slowed(monkeypatch, timeutil, "utcnow")
    months = [date(2025, m, 1) for m in range(7, 13)]
    for month in months:

        def enter(i: int, month=month):
            objective = db.session.get(Objective, objective_id)
            actor = db.session.get(User, user_ids[i])
            plans.record_objective_value(objective, month, Decimal(90 + i), f"người {i}", actor)
            db.session.commit()

        outcomes = race(app, 2, enter)
        refused = [o for o in outcomes if isinstance(o, DomainError)]
        assert outcomes.count(None) == 1 and len(refused) == 1, outcomes
        assert "hãy ghi lý do sửa" in refused[0].message
    rows = db.session.scalars(select(ObjectiveValue).order_by(ObjectiveValue.month)).all()
    assert [r.month for r in rows] == months
    assert [len(r.revisions) for r in rows] == [1] * len(months)
    assert all(r.revisions[0].value == r.value for r in rows)
    entries = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "objective.value").order_by(AuditLog.id)
    ).all()
    assert len(entries) == len(months) and all(e.before is None for e in entries)


# -- council score sheets ----------------------------------------------------------------------
@pytest.fixture
def council_setup():
    rnd = factories.make_round()
    chair = factories.make_user(roles=("vice_chairman",), office=None)
    member = factories.make_user(roles=("head",), office="VP")
    others = [
        factories.make_user(roles=("head", "secretariat"), office="VHXH"),
        factories.make_user(roles=("head",), office="HCC"),
    ]
    council = factories.make_council(
        rnd, [(chair, "chair"), (member, "member"), (others[0], "secretary"), (others[1], "member")]
    )
    initiative = factories.make_initiative(
        rnd, "KT", title="Thu phí chợ bằng mã QR", state="accepted"
    )
    ids = council.id, chair.id, member.id, initiative.id
    db.session.close()
    return ids


def points_of(i: int, round_no: int) -> dict[str, int]:
    return {"novelty": 10 + i, "effectiveness": 20 + round_no, "applicability": 5 + i}


def reopen(council_id: int, chair_id: int) -> None:
    council = db.session.get(Council, council_id)
    (sheet,) = db.session.scalars(select(Score)).all()
    council_services.reopen_score(council, sheet, "Chấm lại", db.session.get(User, chair_id))
    db.session.commit()
    db.session.close()


def test_two_tabs_submitting_one_sheet_store_one_sheet_once(app, council_setup, monkeypatch):
    council_id, chair_id, member_id, initiative_id = council_setup
    slowed(monkeypatch, council_services, "parse_points")
    for round_no in range(ROUNDS):

        def submit(i: int, round_no=round_no):
            council = db.session.get(Council, council_id)
            initiative = db.session.get(Initiative, initiative_id)
            user = db.session.get(User, member_id)
            points = points_of(i, round_no)
            council_services.submit_score(council, user, initiative, points, i == 0, f"tab {i}")
            db.session.commit()
            return points

        # Round 0 creates the sheet (two INSERTs racing); later rounds resubmit it after the
        # chair reopened it (two UPDATEs racing).
        winner, _refused = one_winner(race(app, 2, submit), ALREADY_SUBMITTED)
        (sheet,) = db.session.scalars(select(Score)).all()
        assert sheet.points == winner and sheet.total == sum(winner.values())
        assert sheet.is_submitted
        db.session.close()
        if round_no < ROUNDS - 1:
            reopen(council_id, chair_id)
    submitted = db.session.scalar(
        select(func.count(AuditLog.id)).where(AuditLog.action == "score.submit")
    )
    assert submitted == ROUNDS


# -- the same through HTTP ---------------------------------------------------------------------
class Browser:
    """One logged-in browser tab: cookies, CSRF token, no redirect following."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), self._NoRedirect
        )
        status, _page = self.post("/login", {"username": username, "password": factories.PASSWORD})
        assert status == 302, f"login of {username} failed: {status}"

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def csrf(self, path: str) -> str:
        status, page = self.open(path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def post(self, path: str, data: dict) -> tuple[int, str]:
        return self.open(path, {"csrf_token": self.csrf(path), **data})


def test_concurrent_saves_over_http_give_one_redirect_and_one_conflict_page(
    app, live_server, task_setup, council_setup, monkeypatch
):
    task_id, user_ids = task_setup
    council_id, chair_id, member_id, initiative_id = council_setup
    slowed(monkeypatch, attachments, "store_uploads")
    slowed(monkeypatch, council_services, "parse_points")
    names = dict(db.session.execute(select(User.id, User.username)).all())
    db.session.close()

    tabs = [Browser(live_server, names[user_ids[i]]) for i in range(2)]
    based_on = ""
    url = f"/offices/vp/tasks/{task_id}/update"
    for round_no in range(HTTP_ROUNDS):
        forms = [
            {"csrf_token": tab.csrf(url), "status": "in_progress", "progress": str(50 + round_no),
             "result": f"Vòng {round_no}, người {i}.", "based_on": based_on}
            for i, tab in enumerate(tabs)
        ]  # fmt: skip
        outcomes = race(app, 2, lambda i, forms=forms: tabs[i].open(url, forms[i]))
        assert sorted(status for status, _ in outcomes) == [200, 303], outcomes
        (page,) = [page for status, page in outcomes if status == 200]
        assert CONFLICT in page
        loser = next(i for i, (status, _) in enumerate(outcomes) if status == 200)
        assert f"Vòng {round_no}, người {loser}." in page  # the refused text is kept
        based_on = str(db.session.scalar(select(func.max(TaskUpdate.id))))
        db.session.close()
    assert db.session.scalar(select(func.count(TaskUpdate.id))) == HTTP_ROUNDS

    member_tabs = [Browser(live_server, names[member_id]) for _ in range(2)]
    url = f"/council/{council_id}/initiatives/{initiative_id}"
    for round_no in range(HTTP_ROUNDS):
        forms = [
            {"csrf_token": tab.csrf(url), "comment": f"tab {i}",
             **{f"points-{k}": str(v) for k, v in points_of(i, round_no).items()}}
            for i, tab in enumerate(member_tabs)
        ]  # fmt: skip
        outcomes = race(app, 2, lambda i, forms=forms: member_tabs[i].open(url, forms[i]))
        assert sorted(status for status, _ in outcomes) == [200, 303], outcomes
        assert any(ALREADY_SUBMITTED in page for status, page in outcomes if status == 200)
        assert db.session.scalar(select(func.count(Score.id))) == 1
        db.session.close()
        reopen(council_id, chair_id)
