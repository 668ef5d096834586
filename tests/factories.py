"""Small factories that keep tests short (in the manner of CTFd's tests/helpers.py)."""

from __future__ import annotations

import itertools
from contextlib import contextmanager

from sqlalchemy import event

from cchc_web.admin import services as org
from cchc_web.core.extensions import db
from cchc_web.models import Office, Role, User

PASSWORD = "Secret@123"
_counter = itertools.count(1)


def office(code: str) -> Office:
    found = org.office_by_code(code)
    assert found is not None, f"office {code} missing: use the `commune` fixture"
    return found


def make_user(
    *,
    roles: tuple[str, ...] | list[str] = ("staff",),
    office: str | None = "VP",
    username: str | None = None,
    full_name: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
    position_title: str = "Chuyên viên",
) -> User:
    n = next(_counter)
    office_obj = globals()["office"](office) if office else None
    user = User(
        username=username or f"user{n}",
        full_name=full_name or f"Nguyễn Văn Thử {n}",
        position_title=position_title,
        office=office_obj,
        active=active,
    )
    user.set_password(password)
    user.set_roles({Role(r) for r in roles})
    db.session.add(user)
    db.session.commit()
    return user


# -- plans, tasks and reports (issue 3) --------------------------------------------------------
def make_plan(
    title: str = "Kế hoạch CCHC 6 tháng cuối năm 2025", *, status: str = "active", **fields
):
    """A plan, active unless told otherwise (the status is set directly: activating through
    the service needs tasks first)."""
    from datetime import date

    from cchc_web.plans import services as plans

    plan = plans.create_plan(
        plans.PlanData(
            title=title,
            period_start=fields.pop("period_start", date(2025, 7, 1)),
            period_end=fields.pop("period_end", date(2025, 12, 31)),
            **fields,
        )
    )
    plan.status = status
    db.session.commit()
    return plan


def import_demo_plan(*, active: bool = True, **overrides):
    """The real plan of Xã Chí Minh from cchc_web/plans/data/ (29 tasks, 13 objectives),
    issued (active) through the service unless `active=False`; `overrides` change the
    PlanData (title, period)."""
    from dataclasses import replace
    from datetime import date

    from cchc_web.plans import demo, services

    # As the commune signed it on paper (the demo issues it through the system instead).
    overrides = {"doc_number": "125/KH-UBND", "doc_date": date(2025, 7, 8), **overrides}
    data = replace(demo.DEMO_PLAN, **overrides)
    parsed = services.parse_plan_files(
        (demo.TASKS_CSV.name, demo.TASKS_CSV.read_bytes()),
        (demo.OBJECTIVES_CSV.name, demo.OBJECTIVES_CSV.read_bytes()),
        (data.period_start, data.period_end),
    )
    plan = services.import_plan(data, parsed)
    if active:
        secretariat = make_user(roles=("secretariat",), office="VHXH")
        services.activate_plan(plan, secretariat)
    db.session.commit()
    return plan


def make_task(plan, code: str = "9.1", lead: str = "VP", coordinating=(), **fields):
    from cchc_web.plans import services as plans

    task = plans.create_task(
        plan,
        plans.TaskData(
            code=code,
            field=fields.pop("field", "tthc"),
            content=fields.pop("content", f"Nhiệm vụ thử {code}"),
            lead_office_ids=[office(c).id for c in lead.split(";")],
            coordinating_office_ids=[office(c).id for c in coordinating],
            timing=fields.pop("timing", "ongoing"),
            due_month=fields.pop("due_month", None),
        ),
    )
    db.session.commit()
    return task


# -- initiatives and council (issue 4) ----------------------------------------------------------
def make_round(year: int | None = None, *, deadline=None, decision_deadline=None, **fields):
    """A round whose submission is open (deadline in 30 days) unless told otherwise."""
    from datetime import timedelta

    from cchc_web.core.timeutil import local_today
    from cchc_web.models import Round

    today = local_today()
    deadline = deadline or today + timedelta(days=30)
    rnd = Round(
        year=year or today.year,
        title=fields.pop("title", f"Sáng kiến CCHC năm {year or today.year}"),
        submission_deadline=deadline,
        decision_deadline=decision_deadline or max(deadline, today) + timedelta(days=10),
        **fields,
    )
    db.session.add(rnd)
    db.session.commit()
    return rnd


