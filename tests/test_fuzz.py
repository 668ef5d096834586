"""Fuzzing with hypothesis: hostile input into every form, upload and URL parameter.

Whatever is typed (unicode in any normalisation, control characters, NUL, 100 000 characters,
nothing at all, SQL and HTML injection, numbers that overflow a database integer) the answer is
never a 500 nor a traceback; a refused form leaves the whole database as it was; an accepted
one stores what was typed (up to whitespace, case and Unicode normalisation, and NUL and the
other C0 control characters, which are dropped on input); HTML typed by a user is escaped
wherever it is shown back; messages stay Vietnamese. Uploads (too large, wrong content,
traversal names, empty) never write outside UPLOAD_DIR and leave no row behind when refused.

Each form is one `FormCase` in `FORM_CASES`: how to reach it (who logs in, what exists), a
valid submission and the fields to fuzz. Adding coverage for a new form is one entry.

One hypothesis run shares one test's database: data accumulates between examples, so every
check compares the database just before and just after its own request.
"""

from __future__ import annotations

import base64
import io
import itertools
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models import Attachment, Report
from cchc_web.text import nfc
from cchc_web.web.inputs import strip_control

from . import factories
from .decisions_support import pki  # noqa: F401 - the signing key for Decision approval
from .factories import PASSWORD, office

PACKAGED = Path(__file__).resolve().parents[1] / "cchc_web" / "plans" / "data"
TASKS_CSV = (PACKAGED / "ke_hoach_cchc_2025_h2_chi_minh.csv").read_bytes()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# -- hostile text --------------------------------------------------------------------------------
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW_HTML = (SCRIPT, "<img src=x onerror=alert(1)>")
HUGE_INT = "99999999999999999999"
NUL = "Nguyễn\x00Văn"
LONG = "A" * 100_000

NASTY = [
    "",
    " ",
    "\t \n ",
    "\x00",
    NUL,
    "\x1b[31mđỏ\x1b[0m\x07\x08",
    "dòng 1\r\ndòng 2\rdòng 3\n",
    "\u200b\u200d\ufeff",
    "\u202egnp.exe",
    "' OR 1=1 --",
    "'; DROP TABLE users; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)--",
    "%_\\",
    SCRIPT,
    IMG,
    "{{ 7*7 }}{% raw %}",
    "javascript:alert(1)",
    unicodedata.normalize("NFD", "Nguyễn Thị Hằng — Ủy ban nhân dân xã Chí Minh"),
    "Ủy ban nhân dân xã Chí Minh",
    "😀👍🏽👨‍👩‍👧 𝕬 ﷺ \uffff \U0010ffff",
    LONG,
    "ệ" * 30_000,
    "0",
    "-1",
    HUGE_INT,
    "-" + HUGE_INT,
    "2147483648",
    "9223372036854775808",
    "1e309",
    "1E+999999999",
    "NaN",
    "-Infinity",
    "-0",
    "１２３",
    "²",
    "٣",
    "2025-13-45",
    "31/02/2025",
    "0000-00-00",
    "9999-12-31",
    "0001-01-01",
]
BOUNDARIES = [16, 17, 20, 21, 30, 31, 40, 41, 60, 61, 64, 65, 120, 121, 200, 201, 255, 256]
BOUNDARIES += [300, 301, 1000, 1001, 2000, 2001, 3001, 4001, 5001, 20001]

unicode_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),  # lone surrogates: see test below
    max_size=40,
)
hostile = (
    st.sampled_from(NASTY)
    | unicode_text
    | st.builds(
        lambda ch, n: ch * n,
        st.sampled_from(["a", "Đ", "ệ", "<", "'"]),
        st.sampled_from(BOUNDARIES),
    )
    | st.builds(lambda a, b: a + b, st.sampled_from(NASTY[:20]), unicode_text)
)

# CCHC_FUZZ_SCALE=20 for a long local hunt; CI runs the small default.
SCALE = float(os.environ.get("CCHC_FUZZ_SCALE", "1"))


def examples(n: int) -> int:
    return max(1, round(n * SCALE))


