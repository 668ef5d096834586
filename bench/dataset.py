"""A city-scale dataset for benchmarks, built straight through the ORM in bulk.

`build(scale)` creates `scale` times the base volumes of the Quality issue: 20 offices,
60 users, 3 years of data (600 tasks, 50,000 task updates, 3,000 initiatives, 30,000 scores);
each domain adds its part in a function below as it lands.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from cchc_web.admin.services import ensure_commune
from cchc_web.core.extensions import db
from cchc_web.models import AuditLog, Office, Role, User, UserRole

PASSWORD = "Bench@2025"  # noqa: S105 - benchmark accounts in a throwaway database
BASE = {
    "offices": 20,
    "users": 60,
    "audit": 5000,
    "years": 3,
    "tasks": 600,
    "task_updates": 50_000,
    "reports_per_office": 12,
    "initiatives": 3_000,
    "scores": 30_000,
}
YEARS = (2023, 2024, 2025)
CHUNK = 5_000


def _insert(model, rows) -> None:
    """Bulk insert in chunks: one executemany per chunk, no ORM objects."""
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start : start + CHUNK])


def build_organisation(scale: int, rng: random.Random) -> dict:
    ensure_commune("Xã Chí Minh", "Thành phố Hải Phòng", settings={"bench": True})
    extra = BASE["offices"] * scale - 7
    db.session.execute(
        insert(Office),
        [
            {
                "code": f"P{i:03d}",
                "name": f"Phòng chuyên môn số {i}",
                "is_specialised": i % 2 == 0,
                "active": True,
                "sort_order": 100 + i,
            }
            for i in range(extra)
        ],
    )
    offices = db.session.scalars(db.select(Office)).all()
    password_hash = generate_password_hash(PASSWORD)
    users = []
    for i in range(BASE["users"] * scale):
        office = offices[i % len(offices)]
        users.append(
            {
                "username": f"bench{i:04d}",
                "full_name": f"Nguyễn Văn Thử {i}",
                "position_title": "Chuyên viên",
                "office_id": office.id,
                "password_hash": password_hash,
                "active": True,
            }
        )
    db.session.execute(insert(User), users)
    ids = db.session.scalars(db.select(User.id).order_by(User.id)).all()
    roles = [{"user_id": uid, "role": Role.STAFF.value} for uid in ids]
    roles += [{"user_id": ids[0], "role": Role.ADMIN.value}]
    roles += [{"user_id": ids[1], "role": Role.SECRETARIAT.value}]
    roles += [{"user_id": ids[2], "role": Role.CHAIRMAN.value}]
    db.session.execute(insert(UserRole), roles)
    db.session.execute(
        insert(AuditLog),
        [
            {
                "actor_id": rng.choice(ids),
                "action": "user.update",
                "object_type": "User",
                "object_id": str(rng.choice(ids)),
                "before": {"full_name": "A"},
                "after": {"full_name": "B"},
            }
            for _ in range(BASE["audit"] * scale)
        ],
    )
    db.session.commit()
    return {
        "admin": "bench0000",
        "secretariat": "bench0001",
        "chairman": "bench0002",
        "staff": "bench0010",
    }


def build_plans(scale: int, rng: random.Random) -> dict:
    """3 yearly plans: 600 tasks (lead and coordinating offices), 50,000 updates, objectives
    with monthly values and the offices' monthly reports."""
    from cchc_web.models import (
        Objective,
        ObjectiveValue,
        Plan,
        Report,
        Task,
        TaskOffice,
        TaskUpdate,
    )
    from cchc_web.models.plans import FIELDS, OfficeRole

    offices = db.session.scalars(db.select(Office.id).order_by(Office.id)).all()
    users = db.session.scalars(db.select(User.id).order_by(User.id)).all()
    fields = list(FIELDS)
    tasks_per_year = BASE["tasks"] * scale // len(YEARS)
    plan_ids = []
    for year in YEARS:
        plan = Plan(
            title=f"Kế hoạch cải cách hành chính năm {year} của Ủy ban nhân dân xã",
            theme="Đẩy mạnh chuyển đổi số, lấy người dân làm trung tâm",
            period_start=date(year, 1, 1),
            period_end=date(year, 12, 31),
            doc_number=f"{10 + year % 100}/KH-UBND",
            doc_date=date(year, 1, 10),
            status="active",
        )
        db.session.add(plan)
        db.session.flush()
        plan_ids.append((year, plan.id))
        _insert(
            Task,
            [
                {
                    "plan_id": plan.id,
                    "code": f"{i // 30 + 1}.{i % 30 + 1}",
                    "field": fields[i % len(fields)],
                    "content": f"Rà soát, đơn giản hóa thủ tục hành chính nhóm {i} "
                    "và công khai kết quả trên Cổng thông tin điện tử của xã",
                    "timing": "month" if i % 3 else "ongoing",
                    "due_month": date(year, i % 12 + 1, 1) if i % 3 else None,
                    "sort_order": i,
                }
                for i in range(tasks_per_year)
            ],
        )
        objectives = [
            {
                "plan_id": plan.id,
                "code": f"MT{i + 1}",
                "indicator": f"Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn nhóm {i + 1}",
                "comparison": ">=",
                "target": 95,
                "unit": "%",
                "owner_office_id": offices[i % len(offices)],
                "sort_order": i,
            }
            for i in range(10)
        ]
        _insert(Objective, objectives)
    objective_ids = db.session.scalars(db.select(Objective.id)).all()
    values = []
    for year in YEARS:
        for objective_id in objective_ids:
            for month in range(1, 13):
                values.append(
                    {
                        "objective_id": objective_id,
                        "month": date(year, month, 1),
                        "value": rng.randint(85, 100),
                        "note": "",
                    }
                )
    _insert(ObjectiveValue, values)
    tasks = db.session.execute(db.select(Task.id, Task.plan_id)).all()
    links = []
    for n, (task_id, _plan_id) in enumerate(tasks):
        lead = offices[n % len(offices)]
        links.append({"task_id": task_id, "office_id": lead, "role": OfficeRole.LEAD.value})
        other = offices[(n * 7 + 3) % len(offices)]
        if other != lead:
            links.append(
                {"task_id": task_id, "office_id": other, "role": OfficeRole.COORDINATING.value}
            )
    _insert(TaskOffice, links)
    lead_of = {link["task_id"]: link["office_id"] for link in links if link["role"] == "lead"}
    year_of_plan = {plan_id: year for year, plan_id in plan_ids}
    updates = []
    task_ids = [task_id for task_id, _ in tasks]
    per_task = BASE["task_updates"] * scale // len(task_ids)
    for task_id, plan_id in tasks:
        year = year_of_plan[plan_id]
        for k in range(per_task):
            progress = min(100, (k + 1) * 100 // per_task)
            status = "done" if progress == 100 else ("late" if k % 17 == 5 else "in_progress")
            late = status == "late"
            updates.append(
                {
                    "task_id": task_id,
                    "office_id": lead_of[task_id],
                    "author_id": rng.choice(users),
                    "created_at": datetime(year, 1 + k * 12 // per_task, 1 + k % 27, 9, tzinfo=UTC),
                    "status": status,
                    "progress": progress,
                    "result": f"Đã triển khai, hoàn thành {progress}% khối lượng công việc.",
                    "cause_type": "objective" if late else None,
                    "cause": "Chờ hướng dẫn của cấp trên" if late else "",
                    "catchup_action": "Tăng cường phối hợp, đôn đốc" if late else "",
                    "catchup_deadline": date(year, 12, 15) if late else None,
                    "catchup_responsible": "Trưởng phòng" if late else "",
                }
            )
    _insert(TaskUpdate, updates)
    reports = []
    for year in YEARS:
        for office_id in offices:
            for month in range(1, BASE["reports_per_office"] + 1):
                end = date(year, month, 14)
                start = date(year - 1, 12, 15) if month == 1 else date(year, month - 1, 15)
                submitted = datetime(year, month, 18, 8, tzinfo=UTC)
                reports.append(
                    {
                        "office_id": office_id,
                        "kind": "month",
                        "period_start": start,
                        "period_end": end,
                        "deadline": date(year, month, 20),
                        "status": "accepted" if month % 5 else "returned",
                        "direction": "Ban hành kế hoạch, văn bản chỉ đạo điều hành.",
                        "submitted_at": submitted,
                    }
                )
    _insert(Report, reports)
    db.session.commit()
    staff_office = db.session.scalar(
        db.select(Office)
        .join(User, User.office_id == Office.id)
        .where(User.username == "bench0010")
    )
    task_id = db.session.scalar(
        db.select(TaskOffice.task_id)
        .join(Task, Task.id == TaskOffice.task_id)
        .where(TaskOffice.office_id == staff_office.id, Task.plan_id == plan_ids[-1][1])
        .order_by(TaskOffice.task_id)
        .limit(1)
    )
    return {
        "plan_id": plan_ids[-1][1],
        "staff_office": staff_office.code.lower(),
        "task_id": task_id,
    }


def build_initiatives(scale: int, rng: random.Random) -> dict:
    """A round per year, 3,000 initiatives with authors, a council per round, 30,000 scores."""
    from cchc_web.models import Council, CouncilMember, Initiative, InitiativeAuthor, Round, Score
    from cchc_web.models.initiatives import DEFAULT_RUBRIC, INITIATIVE_FIELDS

    offices = db.session.scalars(db.select(Office.id).order_by(Office.id)).all()
    users = db.session.execute(db.select(User.id, User.office_id).order_by(User.id)).all()
    users_of: dict[int, list[int]] = {}
    for user_id, office_id in users:
        users_of.setdefault(office_id, []).append(user_id)
    fields = list(INITIATIVE_FIELDS)
    per_year = BASE["initiatives"] * scale // len(YEARS)
    scores_per_initiative = BASE["scores"] // BASE["initiatives"]
    rounds = {}
    for year in YEARS:
        round_ = Round(
            year=year,
            title=f"Đợt xét công nhận sáng kiến cải cách hành chính năm {year}",
            submission_deadline=date(year, 9, 20),
            decision_deadline=date(year, 9, 30),
        )
        db.session.add(round_)
        db.session.flush()
        council = Council(
            round_id=round_.id,
            state="scoring",
            # Established before the bench's window: no Decision row needed for the pages.
            legacy_decision_ref=f"{year % 100}/QĐ-UBND ngày 01/09/{year}",
        )
        db.session.add(council)
        db.session.flush()
        member_users = [uid for uid, _ in users[3 : 3 + scores_per_initiative + 2]]
        _insert(
            CouncilMember,
            [
                {
                    "council_id": council.id,
                    "user_id": uid,
                    "position": "chair" if k == 0 else ("secretary" if k == 1 else "member"),
                }
                for k, uid in enumerate(member_users)
            ],
        )
        rounds[year] = (round_.id, council.id)
    states = ["draft", "submitted", "accepted", "scored", "recommended", "not_recommended"]
    for year, (round_id, _council_id) in rounds.items():
        _insert(
            Initiative,
            [
                {
                    "round_id": round_id,
                    "office_id": offices[i % len(offices)],
                    "state": states[i % len(states)],
                    "title": f"Ứng dụng chuyển đổi số trong giải quyết thủ tục hành chính số {i}",
                    "field": fields[i % len(fields)],
                    "current_situation": "Người dân phải đi lại nhiều lần để nộp hồ sơ giấy.",
                    "solution": "Tiếp nhận hồ sơ trực tuyến, trả kết quả qua bưu chính công ích.",
                    "novelty": "Lần đầu áp dụng tại xã.",
                    "effectiveness": "Giảm 40% thời gian giải quyết hồ sơ.",
                    "submitted_at": None
                    if i % len(states) == 0
                    else datetime(year, 9, 15, tzinfo=UTC),
                }
                for i in range(per_year)
            ],
        )
    initiatives = db.session.execute(
        db.select(Initiative.id, Initiative.round_id, Initiative.office_id)
    ).all()
    authors = []
    for initiative_id, _round_id, office_id in initiatives:
        people = users_of.get(office_id) or [users[0][0]]
        authors.append({"initiative_id": initiative_id, "user_id": people[0], "share": 100})
    _insert(InitiativeAuthor, authors)
    members_of: dict[int, list[int]] = {}
    for member_id, council_id in db.session.execute(
        db.select(CouncilMember.id, CouncilMember.council_id)
    ):
        members_of.setdefault(council_id, []).append(member_id)
    council_of_round = {round_id: council_id for round_id, council_id in rounds.values()}
    codes = [c["code"] for c in DEFAULT_RUBRIC]
    scores = []
    for initiative_id, round_id, _office_id in initiatives:
        members = members_of[council_of_round[round_id]]
        for member_id in members[:scores_per_initiative]:
            points = {code: rng.randint(5, 30) for code in codes}
            scores.append(
                {
                    "member_id": member_id,
                    "initiative_id": initiative_id,
                    "points": points,
                    "total": sum(points.values()),
                    "recommend": points[codes[0]] > 15,
                    "comment": "Sáng kiến có tính mới, hiệu quả rõ.",
                    "submitted_at": datetime(2025, 9, 22, tzinfo=UTC),
                }
            )
    _insert(Score, scores)
    db.session.commit()
    latest_round, latest_council = rounds[YEARS[-1]]
    member = db.session.scalar(
        db.select(User.username)
        .join(CouncilMember, CouncilMember.user_id == User.id)
        .where(CouncilMember.council_id == latest_council, CouncilMember.position == "member")
        .limit(1)
    )
    office_code = db.session.scalar(db.select(Office.code).where(Office.id == offices[0]))
    initiative_id = db.session.scalar(
        db.select(Initiative.id)
        .where(Initiative.round_id == latest_round, Initiative.state == "recommended")
        .order_by(Initiative.id)
        .limit(1)
    )
    return {
        "initiative_id": initiative_id,
        "round_id": latest_round,
        "council_id": latest_council,
        "member": member,
        "office_code": office_code,
    }


BUILDERS = [build_organisation, build_plans, build_initiatives]


def build(scale: int = 1, seed: int = 2025) -> dict:
    """Fill an empty, migrated database; returns the usernames to benchmark as."""
    rng = random.Random(seed)
    accounts: dict = {}
    for builder in BUILDERS:
        accounts.update(builder(scale, rng) or {})
    refresh_search_keys()
    return accounts


def refresh_search_keys() -> None:
    """The folded search keys of the rows inserted in bulk (no flush event made them)."""
    from cchc_web.models import Decision, IndexItem, Initiative, Report, Task, User
    from cchc_web.models.search import refresh_keys

    for model in (Task, Initiative, Decision, Report, IndexItem, User):
        refresh_keys(db.session, model, batch=2000)
        db.session.commit()