def make_initiative(
    rnd,
    office_code: str = "VP",
    *,
    title: str = "Nhắc lịch hẹn trả kết quả qua Zalo OA",
    authors=None,
    state: str = "draft",
    solution: str = "",
):
    """An initiative of `office_code` taken to `state` through the services (submitted,
    returned or accepted), with one staff author at 100% unless `authors` [(user, share)]."""
    from cchc_web.initiatives import services

    office_obj = office(office_code)
    staff = make_user(roles=("staff",), office=office_code)
    authors = authors or [(staff, 100)]
    initiative = services.create_initiative(
        rnd,
        office_obj,
        services.InitiativeData(
            title=title,
            field="tthc",
            solution=solution,
            authors=[services.AuthorData(user_id=u.id, share=s) for u, s in authors],
        ),
        staff,
    )
    if state != "draft":
        head = make_user(roles=("head",), office=office_code)
        services.submit_initiative(initiative, head, today=rnd.submission_deadline)
        secretariat = make_user(roles=("secretariat",), office="VHXH")
        if state == "returned":
            services.return_initiative(initiative, "Bổ sung số liệu.", secretariat)
        elif state == "accepted":
            services.accept_initiative(initiative, secretariat, "Đã xem minh chứng tại đơn vị.")
    db.session.commit()
    return initiative


def make_council(rnd, members, *, open_scoring: bool = True, established: bool = True):
    """A council of `members`: [(user, "chair"|"secretary"|"member")], established (by a
    signed Decision row, see `signed_decision`) and open for scoring unless told otherwise."""
    from cchc_web.council import services

    secretariat = make_user(roles=("secretariat",), office="VHXH")
    council = services.create_council(rnd, secretariat)
    for user, position in members:
        services.add_member(council, user, position, secretariat)
    if established or open_scoring:
        chairman = make_user(roles=("chairman",), office=None)
        decision = signed_decision("council_establishment", council_id=council.id)
        services.establish(council, decision, chairman)
    if open_scoring:
        services.open_scoring(council, secretariat)
    db.session.commit()
    return council


_numbers = itertools.count(1)