FUZZ_SETTINGS = {
    "deadline": None,
    "database": None,  # nothing written into the repository; failures print their example
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

# WTForms' own messages: the user must never see English.
ENGLISH = ("Not a valid", "Invalid Choice", "could not coerce", "This field is required")
ENGLISH += ("Field must be", "Invalid choice", "Number must be", "Invalid input")


def norm(value: Any) -> str:
    """What "the same text" means when comparing stored and typed values: what the application
    stores of it (cchc_web/text: NFC without control characters)."""
    text = nfc(strip_control(str(value)))
    return " ".join(text.split()).casefold()


def check_page(response, value: str | None = None) -> str:
    """Never a 500 or a traceback; HTML typed by the user is never echoed raw; no English."""
    assert response.status_code < 500, response.status_code
    if not response.mimetype.startswith("text/"):
        return ""  # a PDF or a workbook: that it was made is what counts
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "Lỗi hệ thống" not in body
    if response.mimetype == "text/html":
        for marker in ENGLISH:
            assert marker not in body, f"English message {marker!r} shown to the user"
    if value is not None:
        for marker in RAW_HTML:
            if marker in value:
                assert marker not in body, "user HTML echoed unescaped"
    return body


# -- the database before and after ----------------------------------------------------------------
def _cell(value):
    if isinstance(value, bytes | bytearray | memoryview):
        import hashlib

        return ("bytes", hashlib.sha256(bytes(value)).hexdigest())
    return value


def db_state(ignore: frozenset[str] = frozenset()) -> dict[str, dict[str, tuple]]:
    """Every row of every table (as committed), keyed by its repr."""
    db.session.rollback()
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            # data_version is the cache's token, replaced by any commit (a login attempt too).
            if table.name in ignore or table.name == "data_version":
                continue
            rows = [tuple(_cell(v) for v in row) for row in conn.execute(table.select())]
            state[table.name] = {repr(row): row for row in rows}
    return state


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def stored_somewhere(before: dict, after: dict, typed: str) -> bool:
    """The typed text (normalised) is a cell, or the joined strings of a JSON cell, of a row
    this request added or changed (or, if nothing changed, of any row)."""
    target = norm(typed)
    if not target:
        return True
    changed = [
        row
        for name, rows in after.items()
        if name != "audit_log"
        for key, row in rows.items()
        if key not in before.get(name, {})
    ]
    if not changed:
        changed = [r for name, rows in after.items() if name != "audit_log" for r in rows.values()]
    for row in changed:
        for cell in row:
            strings = _strings(cell)
            if not strings:
                continue
            if target in (norm(s) for s in strings) or target == norm(" ".join(strings)):
                return True
    return False


def pop_flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as sess:
        return list(sess.pop("_flashes", []))


# -- form cases -----------------------------------------------------------------------------------
@dataclass
class Target:
    url: str
    base: Callable[[], dict]  # a valid submission; may put the data back in shape first
    multipart: bool = False


@dataclass
class FormCase:
    name: str
    setup: Callable[[Any], Target]
    fields: list[str]
    text: tuple[str, ...] = ()  # fields whose accepted value must be stored as typed
    examples: int = 10
    ignore: frozenset[str] = frozenset()  # tables a refusal may write by design
    regressions: tuple[tuple[str, str], ...] = ()


class Ctx:
    def __init__(self, client, login_as, app, monkeypatch) -> None:
        self.client, self.login, self.app, self.monkeypatch = client, login_as, app, monkeypatch

    def login_user(self, user) -> None:
        with self.client.session_transaction() as sess:
            sess["_user_id"] = str(user.id)
            sess["_fresh"] = True


FORM_CASES: list[FormCase] = []
_n = itertools.count(1)


def form_case(fields, text=(), **options):
    def register(setup):
        FORM_CASES.append(FormCase(setup.__name__, setup, list(fields), tuple(text), **options))
        return setup

    return register


def fixed(data: dict) -> Callable[[], dict]:
    return lambda: dict(data)


# auth ------------------------------------------------------------------------------------------
@form_case(["junk"], examples=2)
def logout(ctx):
    ctx.login("staff")
    return Target("/logout", fixed({}))


@form_case(["username", "password"], ignore=frozenset({"login_throttles", "users", "audit_log"}))
def login(ctx):
    for key in (
        "LOGIN_FREE_FAILURES",
        "LOGIN_ADDRESS_FREE_FAILURES",
        "LOGIN_ACCOUNT_FREE_FAILURES",
    ):
        ctx.monkeypatch.setitem(ctx.app.config, key, 10_000)
    factories.make_user(username="fuzz.login")
    return Target("/login", fixed({"username": "nobody.here", "password": PASSWORD}))


# Each wrong current password is counted (the change form is throttled).
@form_case(["current_password", "new_password", "confirm"], ignore=frozenset({"login_throttles"}))
def change_password(ctx):
    ctx.login("staff")
    return Target(
        "/account/password",
        fixed(
            {
                "current_password": "wrong",
                "new_password": "Mật khẩu mới 12345",
                "confirm": "Mật khẩu mới 12345",
            }
        ),
    )


# admin -----------------------------------------------------------------------------------------
def _user_form(**overrides):
    data = {
        "username": f"fuzz.user{next(_n)}",
        "full_name": "Trần Văn Bình",
        "position_title": "Chuyên viên",
        "office_id": str(office("KT").id),
        "roles": ["staff"],
        "active": "y",
    }
    return {**data, **overrides}


@form_case(
    ["username", "full_name", "position_title", "office_id", "roles", "new_password", "confirm"],
    text=("username", "full_name", "position_title"),
    regressions=(("office_id", HUGE_INT), ("full_name", NUL)),
)
def admin_new_user(ctx):
    ctx.login("admin", office=None)
    return Target(
        "/admin/users/new",
        lambda: _user_form(new_password="Bắt đầu năm 2025!", confirm="Bắt đầu năm 2025!"),
    )


@form_case(
    ["username", "full_name", "position_title", "office_id", "roles", "active"],
    text=("username", "full_name", "position_title"),
)
def admin_edit_user(ctx):
    ctx.login("admin", office=None)
    user = factories.make_user(office="KT")
    return Target(f"/admin/users/{user.id}/edit", _user_form)


@form_case(["new_password", "confirm"], examples=6)
def admin_reset_password(ctx):
    ctx.login("admin", office=None)
    user = factories.make_user(office="KT")
    return Target(
        f"/admin/users/{user.id}/password",
        fixed({"new_password": "Mật khẩu mới 12345", "confirm": "x"}),
    )


@form_case(["active"], examples=5)
def admin_user_active(ctx):
    ctx.login("admin", office=None)
    user = factories.make_user(office="KT")
    return Target(f"/admin/users/{user.id}/active", fixed({"active": "0"}))


@form_case(["code", "name", "is_specialised"], text=("code", "name"))
def admin_new_office(ctx):
    ctx.login("admin", office=None)
    return Target("/admin/offices/new", lambda: {"code": f"F{next(_n)}", "name": "Phòng Thử"})


@form_case(["name", "is_specialised"], text=("name",))
def admin_edit_office(ctx):
    ctx.login("admin", office=None)
    return Target(f"/admin/offices/{office('KT').id}/edit", fixed({"name": "Phòng Kinh tế"}))


@form_case(["active"], examples=5)
def admin_office_active(ctx):
    ctx.login("admin", office=None)
    return Target(f"/admin/offices/{office('QS').id}/active", fixed({"active": "1"}))


# plans -----------------------------------------------------------------------------------------
PLAN_FORM = {
    "title": "Kế hoạch CCHC năm 2026",
    "period_start": "2026-01-01",
    "period_end": "2026-12-31",
    "theme": "Chuyển đổi số",
    "doc_number": "12/KH-UBND",
    "doc_date": "2026-01-05",
}
PLAN_FIELDS = ["title", "period_start", "period_end", "theme", "doc_number", "doc_date"]
PLAN_TEXT = ("title", "theme", "doc_number")


def _secretariat(ctx):
    return ctx.login("secretariat", office="VHXH")


@form_case(PLAN_FIELDS, PLAN_TEXT, regressions=(("title", NUL),))
def plan_new(ctx):
    _secretariat(ctx)
    return Target("/plans/new", fixed(PLAN_FORM))


@form_case(PLAN_FIELDS, PLAN_TEXT)
def plan_edit(ctx):
    _secretariat(ctx)
    plan = factories.make_plan()
    return Target(
        f"/plans/{plan.id}/edit",
        fixed({**PLAN_FORM, "period_start": "2025-07-01", "period_end": "2025-12-31"}),
    )


@form_case(["junk"], examples=3)
def plan_issue(ctx):
    _secretariat(ctx)
    plan = factories.make_plan()
    factories.make_task(plan)
    return Target(f"/plans/{plan.id}/issue", fixed({}))


@form_case(
    [*PLAN_FIELDS, "tasks_blob", "tasks_name", "objectives_blob", "objectives_name", "confirm"],
    PLAN_TEXT,
    examples=8,
)
def plan_import(ctx):
    _secretariat(ctx)
    data = {
        **PLAN_FORM,
        "period_start": "2025-07-01",
        "period_end": "2025-12-31",
        "tasks_name": "nhiem-vu.csv",
        "tasks_blob": base64.b64encode(TASKS_CSV).decode(),
        "confirm": "1",
    }
    return Target("/plans/import", fixed(data))


TASK_FIELDS = ["code", "field", "content", "lead_office_ids", "coordinating_office_ids"]
TASK_FIELDS += ["timing", "due_month"]


def _task_form():
    return {
        "code": f"9.{next(_n)}",
        "field": "tthc",
        "content": "Rà soát thủ tục hành chính",
        "lead_office_ids": [str(office("VP").id)],
        "coordinating_office_ids": [str(office("HCC").id)],
        "timing": "month",
        "due_month": "2025-09",
    }


@form_case(
    TASK_FIELDS,
    ("code", "content"),
    regressions=(("lead_office_ids", HUGE_INT), ("coordinating_office_ids", "2147483648")),
)
def task_new(ctx):
    _secretariat(ctx)
    plan = factories.make_plan()
    return Target(f"/plans/{plan.id}/tasks/new", _task_form)


@form_case(TASK_FIELDS, ("code", "content"))
def task_edit(ctx):
    _secretariat(ctx)
    task = factories.make_task(factories.make_plan())
    return Target(f"/plans/tasks/{task.id}/edit", _task_form)


@form_case(["junk"], examples=3)
def task_remove(ctx):
    _secretariat(ctx)
    task = factories.make_task(factories.make_plan())
    return Target(f"/plans/tasks/{task.id}/remove", fixed({}))


OBJECTIVE_FIELDS = ["code", "indicator", "comparison", "target", "unit", "owner_office_id"]


def _objective_form():
    return {
        "code": f"MT{next(_n)}",
        "indicator": "Tỷ lệ hồ sơ trực tuyến",
        "comparison": ">=",
        "target": "80",
        "unit": "%",
        "owner_office_id": str(office("HCC").id),
    }


@form_case(
    OBJECTIVE_FIELDS,
    ("code", "indicator", "unit"),
    regressions=(("owner_office_id", HUGE_INT), ("target", "NaN"), ("target", "1E+999999999")),
)
def objective_new(ctx):
    _secretariat(ctx)
    plan = factories.make_plan()
    return Target(f"/plans/{plan.id}/objectives/new", _objective_form)


@form_case(OBJECTIVE_FIELDS, ("code", "indicator", "unit"))
def objective_edit(ctx):
    _secretariat(ctx)
    plan = factories.import_demo_plan()
    mt2 = next(o for o in plan.objectives if o.code == "MT2")
    return Target(f"/plans/objectives/{mt2.id}/edit", lambda: {**_objective_form(), "code": "MT2"})


@form_case(["month", "value", "note"], ("note",), regressions=(("value", "NaN"),))
def objective_value(ctx):
    plan = factories.import_demo_plan()
    mt2 = next(o for o in plan.objectives if o.code == "MT2")
    ctx.login("staff", office="HCC")
    return Target(
        f"/plans/objectives/{mt2.id}", fixed({"month": "2025-09", "value": "96", "note": "Ổn"})
    )


# offices: task updates -------------------------------------------------------------------------
def _during_the_plan(monkeypatch) -> None:
    """The demo plan runs 01/07–31/12/2025: a catch-up deadline must lie after "today" and
    within the plan, and a report needs a period of the plan. Move the app's clock there."""
    from datetime import datetime, time

    from cchc_web.core import timeutil

    today = datetime.combine(date(2025, 11, 20), time(9), timeutil.LOCAL_TZ)
    monkeypatch.setattr(timeutil, "local_now", lambda: today)


LATE = {
    "status": "late",
    "progress": "30",
    "result": "Đã ban hành kế hoạch.",
    "cause_type": "subjective",
    "cause": "Thiếu cán bộ chuyên trách.",
    "catchup_action": "Bổ sung nhân lực, làm thêm giờ.",
    "catchup_deadline": "2025-12-15",
    "catchup_responsible": "Phạm Văn Minh",
}


@form_case(
    [*LATE, "based_on"],
    ("result", "cause", "catchup_action", "catchup_responsible"),
    regressions=(("based_on", "²"), ("based_on", HUGE_INT), ("result", NUL)),
)
def task_update(ctx):
    from cchc_web.models.plans import TaskUpdate

    _during_the_plan(ctx.monkeypatch)
    plan = factories.import_demo_plan()
    task = next(t for t in plan.tasks if t.code == "2.1")
    ctx.login("staff", office="VP")

    def base():
        latest = db.session.scalar(
            select(func.max(TaskUpdate.id)).where(TaskUpdate.task_id == task.id)
        )
        return {**LATE, "based_on": str(latest or "")}

    return Target(f"/offices/vp/tasks/{task.id}/update", base)


# reports ---------------------------------------------------------------------------------------
@form_case(["period"], examples=8, regressions=(("period", "month:9999-99-99"),))
def report_new(ctx):
    factories.import_demo_plan()
    ctx.login("head", office="VP")
    return Target("/reports/office/vp/new", fixed({"period": "month:2025-11-14"}))


@form_case(["period"], examples=8)
def report_commune_new(ctx):
    factories.import_demo_plan()
    _secretariat(ctx)
    return Target("/reports/commune/new", fixed({"period": "month:2025-11-14"}))


def _report(head):
    from cchc_web.reports import periods
    from cchc_web.reports import services as reports

    report = reports.start_report(office("VP"), periods.period_for("month", local_today()), head)
    db.session.commit()
    return report


@form_case(
    ["direction", "strengths_limits", "next_tasks", "submit_after"],
    ("direction", "strengths_limits", "next_tasks"),
)
def report_text(ctx):
    _during_the_plan(ctx.monkeypatch)
    factories.import_demo_plan()
    report = _report(ctx.login("staff", office="VP"))
    data = {"direction": "UBND xã ban hành kế hoạch.", "strengths_limits": "", "next_tasks": ""}
    return Target(f"/reports/{report.id}/text", fixed(data))


@form_case(["comment", "action"], ("comment",))
def report_decide(ctx):
    from cchc_web.reports import services as reports

    _during_the_plan(ctx.monkeypatch)
    factories.import_demo_plan()
    head = factories.make_user(roles=("head",), office="VP")
    report = _report(head)
    report.direction = "Chỉ đạo."
    _secretariat(ctx)

    def base():
        row = db.session.get(Report, report.id)
        if row.status != "submitted":
            reports.submit_report(row, head)
            db.session.commit()
        return {"comment": "Bổ sung số liệu.", "action": "return"}

    return Target(f"/reports/{report.id}/decide", base)


# initiatives -----------------------------------------------------------------------------------
INITIATIVE_TEXT = ("title", "current_situation", "solution", "novelty", "applied_where")
INITIATIVE_TEXT += ("effectiveness", "replication", "conditions")
INITIATIVE_FIELDS = ["round_id", "field", "piloted", "first_applied_on", *INITIATIVE_TEXT]
INITIATIVE_FIELDS += ["authors-0-share", "authors-0-date_of_birth", "authors-0-qualification"]
INITIATIVE_FIELDS += ["authors-0-user_id", "authors-1-external_name", "authors-1-user_id"]


def _initiative_form(rnd, user):
    return {
        "round_id": str(rnd.id),
        "title": "Số hóa hồ sơ tại Trung tâm Phục vụ hành chính công",
        "field": "chinh_quyen_so",
        "solution": "Quét và ký số hồ sơ khi tiếp nhận.",
        "effectiveness": "1.240 hồ sơ trong 3 tháng.",
        "authors-0-user_id": str(user.id),
        "authors-0-share": "100",
        "authors-0-qualification": "Cử nhân",
    }


@form_case(
    INITIATIVE_FIELDS,
    (*INITIATIVE_TEXT, "authors-0-qualification"),
    examples=14,
    regressions=(("authors-1-user_id", HUGE_INT), ("round_id", HUGE_INT), ("solution", NUL)),
)
def initiative_new(ctx):
    rnd = factories.make_round()
    user = ctx.login("staff", office="HCC")
    return Target("/initiatives/new", fixed(_initiative_form(rnd, user)))


@form_case(
    [*INITIATIVE_FIELDS, "remove_evidence"],
    (*INITIATIVE_TEXT, "authors-0-qualification"),
    examples=14,
    regressions=(("remove_evidence", HUGE_INT),),
)
def initiative_edit(ctx):
    rnd = factories.make_round()
    user = ctx.login("staff", office="HCC")
    initiative = factories.make_initiative(rnd, "HCC", authors=[(user, 100)])
    return Target(f"/initiatives/{initiative.id}/edit", fixed(_initiative_form(rnd, user)))


@form_case(
    ["title", "solution", "initiative_id"], examples=8, regressions=(("initiative_id", HUGE_INT),)
)
def initiative_similar(ctx):
    rnd = factories.make_round()
    factories.make_initiative(rnd, "VP", title="Nhắc lịch hẹn qua Zalo OA")
    ctx.login("staff", office="HCC")
    return Target(
        "/initiatives/similar", fixed({"title": "Zalo", "solution": "", "initiative_id": ""})
    )


@form_case(["junk"], examples=3)
def initiative_submit(ctx):
    rnd = factories.make_round()
    initiative = factories.make_initiative(rnd, "HCC")
    ctx.login("head", office="HCC")
    return Target(f"/initiatives/{initiative.id}/submit", fixed({}))


@form_case(["comment"], ("comment",))
def initiative_return(ctx):
    from cchc_web.initiatives import services

    rnd = factories.make_round()
    initiative = factories.make_initiative(rnd, "HCC", state="submitted")
    head = factories.make_user(roles=("head",), office="HCC")
    _secretariat(ctx)

    def base():
        db.session.expire_all()
        if initiative.state == "returned":
            services.submit_initiative(initiative, head, today=rnd.submission_deadline)
            db.session.commit()
        return {"comment": "Bổ sung số liệu."}

    return Target(f"/initiatives/{initiative.id}/return", base)


@form_case(["note"], ("note",), regressions=(("note", NUL),))
def initiative_accept(ctx):
    rnd = factories.make_round()
    initiative = factories.make_initiative(rnd, "HCC", state="submitted")
    _secretariat(ctx)
    return Target(f"/initiatives/{initiative.id}/accept", fixed({"note": "Minh chứng giấy."}))


@form_case(["initiatives"], regressions=(("initiatives", HUGE_INT),))
def initiative_nominate(ctx):
    rnd = factories.make_round()
    initiative = factories.make_initiative(rnd, "HCC", state="accepted")
    _secretariat(ctx)
    return Target(f"/initiatives/rounds/{rnd.id}/nominate", fixed({"initiatives": initiative.id}))


@form_case(["reason"], ("reason",), regressions=(("reason", NUL),))
def decision_drop_item(ctx):
    creator = ctx.login("staff", "secretariat", office="VHXH")
    decision = factories.make_decision(creator, submit=False)
    initiative = factories.make_initiative(factories.make_round(), "HCC", state="accepted")
    url = f"/decisions/{decision.id}/items/{initiative.id}/drop"
    return Target(url, fixed({"reason": "Trùng với sáng kiến năm trước."}))


@form_case(["user_id", "passphrase", "capacity"], ("passphrase",))
def certificate_register(ctx):
    ctx.login("admin", office=None)
    leader = factories.make_user(roles=("vice_chairman",), office=None)
    data = {"user_id": leader.id, "passphrase": "mat-khau", "capacity": ""}
    return Target("/admin/certificates", fixed(data))


ROUND_FIELDS = ["year", "title", "submission_deadline", "decision_deadline", "open_fields"]
ROUND_FIELDS += ["pass_min_total", "rubric"]


def _round_form():
    from cchc_web.initiatives import services

    return {
        "year": str(2100 - next(_n) % 60),
        "title": "Sáng kiến cải cách hành chính",
        "submission_deadline": "2030-09-20",
        "decision_deadline": "2030-09-30",
        "open_fields": ["tthc", "chinh_quyen_so"],
        "pass_min_total": "50",
        "rubric": services.rubric_text(services.DEFAULT_RUBRIC),
    }


@form_case(ROUND_FIELDS, ("title",), regressions=(("pass_min_total", HUGE_INT),))
def round_new(ctx):
    _secretariat(ctx)
    return Target("/initiatives/rounds/new", _round_form)


@form_case(ROUND_FIELDS, ("title",))
def round_edit(ctx):
    _secretariat(ctx)
    rnd = factories.make_round(2031)
    return Target(f"/initiatives/rounds/{rnd.id}/edit", lambda: {**_round_form(), "year": "2031"})


@form_case(["office_id", "reason", "until"], ("reason",), regressions=(("office_id", HUGE_INT),))
def round_reopen(ctx):
    rnd = factories.make_round(deadline=local_today() - timedelta(days=1))
    _secretariat(ctx)
    until = (local_today() + timedelta(days=5)).isoformat()
    data = {"office_id": str(office("KT").id), "reason": "Đơn vị xin gia hạn.", "until": until}
    return Target(f"/initiatives/rounds/{rnd.id}", fixed(data))


# council ---------------------------------------------------------------------------------------
@form_case(["round_id"], examples=6, regressions=(("round_id", HUGE_INT),))
def council_new(ctx):
    rnd = factories.make_round()
    _secretariat(ctx)
    return Target("/council/", fixed({"round_id": str(rnd.id)}))


def _composing_council(ctx):
    from cchc_web.council import services

    rnd = factories.make_round()
    secretariat = _secretariat(ctx)
    council = services.create_council(rnd, secretariat)
    db.session.commit()
    return council


@form_case(["user_id", "position"], examples=8, regressions=(("user_id", HUGE_INT),))
def council_add_member(ctx):
    council = _composing_council(ctx)

    def base():  # a new person each time: an accepted example must not refuse the next
        user = factories.make_user(roles=("head",), office="KT")
        return {"user_id": str(user.id), "position": "member"}

    return Target(f"/council/{council.id}/members", base)


@form_case(["junk"], examples=3)
def council_remove_member(ctx):
    from cchc_web.council import services

    council = _composing_council(ctx)
    member = services.add_member(
        council,
        factories.make_user(office="KT"),
        "member",
        factories.make_user(roles=("secretariat",), office="VHXH"),
    )
    db.session.commit()
    return Target(f"/council/{council.id}/members/{member.id}/remove", fixed({}))


def _scoring_council(ctx):
    rnd = factories.make_round()
    chair = factories.make_user(roles=("vice_chairman",), office=None)
    secretary = factories.make_user(roles=("head",), office="VHXH")
    member = factories.make_user(roles=("head",), office="KT")
    members = [(chair, "chair"), (secretary, "secretary"), (member, "member")]
    council = factories.make_council(rnd, members)
    initiative = factories.make_initiative(rnd, "VP", state="accepted")
    return council, chair, member, initiative


@form_case(["junk"], examples=3)
def council_open(ctx):
    from cchc_web.council import services

    council = _composing_council(ctx)
    secretariat = factories.make_user(roles=("secretariat",), office="VHXH")
    services.add_member(council, factories.make_user(office="KT"), "chair", secretariat)
    services.add_member(council, factories.make_user(office="VP"), "secretary", secretariat)
    services.add_member(council, factories.make_user(office="HCC"), "member", secretariat)
    leader = factories.make_user(roles=("chairman",), office=None)
    decision = factories.signed_decision("council_establishment", council_id=council.id)
    services.establish(council, decision, leader)
    db.session.commit()
    return Target(f"/council/{council.id}/open", fixed({}))


@form_case(["junk"], examples=3)
def council_close(ctx):
    council, chair, _member, _initiative = _scoring_council(ctx)
    ctx.login_user(chair)
    return Target(f"/council/{council.id}/close", fixed({}))


POINTS = {"points-novelty": "25", "points-effectiveness": "30", "points-applicability": "20"}


@form_case(
    [*POINTS, "recommend", "comment"],
    ("comment",),
    regressions=(("points-novelty", HUGE_INT), ("points-novelty", "²"), ("comment", NUL)),
)
def council_score(ctx):
    from cchc_web.council import services
    from cchc_web.models import Score

    council, chair, member, initiative = _scoring_council(ctx)
    ctx.login_user(member)

    def base():
        sheet = db.session.scalar(select(Score).where(Score.initiative_id == initiative.id))
        if sheet is not None and sheet.submitted_at is not None:
            services.reopen_score(db.session.merge(council), sheet, "Sửa điểm", chair)
            db.session.commit()
        return {**POINTS, "recommend": "y", "comment": "Giải pháp tốt."}

    return Target(f"/council/{council.id}/initiatives/{initiative.id}", base)


@form_case(list(POINTS), examples=8)
def council_live_total(ctx):
    council, _chair, member, initiative = _scoring_council(ctx)
    ctx.login_user(member)
    return Target(f"/council/{council.id}/initiatives/{initiative.id}/total", fixed(POINTS))


@form_case(["reason"], ("reason",))
def council_reopen_score(ctx):
    from cchc_web.models import Score

    council, chair, member, initiative = _scoring_council(ctx)
    factories.score_as(council, member, initiative, 25, 30, 20)
    ctx.login_user(chair)
    sheet_id = db.session.scalar(select(Score.id))

    def base():
        from cchc_web.council import services

        sheet = db.session.get(Score, sheet_id)
        db.session.refresh(sheet)
        if sheet.submitted_at is None:
            services.submit_score(
                db.session.merge(council), member, initiative, POINTS_DICT, True, ""
            )
            db.session.commit()
        return {"reason": "Thành viên đề nghị sửa điểm."}

    return Target(f"/council/{council.id}/scores/{sheet_id}/reopen", base)


POINTS_DICT = {"novelty": 25, "effectiveness": 30, "applicability": 20}


@form_case(["junk"], examples=3)
def council_minutes(ctx):
    council, _chair, _member, _initiative = _scoring_council(ctx)
    secretary = next(m.user for m in council.members if m.position == "secretary")
    ctx.login_user(secretary)  # scoring is still open: refused with a message
    return Target(f"/council/{council.id}/minutes", fixed({}))


# PAR index -------------------------------------------------------------------------------------
@form_case(
    ["year", "title", "deadline", "source", "with_offices"],
    ("title",),
    examples=8,
    regressions=(("year", HUGE_INT),),
)
def par_new(ctx):
    _secretariat(ctx)
    return Target(
        "/par-index/new",
        lambda: {"year": str(2100 - next(_n) % 90), "title": "Bộ chỉ số", "source": "default"},
    )


@form_case(["status"], examples=6)
def par_status(ctx):
    _secretariat(ctx)
    index_set = factories.make_par_set(status="open")
    return Target(f"/par-index/{index_set.id}/status", fixed({"status": "closed"}))


@form_case(["junk"], examples=3)
def par_discard(ctx):
    _secretariat(ctx)
    index_set = factories.make_par_set(status="draft")
    return Target(f"/par-index/{index_set.id}/discard", fixed({}))


@form_case(
    ["deadline", "survey_score", "bonus_points", "penalty_points"],
    regressions=(("bonus_points", "NaN"), ("survey_score", "1E+999999999")),
)
def par_settings(ctx):
    _secretariat(ctx)
    index_set = factories.make_par_set()
    data = {
        "deadline": "2025-12-01",
        "survey_score": "3",
        "bonus_points": "1",
        "penalty_points": "0",
    }
    return Target(f"/par-index/{index_set.id}/settings", fixed(data))


@form_case(["items", "office"], regressions=(("items", HUGE_INT), ("office", HUGE_INT)))
def par_assign(ctx):
    _secretariat(ctx)
    index_set = factories.make_par_set(status="draft")
    item = factories.par_item(index_set, "1.2")
    return Target(
        f"/par-index/{index_set.id}/assign",
        fixed({"items": [str(item.id)], "office": str(office("KT").id)}),
    )


@form_case(
    ["score", "explanation", "remove_evidence"],
    ("explanation",),
    regressions=(("score", "NaN"), ("score", "1E+999999999"), ("remove_evidence", HUGE_INT)),
)
def par_score(ctx):
    index_set = factories.make_par_set()
    item = factories.par_item(index_set, "1.1.1")
    ctx.login("staff", office="VP")
    return Target(
        f"/par-index/items/{item.id}/score", fixed({"score": "2", "explanation": "Đã ban hành."})
    )


@form_case(
    ["decision", "adjusted_score", "reason"], ("reason",), regressions=(("adjusted_score", "NaN"),)
)
def par_appraise(ctx):
    from cchc_web.par_index import services

    index_set = factories.make_par_set()
    item = factories.par_item(index_set, "1.1.1")
    staff = factories.make_user(office="VP")
    services.save_self_score(item, staff, services.Decimal("2"), "Giải trình", [], [])
    db.session.commit()
    _secretariat(ctx)
    data = {"decision": "adjust", "adjusted_score": "1,5", "reason": "Thiếu minh chứng."}
    return Target(f"/par-index/items/{item.id}/appraise", fixed(data))


# decisions -------------------------------------------------------------------------------------
@form_case(["what"], examples=8, regressions=(("what", "council_establishment:²"),))
def decision_new(ctx):
    ctx.login("staff", "secretariat", office="VHXH")
    return Target("/decisions/new", fixed({"what": "other"}))


DECISION_TEXT = ("summary", "addressee", "appendix_title", "bases", "recipients", "articles")


@form_case(
    [*DECISION_TEXT, "appendix_columns", "appendix_rows"],
    DECISION_TEXT,
    regressions=(("summary", NUL),),
)
def decision_edit(ctx):
    creator = ctx.login("staff", "secretariat", office="VHXH")
    decision = factories.make_decision(creator, submit=False)
    data = {
        "summary": "Về việc thử nghiệm",
        "bases": "Căn cứ Luật Tổ chức chính quyền địa phương",
        "articles": "Điều một.\n\nĐiều hai.",
        "recipients": "Như Điều 3\nLưu: VT",
        "appendix_title": "DANH SÁCH",
        "appendix_columns": "TT | Tên | Điểm",
        "appendix_rows": "1 | Một | 85,5",
    }
    return Target(f"/decisions/{decision.id}/edit", fixed(data))


@form_case(["junk"], examples=3)
def decision_submit(ctx):
    creator = ctx.login("staff", "secretariat", office="VHXH")
    decision = factories.make_decision(creator, submit=False)
    return Target(f"/decisions/{decision.id}/submit", fixed({}))


@form_case(["junk"], examples=2)
def decision_approve(ctx):
    decision = factories.make_decision()
    factories.give_certificate(ctx.login("chairman", office=None))
    return Target(f"/decisions/{decision.id}/approve", fixed({}))


@form_case(["comment"], ("comment",))
def decision_return(ctx):
    from cchc_web.decisions import services

    decision = factories.make_decision()
    leader = ctx.login("chairman", office=None)
    creator = decision.created_by

    def base():
        row = db.session.get(type(decision), decision.id)
        db.session.refresh(row)
        if row.state != "submitted":
            services.submit(row, creator or leader)
            db.session.commit()
        return {"comment": "Sửa căn cứ."}

    return Target(f"/decisions/{decision.id}/return", base)


@form_case(["number", "year", "symbol"], examples=8, regressions=(("number", HUGE_INT),))
def decision_verify(ctx):
    factories.make_decision()
    return Target("/verify", fixed({"number": "1", "year": "2025", "symbol": "QĐ-UBND"}), True)


@pytest.mark.parametrize("case", FORM_CASES, ids=lambda c: c.name)
@pytest.mark.usefixtures("pki")
def test_hostile_form_input(case: FormCase, client, login_as, app, monkeypatch):
    target = case.setup(Ctx(client, login_as, app, monkeypatch))
    upload_files = lambda: sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*"))  # noqa: E731

    def run(name: str, value: str) -> None:
        data = target.base()
        data[name] = value
        pop_flashes(client)
        before, files_before = db_state(case.ignore), upload_files()
        kwargs = {"content_type": "multipart/form-data"} if target.multipart else {}
        response = client.post(target.url, data=data, **kwargs)
        body = check_page(response, value)
        after = db_state(case.ignore)
        # Flash messages wait in the session after a redirect, or are already on the page.
        flashes = {category for category, _message in pop_flashes(client)}
        flashes |= set(re.findall(r'class="flash flash-(\w+)"', body))
        redirected = response.status_code in (302, 303)
        accepted = "success" in flashes or (redirected and "error" not in flashes)
        if not accepted:
            assert after == before, f"{case.name}: refused ({response.status_code}) but stored"
            assert upload_files() == files_before
            return
        if name in case.text:
            assert stored_somewhere(before, after, value), f"{name}={value[:80]!r} not stored"
        location = response.headers.get("Location", "")
        if location.startswith("/") and not location.startswith("/login"):
            shown = client.get(location)
            check_page(shown, value)

    for name, value in case.regressions:
        run = example(name=name, value=value)(run)
    run = example(name=case.fields[0], value=SCRIPT)(run)
    run = settings(max_examples=examples(case.examples), **FUZZ_SETTINGS)(run)
    given(name=st.sampled_from(case.fields), value=hostile)(run)()


# -- what the client cannot even send ------------------------------------------------------------
def test_lone_surrogates_and_invalid_utf8(client, login_as):
    """A lone surrogate cannot be encoded by any client (the test client refuses it too), so
    what reaches the server is invalid UTF-8. Percent-encoded (what browsers send) the bad
    bytes stay percent-encoded text; raw in the body the form cannot be read: a 400 in
    Vietnamese. Never a 500, nothing stored for the 400."""
    from cchc_web.models.plans import Plan

    _secretariat(Ctx(client, login_as, None, None))
    with pytest.raises(UnicodeEncodeError):
        client.post("/plans/new", data={**PLAN_FORM, "title": "a\ud800b"})
    fields = "&".join(f"{k}={v}" for k, v in PLAN_FORM.items() if k != "title")
    head = f"csrf_token={client.csrf_token()}&{fields}&title=K".encode()
    form = "application/x-www-form-urlencoded"
    raw = client.post("/plans/new", data=head + b"\xed\xa0\x80\xff", content_type=form, csrf=False)
    assert raw.status_code == 400 and "Vui lòng tải lại trang" in check_page(raw)
    assert db.session.scalar(select(func.count(Plan.id))) == 0
    quoted = client.post("/plans/new", data=head + b"%ED%A0%80%FF", content_type=form, csrf=False)
    check_page(quoted)
    assert quoted.status_code == 303
    assert db.session.scalar(select(Plan.title)) == "K%ED%A0%80%FF"


# -- hostile text stored, then shown on every page and in every export ----------------------------
SHOWN = "\x1b[31m\x07\x0b\x0c\x7f\u200b" + SCRIPT + IMG + unicodedata.normalize("NFD", " Hằng 😀")


def test_stored_hostile_text_renders_everywhere(client, login_as, monkeypatch):
    """Control characters (refused by openpyxl), HTML and combining marks, typed into forms
    and then shown: pages escape them and the PDF/XLSX exports never fail on them."""
    _during_the_plan(monkeypatch)
    plan = factories.import_demo_plan()
    _secretariat(Ctx(client, login_as, None, None))
    assert client.post(f"/plans/{plan.id}/tasks/new", data={
        **_task_form(), "code": "9.²", "content": SHOWN, "lead_office_ids": [str(office("VP").id)],
        "coordinating_office_ids": [], "due_month": "2025-09"}).status_code == 303  # fmt: skip
    assert client.post(f"/plans/{plan.id}/tasks/new", data={
        **_task_form(), "code": "9.a", "content": "x", "lead_office_ids": [str(office("VP").id)],
        "coordinating_office_ids": []}).status_code == 303  # fmt: skip
    assert client.post(f"/plans/{plan.id}/edit", data={
        **PLAN_FORM, "title": SHOWN, "theme": SHOWN, "period_start": "2025-07-01",
        "period_end": "2025-12-31"}).status_code == 303  # fmt: skip
    mt2 = next(o for o in plan.objectives if o.code == "MT2")
    edited = {**_objective_form(), "code": "MT2", "indicator": SHOWN, "unit": "%\x1b"}
    assert client.post(f"/plans/objectives/{mt2.id}/edit", data=edited).status_code == 303
    task = next(t for t in plan.tasks if t.code == "2.1")
    ctx = Ctx(client, login_as, None, None)
    head = ctx.login("head", office="VP")
    data = {**LATE, **{k: SHOWN for k in ("result", "cause", "catchup_action")}}
    data["catchup_responsible"] = SHOWN[:150]
    assert client.post(f"/offices/vp/tasks/{task.id}/update", data=data).status_code == 303
    rnd = factories.make_round()
    initiative = factories.make_initiative(
        rnd, "VP", title="Sáng kiến " + SHOWN, solution=SHOWN, state="submitted"
    )
    report = _report(head)
    text = {"direction": SHOWN, "strengths_limits": SHOWN, "next_tasks": SHOWN}
    assert client.post(f"/reports/{report.id}/text", data=text).status_code == 303
    client.post("/logout", data={})
    _secretariat(ctx)
    pages = [
        "/plans/", f"/plans/{plan.id}", f"/plans/{plan.id}/export.xlsx",
        f"/plans/{plan.id}/export.pdf", f"/plans/objectives/{mt2.id}", "/offices/vp/",
        f"/offices/vp/tasks/{task.id}", "/dashboard/", "/dashboard/tasks?office=VP",
        "/dashboard/objectives", "/reports/", f"/reports/{report.id}",
        f"/reports/{report.id}.pdf", f"/reports/{report.id}.xlsx", "/initiatives/",
        f"/initiatives/{initiative.id}", f"/initiatives/{initiative.id}/description.pdf",
    ]  # fmt: skip
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        check_page(response, SHOWN)
    client.post("/logout", data={})
    ctx.login("admin", office=None)
    check_page(client.get("/admin/audit"), SHOWN)


# -- file contents of the imports -----------------------------------------------------------------
def _csv(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


TASK_HEADER = ["ma", "linh_vuc", "noi_dung", "chu_tri", "phoi_hop", "thoi_gian"]
cell = hostile.filter(lambda s: len(s) < 5000)
garbage_files = st.sampled_from(
    [
        b"",
        b"\x00" * 64,
        b"\xff\xfe\x00\x00garbage",
        b"PK\x03\x04" + b"\x00" * 200,
        PDF,
        "ma,linh_vuc\n".encode("utf-16"),
        b"ma;noi_dung\n" + b"x" * 200_000 + b";y\n",  # one cell over csv's field limit
        b'"unterminated,quote\n1,2\n',
        b"\x1b[2J\r\r\r\n\n\n",
    ]
) | st.binary(max_size=300)


@settings(max_examples=examples(12), **FUZZ_SETTINGS)
@given(row=st.lists(cell, min_size=6, max_size=6), column=st.integers(0, 5))
@example(row=["1.1", "tthc", "x" * 200_000, "VP", "", "thuong_xuyen"], column=2)
@example(row=["1.²", "²", SCRIPT, "VP", "", "2025-09"], column=0)
def test_plan_import_file_contents(app, row, column):
    """The tasks file of a plan import with one hostile row (or cell): a preview, a list of
    Vietnamese problems or an import, never a 500; an imported cell is stored as typed."""
    from cchc_web.models.plans import Task

    client = app.test_client()
    if True:
        valid = ["1.1", "tthc", "Rà soát thủ tục", "VP", "HCC", "thuong_xuyen"]
        valid[column] = row[column]
        for rows in ([TASK_HEADER, valid], [TASK_HEADER, row]):
            _import_as_secretariat(client)
            before = db_state()
            data = {**PLAN_FORM, "period_start": "2025-07-01", "period_end": "2025-12-31"}
            data["tasks_file"] = (io.BytesIO(_csv(rows)), "nhiem-vu.csv")
            preview = client.post("/plans/import", data=data, content_type="multipart/form-data")
            check_page(preview, " ".join(rows[1]))
            assert db_state() == before
            data = {**data, "confirm": "1", "tasks_file": (io.BytesIO(_csv(rows)), "nv.csv")}
            done = client.post("/plans/import", data=data, content_type="multipart/form-data")
            check_page(done, " ".join(rows[1]))
            if done.status_code != 303:
                assert db_state() == before
            else:
                content = db.session.scalar(select(Task.content).order_by(Task.id.desc()))
                assert norm(content) == norm(rows[1][2])
                check_page(client.get(done.headers["Location"]), rows[1][2])


def _import_as_secretariat(client):
    if factories.org.office_by_code("VHXH") is None:
        from cchc_web.admin.services import ensure_commune

        ensure_commune("Xã Chí Minh", "Thành phố Hải Phòng")
        db.session.commit()
    user = db.session.scalar(select(factories.User).where(factories.User.username == "fz.sec"))
    user = user or factories.make_user(roles=("secretariat",), office="VHXH", username="fz.sec")
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True


@settings(max_examples=examples(12), **FUZZ_SETTINGS)
@given(content=garbage_files, name=st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a", "a.pdf"]))
@example(content=b"PK\x03\x04" + b"\x00" * 200, name="a.xlsx")
@example(content=b"ma;noi_dung\n" + b"x" * 200_000 + b";y\n", name="a.csv")
def test_import_files_with_garbage_content(app, content, name):
    """Garbage in any import (plan tasks, plan objectives, PAR index set): a Vietnamese
    message, nothing stored."""
    client = app.test_client()
    if True:
        _import_as_secretariat(client)
        before = db_state()
        plan = {**PLAN_FORM, "period_start": "2025-07-01", "period_end": "2025-12-31"}
        posts = [
            ("/plans/import", {**plan, "tasks_file": (io.BytesIO(content), name)}),
            ("/plans/import", {**plan, "confirm": "1", "tasks_file": (io.BytesIO(content), name)}),
            (
                "/plans/import",
                {
                    **plan,
                    "tasks_file": (io.BytesIO(TASKS_CSV), "nv.csv"),
                    "objectives_file": (io.BytesIO(content), name),
                    "confirm": "1",
                },
            ),
            (
                "/par-index/new",
                {"year": "2040", "source": "file", "file": (io.BytesIO(content), name)},
            ),
        ]
        for url, data in posts:
            response = client.post(url, data=data, content_type="multipart/form-data")
            check_page(response)
            assert response.status_code == 200, url
            assert db_state() == before, url


# -- uploads ---------------------------------------------------------------------------------------
class Sized(io.RawIOBase):
    """`size` bytes starting with `head`, read in chunks: a 20 MB upload without a 20 MB
    string in memory (the test client spools the request body to disk)."""

    def __init__(self, head: bytes, size: int) -> None:
        self.head, self.size, self.pos = head, size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.pos)
        chunk = (self.head[self.pos : self.pos + n] if self.pos < len(self.head) else b"").ljust(
            n, b"\0"
        )
        buffer[:n] = chunk
        self.pos += n
        return n


ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 100
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 100
REFUSED = ("Chỉ chấp nhận tệp", "vượt quá", "Tệp rỗng", "không phải là", "lớn hơn")
BAD_FILES = {
    "zero_bytes": (b"", "minh-chung.pdf"),
    "elf_named_pdf": (ELF, "bao-cao.pdf"),
    "exe_named_pdf": (b"MZ\x90\x00\x03" + b"\x00" * 100, "bao-cao.pdf"),
    "zip_named_docx": (ZIP, "bao-cao.docx"),
    "zip_named_xlsx": (ZIP, "bang.xlsx"),
    "text_named_png": (b"just some text", "anh.png"),
    "pdf_named_png": (PDF, "anh.png"),
    "html_named_pdf": (b"<html><script>alert(1)</script></html>", "trang.pdf"),
    "no_extension": (PDF, "../../etc/passwd"),
    "exe_extension": (b"MZ\x90\x00", "setup.exe"),
    "bidi_exe": (PDF, "\u202efdp.exe"),
    "oversize": (None, "lon.pdf"),  # UPLOAD_MAX_BYTES + 1 bytes of "PDF"
}
TRAVERSAL_NAMES = [
    "../../../../tmp/fuzz-evil.pdf",
    "..\\..\\..\\fuzz-evil.pdf",
    "/abs/path/fuzz-evil.pdf",
    "C:\\Windows\\fuzz-evil.pdf",
    "fuzz\x00evil.pdf",
    "ệ" * 300 + ".pdf",
    unicodedata.normalize("NFD", "Báo cáo số hóa 😀.pdf"),
    "  .pdf",
    "fuzz-evil.pdf\r\nX-Injected: 1",
    "<script>alert(1)</script>.pdf",
]
# (form case, the file field, max examples): the evidence forms of the app.
EVIDENCE_FORMS = {
    "task_update": "evidence",
    "initiative_new": "evidence",
    "initiative_edit": "evidence",
    "par_score": "evidence",
}
CASES_BY_NAME = {c.name: c for c in FORM_CASES}


def _files_outside(app) -> set[Path]:
    """Files in the test's temporary directory outside UPLOAD_DIR (the database excluded)."""
    upload = Path(app.config["UPLOAD_DIR"])
    return {
        p
        for p in upload.parent.rglob("*")
        if upload not in p.parents and p != upload and not p.name.startswith("test.db")
    }


def _check_upload_dir(app) -> None:
    """Only <2 hex>/<32 hex> files: the user's names are never paths; no temp file is left."""
    root = Path(app.config["UPLOAD_DIR"])
    for path in root.rglob("*"):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            assert re.fullmatch(r"([0-9a-f]{2})/\1[0-9a-f]{30}", rel), rel


def _post_evidence(ctx, case_name, files):
    case = CASES_BY_NAME[case_name]
    target = case.setup(ctx)
    data = target.base()
    data[EVIDENCE_FORMS[case_name]] = files
    return ctx.client.post(target.url, data=data, content_type="multipart/form-data")


def _stream(content: bytes | None, app):
    if content is None:
        return Sized(PDF, app.config["UPLOAD_MAX_BYTES"] + 1)
    return io.BytesIO(content)


@pytest.mark.parametrize("case_name", EVIDENCE_FORMS)
def test_bad_evidence_is_refused_in_vietnamese(case_name, client, login_as, app, monkeypatch):
    """Oversize, empty, wrong content for the extension, no or a forbidden extension: a
    Vietnamese message, no row, no file (not even the good file sent with it)."""
    target = CASES_BY_NAME[case_name].setup(Ctx(client, login_as, app, monkeypatch))
    for kind, (content, name) in BAD_FILES.items():
        data = target.base()
        before, outside = db_state(), _files_outside(app)
        data["evidence"] = [(io.BytesIO(PDF), "tot.pdf"), (_stream(content, app), name)]
        response = client.post(target.url, data=data, content_type="multipart/form-data")
        body = check_page(response, name)
        assert response.status_code == 200, kind
        assert any(message in body for message in REFUSED), kind
        assert db_state() == before, kind
        assert not [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()], kind
        assert _files_outside(app) == outside, kind


@pytest.mark.parametrize("name", TRAVERSAL_NAMES, ids=range(len(TRAVERSAL_NAMES)))
def test_traversal_and_odd_names_are_only_display_names(name, client, login_as, app, monkeypatch):
    """A good PDF under any name is stored under a random key; its name is kept for display,
    without directories or control characters, at most 255 characters, and escaped."""
    ctx = Ctx(client, login_as, app, monkeypatch)
    outside = _files_outside(app)
    response = _post_evidence(ctx, "initiative_new", [(io.BytesIO(PDF), name)])
    body = check_page(response, name)
    attachments = db.session.scalars(select(Attachment)).all()
    if response.status_code != 303:
        assert any(message in body for message in REFUSED)
        assert attachments == []
    else:
        # (A CR/LF in the name breaks the test client's own multipart header: no file part.)
        assert len(attachments) == (0 if "\r" in name else 1)
    for stored in attachments:
        assert re.fullmatch(r"[0-9a-f]{32}", stored.storage_key)
        assert not set("/\\\x00\r\n") & set(stored.original_name)
        assert 0 < len(stored.original_name) <= 255 and stored.original_name.endswith(".pdf")
        path = Path(app.config["UPLOAD_DIR"]) / stored.storage_key[:2] / stored.storage_key
        assert path.read_bytes() == PDF
        check_page(client.get(response.headers["Location"]), name)
    _check_upload_dir(app)
    assert _files_outside(app) == outside
    for base in (Path(app.config["UPLOAD_DIR"]), Path.cwd(), Path("/")):
        for candidate in ("fuzz-evil.pdf", "tmp/fuzz-evil.pdf", "abs/path/fuzz-evil.pdf"):
            assert not (base / candidate).exists()


@settings(max_examples=examples(15), **FUZZ_SETTINGS)
@given(
    name=st.one_of(st.sampled_from(TRAVERSAL_NAMES), unicode_text.map(lambda s: s + ".pdf")),
    content=st.sampled_from([PDF, PNG, ELF, b"", b"%PDF"]) | st.binary(max_size=64),
)
def test_fuzzed_uploads_everywhere(app, name, content):
    """Every form that takes a file, one hostile upload each: never a 500, nothing outside
    UPLOAD_DIR, only well-formed storage keys inside it, no row for a refused file."""
    client = app.test_client()
    _import_as_secretariat(client)
    outside = _files_outside(app)
    posts = [
        ("/plans/import", {**PLAN_FORM, "tasks_file": (io.BytesIO(content), name)}),
        ("/par-index/new", {"year": "2041", "source": "file", "file": (io.BytesIO(content), name)}),
        ("/verify", {"file": (io.BytesIO(content), name)}),
    ]
    for url, data in posts:
        before = db_state()
        response = client.post(url, data=data, content_type="multipart/form-data")
        check_page(response, name)
        assert db_state() == before, url
    assert _files_outside(app) == outside
    _check_upload_dir(app)


def test_import_and_verify_size_limits(client, login_as, app, monkeypatch):
    """The plan import takes 2 MB, /verify 4 MB (VERIFY_MAX_BYTES); past MAX_CONTENT_LENGTH the
    whole request is refused with the Vietnamese 413 page."""
    from cchc_web.plans.routes import MAX_IMPORT_BYTES

    _secretariat(Ctx(client, login_as, app, monkeypatch))
    before = db_state()
    data = {**PLAN_FORM, "tasks_file": (Sized(b"ma,", MAX_IMPORT_BYTES + 1), "nv.csv")}
    response = client.post("/plans/import", data=data, content_type="multipart/form-data")
    assert "Tệp nhập lớn hơn 2 MB." in check_page(response)
    big = Sized(PDF, app.config["VERIFY_MAX_BYTES"] + 1)
    response = client.post(
        "/verify", data={"file": (big, "qd.pdf")}, content_type="multipart/form-data"
    )
    assert "Tệp lớn hơn 4 MB" in check_page(response)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    for url in ("/plans/import", "/par-index/new", "/verify"):
        data = {"file": (Sized(PDF, 65 * 1024), "lon.pdf"), "tasks_file": (Sized(b"", 10), "a.csv")}
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code == 413
        assert "Dữ liệu gửi lên quá lớn" in check_page(response)
    ctx = Ctx(client, login_as, app, monkeypatch)
    response = _post_evidence(ctx, "task_update", [(Sized(PDF, 65 * 1024), "lon.pdf")])
    assert response.status_code == 413 and "Mỗi tệp tối đa 20 MB" in check_page(response)
    assert db_state() == before or db.session.scalar(select(func.count(Attachment.id))) == 0
    assert not [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


# -- URL parameters -------------------------------------------------------------------------------
ID = "{id}"
GET_URLS = [
    f"/plans/{ID}", f"/plans/{ID}/edit", f"/plans/{ID}/export.xlsx", f"/plans/tasks/{ID}/edit",
    f"/plans/objectives/{ID}", f"/offices/vp/tasks/{ID}", f"/offices/{ID}/",
    f"/offices/vp/files/{ID}", f"/reports/{ID}", f"/reports/{ID}.pdf", f"/reports/office/{ID}/",
    f"/initiatives/{ID}", f"/initiatives/{ID}/files/{ID}", f"/initiatives/rounds/{ID}",
    f"/council/{ID}", f"/council/{ID}/initiatives/{ID}", f"/par-index/{ID}",
    f"/par-index/{ID}/export.{ID}", f"/par-index/items/{ID}/score", f"/decisions/{ID}",
    f"/decisions/{ID}/pdf", f"/admin/users/{ID}/edit", f"/admin/offices/{ID}/edit",
]  # fmt: skip
QUERY_URLS = [
    "/plans/?page={q}", "/admin/users?q={q}&office={q}&role={q}&status={q}&page={q}",
    "/offices/vp/?plan={q}&role={q}&field={q}&status={q}&period={q}&page={q}",
    "/reports/?period={q}&page={q}", "/initiatives/?year={q}&state={q}&office={q}&page={q}",
    "/initiatives/emulation?year={q}", "/dashboard/?plan={q}",
    "/dashboard/tasks?plan={q}&office={q}&field={q}&status={q}&role={q}&page={q}",
    "/dashboard/objectives?plan={q}&state={q}", "/decisions/?state={q}&page={q}",
    "/verify?number={q}&year={q}&symbol={q}", "/council/{q}/score?page={q}", "/login?next={q}",
]  # fmt: skip
id_like = st.sampled_from(
    ["0", "-1", "1", "2147483647", "2147483648", HUGE_INT, "9223372036854775808", "1e3", "abc"]
    + ["１２", "²", "%00", "..%2F..%2Fetc", "%2e%2e", "' OR 1=1 --", "<script>", "%F0%9F%98%80"]
)
query_like = hostile.map(lambda s: __import__("urllib.parse").parse.quote(s[:300], safe=""))


@settings(max_examples=examples(25), **FUZZ_SETTINGS)
@given(template=st.sampled_from(GET_URLS + QUERY_URLS), value=id_like | query_like)
@example(template="/plans/?page={q}", value=HUGE_INT)
@example(template="/plans/{id}", value=HUGE_INT)
@example(template="/dashboard/?plan={q}", value="2147483648")
@example(template="/offices/{id}/", value="%00")
@example(template="/admin/users?q={q}&office={q}&role={q}&status={q}&page={q}", value="a%00b")
def test_hostile_url_parameters(app, template, value):
    """Ids that are not numbers, do not fit an INTEGER or do not exist, and any text in the
    query string: 200, 302, 400, 403 or 404; never a 500."""
    client = app.test_client()
    _import_as_secretariat(client)
    if not db.session.scalar(
        select(func.count(factories.User.id)).where(factories.User.username == "fz.admin")
    ):
        factories.make_user(
            roles=("admin", "secretariat", "chairman"), office="VHXH", username="fz.admin"
        )
    admin = db.session.scalar(select(factories.User).where(factories.User.username == "fz.admin"))
    with client.session_transaction() as sess:
        sess["_user_id"] = str(admin.id)
    url = template.replace("{id}", value).replace("{q}", value)
    response = client.get(url)
    # 308: an empty id ("/offices//") is werkzeug's redirect to the merged slashes.
    assert response.status_code in (200, 302, 308, 400, 403, 404), (url, response.status_code)
    check_page(response)