def signed_decision(kind: str = "other", **links):
    """A Decision row as signing leaves it (numbered, dated, frozen), without the cost of
    rendering and signing a PDF: for tests about what a signed Decision leads to. Tests of
    signing itself approve through the service."""
    import hashlib
    from datetime import date

    from cchc_web.core.timeutil import utcnow
    from cchc_web.models import Decision

    signer = make_user(roles=("chairman",), office=None)
    pdf = b"%PDF-1.7 test decision " + str(next(_numbers)).encode()
    decision = Decision(
        kind=kind,
        state="approved",
        year=2025,
        symbol="QĐ-UBND",
        number=900 + next(_numbers),
        issued_on=date(2025, 9, 17),
        place="Chí Minh",
        issuer_lines=["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"],
        summary="Về việc thử",
        articles=["Điều thử."],
        approved_by=signer,
        approved_at=utcnow(),
        signer_name=signer.full_name,
        authority_lines=["CHỦ TỊCH"],
        pdf=pdf,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        **links,
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def score_as(council, user, initiative, novelty, effectiveness, applicability, recommend=True):
    from cchc_web.council import services

    sheet = services.submit_score(
        council,
        user,
        initiative,
        {"novelty": novelty, "effectiveness": effectiveness, "applicability": applicability},
        recommend,
        "",
    )
    db.session.commit()
    return sheet


# -- PAR Index ------------------------------------------------------------------------------
def par_rows(spec: list[tuple]) -> list:
    """ItemRows from (code, parent, max, method, office) tuples, checked like an import."""
    from cchc_web.par_index import services as par
    from cchc_web.par_index import tabular

    table = [(1, list(tabular.COLUMNS.values()))]
    for n, (code, parent, max_points, method, office_code) in enumerate(spec, start=2):
        label = "Điều tra xã hội học" if method == "survey" else "Tự đánh giá"
        table.append(
            (n, [code, parent or "", f"Tiêu chí {code}", max_points, label, "", office_code or ""])
        )
    rows, issues = tabular.parse_rows(table, par.office_codes())
    assert not issues, issues
    return rows


# A small set whose totals are easy to compute by hand: 10 + 5 self-assessed, 5 survey.
SMALL_PAR_SET = [
    ("1", None, "10", "self", None),
    ("1.1", "1", "6", "self", None),
    ("1.1.1", "1.1", "2.5", "self", "VP"),
    ("1.1.2", "1.1", "3.5", "self", "VP"),
    ("1.2", "1", "4", "self", "KT"),
    ("2", None, "5", "self", None),
    ("2.1", "2", "5", "self", "HCC"),
    ("3", None, "5", "survey", None),
    ("3.1", "3", "5", "survey", None),
]


def make_par_set(year: int = 2025, spec=None, *, status: str = "open", deadline=None):
    from cchc_web.models import SetStatus
    from cchc_web.par_index import services as par

    index_set = par.create_set(year, "", deadline, par_rows(spec or SMALL_PAR_SET))
    if status != "draft":
        par.set_status(index_set, SetStatus.OPEN)
    if status == "closed":
        par.set_status(index_set, SetStatus.CLOSED)
    db.session.commit()
    return index_set


def par_item(index_set, code: str):
    return next(i for i in index_set.items if i.code == code)


def make_decision(creator: User | None = None, *, submit: bool = True, rows: int = 3, **content):
    """A recognition-like Decision of the kind "other" (no subject; submitted unless told
    otherwise), built from plain texts."""
    from cchc_web.decisions import services as decisions
    from cchc_web.decisions.texts import recognition_content
    from cchc_web.models import Commune

    creator = creator or make_user(roles=("staff", "secretariat"), office="VHXH")
    commune = Commune.current()
    initiatives = [
        {
            "title": f"Số hóa hồ sơ một cửa {i}",
            "authors": ["Nguyễn Văn An", "Trần Thị Bình"],
            "office": "Trung tâm Phục vụ hành chính công",
            "field": "Cải cách thủ tục hành chính",
            "score": 80 + i / 2,
        }
        for i in range(1, rows + 1)
    ]
    draft = recognition_content(commune.name if commune else "Xã Chí Minh", 2025, initiatives)
    draft.locked_articles = 0
    for key, value in content.items():
        setattr(draft, key, value)
    decision = decisions.create_from_content("other", draft, creator, year=2025)
    if submit:
        decisions.submit(decision, creator)
    db.session.commit()
    return decision


def give_certificate(user: User) -> User:
    """Register a personal certificate of the test PKI (the `pki` fixture) for `user`."""
    from flask import current_app

    from cchc_web.decisions import certificates, signing

    folder = signing.demo_ca_folder(current_app._get_current_object())
    certificates.register_demo_certificates(folder, [user], "Xã Chí Minh")
    db.session.commit()
    return user


def make_signer(roles=("chairman",), **fields) -> User:
    """A leader (or council member) with a registered personal certificate."""
    return give_certificate(make_user(roles=roles, office=fields.pop("office", None), **fields))


# -- citizens' satisfaction (issue 19) -----------------------------------------------------------
def sipas_setup():
    """The default fields, counters and SIPAS questionnaire (needs the `commune` fixture);
    returns the version in use."""
    from cchc_web.sipas import services as sipas

    sipas.ensure_defaults()
    db.session.commit()
    return sipas.published_version()


def make_kiosk(name: str = "Máy tính bảng quầy 1", counter: str | None = None):
    from sqlalchemy import select

    from cchc_web.models.sipas import Kiosk, ServiceCounter
    from cchc_web.sipas import services as sipas

    found = db.session.scalars(select(ServiceCounter).order_by(ServiceCounter.id)).first()
    kiosk = Kiosk(name=name, counter=found if counter is None else None, token=sipas.new_token())
    db.session.add(kiosk)
    db.session.commit()
    return kiosk


def sipas_field(code: str):
    from sqlalchemy import select

    from cchc_web.models.sipas import ProcedureField

    return db.session.scalar(select(ProcedureField).where(ProcedureField.code == code))


def make_receipt(number: str | None = None, field: str = "dat_dai", **fields):
    from cchc_web.core.timeutil import local_today
    from cchc_web.sipas import services as sipas

    n = next(_counter)
    receipt = sipas.issue_receipt(
        sipas.ReceiptData(
            number=number or f"000.00.22.H23-{n:06d}",
            procedure_field_id=sipas_field(field).id,
            received_on=fields.pop("received_on", local_today()),
            **fields,
        ),
        fields.pop("actor", None),
    )
    db.session.commit()
    return receipt


def answers_for(version, *values: int, skip_optional: bool = True) -> dict[int, str]:
    """Ratings by question id: the values in order, repeated; optional questions left out
    unless `skip_optional` is False."""
    questions = [q for q in version.questions if q.required or not skip_optional]
    return {q.id: str(values[i % len(values)]) for i, q in enumerate(questions)}


def submit(version, ratings: dict, *, kiosk=None, receipt=None, **fields):
    """Store one response through the service and commit."""
    from cchc_web.sipas import services as sipas

    response = sipas.submit_response(
        sipas.Submission(version_id=version.id, ratings=ratings, **fields),
        kiosk=kiosk,
        receipt=receipt,
    )
    db.session.commit()
    return response


# -- counting statements (issue 16) ---------------------------------------------------------------
@contextmanager
def statements():
    """The SQL statements run inside the block, as sent to the database."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def build_demo() -> None:
    """What `flask seed-demo` writes: the demo's communes, accounts and stories, built on
    today's date (each seeder tells its part relative to today)."""
    from cchc_web.core.demo import seeders

    for seeder in seeders():
        seeder.run()
        db.session.commit()
