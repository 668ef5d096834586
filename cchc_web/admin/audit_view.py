"""The audit log as people read it: one Vietnamese sentence per row ("Trần Quốc Hưng ký Quyết
định số 01/QĐ-UBND"), the changed fields as a short before → after list, filters by person,
office, kind and date range, and the same rows for a CSV or Excel export.

The names of the objects a page shows are read in one statement per kind of object (a page
of 50 rows names at most a dozen kinds), never one per row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import LOCAL_TZ, format_datetime, localise_dates
from ..models import (
    Appraisal,
    AuditLog,
    Council,
    Decision,
    IndexSet,
    Initiative,
    Objective,
    ObjectiveValue,
    Office,
    Plan,
    Report,
    Round,
    Score,
    SelfScore,
    Task,
    TaskUpdate,
    User,
)

# What each kind of action is, for the filter and the sentence's verb.
KINDS = {
    "task": "Nhiệm vụ",
    "plan": "Kế hoạch",
    "objective": "Chỉ tiêu",
    "report": "Báo cáo",
    "initiative": "Sáng kiến",
    "round": "Đợt sáng kiến",
    "council": "Hội đồng",
    "score": "Phiếu chấm",
    "decision": "Văn bản, Quyết định",
    "par": "Chỉ số CCHC",
    "sipas": "Khảo sát hài lòng",
    "user": "Người dùng",
    "office": "Đơn vị",
    "auth": "Đăng nhập",
    "certificate": "Chứng thư số",
    "commune": "Xã, phường và thiết lập",
}

VERBS = {
    "auth.login": "đăng nhập",
    "auth.logout": "đăng xuất",
    "auth.lockout": "bị tạm khóa đăng nhập do nhập sai nhiều lần:",
    "certificate.register": "đăng ký chứng thư số cho",
    "commune.add_admin": "tạo tài khoản quản trị cho",
    "commune.create": "thêm",
    "commune.settings": "sửa thiết lập của",
    "certificate.remove": "gỡ chứng thư số của",
    "council.add_member": "thêm thành viên vào",
    "council.remove_member": "bớt thành viên của",
    "council.close_scoring": "kết thúc chấm điểm của",
    "council.create": "lập",
    "council.establish": "thành lập",
    "council.minutes": "lập và ký biên bản họp của",
    "council.minutes_sign": "ký biên bản họp của",
    "council.open_scoring": "mở chấm điểm cho",
    "decision.approve": "ký",
    "decision.create": "soạn",
    "decision.edit": "sửa",
    "decision.refresh": "cập nhật theo dữ liệu",
    "decision.drop_item": "bỏ một sáng kiến khỏi",
    "decision.restore_item": "đưa lại một sáng kiến vào",
    "decision.return": "trả lại",
    "decision.submit": "trình ký",
    "initiative.accept": "tiếp nhận sáng kiến",
    "initiative.create": "tạo hồ sơ sáng kiến",
    "initiative.update": "sửa hồ sơ sáng kiến",
    "initiative.nominate": "đề nghị cấp thành phố công nhận sáng kiến",
    "initiative.not_recommended": "ghi kết quả không đề nghị công nhận sáng kiến",
    "initiative.recognised": "ghi nhận công nhận sáng kiến",
    "initiative.recommended": "ghi kết quả đề nghị công nhận sáng kiến",
    "initiative.return": "trả lại sáng kiến",
    "initiative.scored": "ghi kết quả chấm sáng kiến",
    "initiative.submit": "gửi sáng kiến",
    "objective.create": "thêm",
    "objective.update": "sửa",
    "objective.survey_link": "liên kết khảo sát cho",
    "objective.value": "nhập số liệu",
    "office.create": "tạo",
    "office.update": "sửa",
    "office.activate": "mở lại",
    "office.deactivate": "ngừng hoạt động",
    "par.appraisal.save": "thẩm định",
    "par.appraisal.reset": "hủy thẩm định",
    "par.item.assign": "phân công",
    "par.self_score.save": "tự chấm",
    "par.set.create": "tạo",
    "par.set.delete": "xóa",
    "par.set.settings": "sửa thông số của",
    "par.set.status": "chuyển trạng thái",
    "plan.activate": "ban hành",
    "plan.close": "kết thúc",
    "plan.create": "tạo",
    "plan.document": "ghi số, ngày văn bản của",
    "plan.import": "nhập từ tệp",
    "plan.update": "sửa",
    "report.accept": "tiếp nhận",
    "report.create": "lập",
    "report.return": "trả lại",
    "report.submit": "nộp",
    "round.create": "mở",
    "round.update": "sửa",
    "round.reopen_submission": "mở lại hạn nộp của",
    "score.submit": "gửi",
    "score.reopen": "mở lại",
    "task.create": "thêm",
    "task.update": "sửa",
    "task.delete": "xóa",
    "task.progress": "cập nhật tiến độ",
    "task.contribution": "gửi phần việc phối hợp của",
    "user.create": "tạo tài khoản",
    "user.update": "sửa tài khoản",
    "user.activate": "mở khóa tài khoản",
    "user.deactivate": "khóa tài khoản",
    "user.reset_password": "đặt lại mật khẩu của",
    "user.change_password": "đổi mật khẩu của",
    "user.unlock_login": "gỡ tạm khóa đăng nhập của",
}

FIELD_LABELS = {
    "status": "Trạng thái",
    "state": "Trạng thái",
    "progress": "Tiến độ",
    "result": "Kết quả",
    "cause": "Nguyên nhân",
    "catchup_action": "Khắc phục",
    "catchup_deadline": "Hạn khắc phục",
    "catchup_responsible": "Người chịu trách nhiệm",
    "score": "Điểm",
    "reason": "Lý do",
    "comment": "Ý kiến",
    "note": "Ghi chú",
    "value": "Giá trị",
    "title": "Tên",
    "summary": "Trích yếu",
    "number": "Số",
    "full_name": "Họ tên",
    "username": "Tên đăng nhập",
    "position_title": "Chức vụ",
    "roles": "Vai trò",
    "active": "Hoạt động",
    "office_code": "Đơn vị",
    "email": "E-mail",
    "deadline": "Hạn",
    "submission_deadline": "Hạn nộp",
    "decision_deadline": "Hạn Quyết định",
    "total": "Tổng điểm",
    "recommend": "Đề nghị công nhận",
    "accepted": "Chấp nhận điểm tự chấm",
    "explanation": "Giải trình",
    "name": "Tên",
    "code": "Mã",
    "content": "Nội dung",
    "doc_number": "Số văn bản",
    "doc_date": "Ngày văn bản",
    "period_start": "Từ ngày",
    "period_end": "Đến ngày",
    "month": "Tháng",
    "late": "Nộp muộn",
    "decision": "Quyết định",
    "position": "Chức danh",
    "user": "Thành viên",
}
VALUE_LABELS = {
    "draft": "Dự thảo",
    "submitted": "Đã gửi",
    "returned": "Bị trả lại",
    "accepted": "Đã tiếp nhận",
    "approved": "Đã ký ban hành",
    "active": "Đã ban hành",
    "closed": "Đã kết thúc",
    "open": "Đang tự chấm",
    "published": "Đã công bố",
    "not_started": "Chưa thực hiện",
    "in_progress": "Đang thực hiện",
    "done": "Hoàn thành",
    "late": "Chậm tiến độ",
    "composing": "Đang lập danh sách",
    "established": "Đã thành lập",
    "scoring": "Đang chấm điểm",
    "scored": "Đã chấm điểm",
    "recommended": "Được đề nghị công nhận",
    "not_recommended": "Không được đề nghị",
    "recognised": "Được công nhận",
    "not_recognised": "Không được công nhận",
    "nominated": "Đề nghị cấp thành phố",
    "chair": "Chủ tịch Hội đồng",
    "secretary": "Thư ký Hội đồng",
    "member": "Ủy viên",
}
SHOWN_CHANGES = 6
LONGEST_VALUE = 80


@dataclass
class Change:
    label: str
    before: str | None  # None: the field did not exist before (a creation)
    after: str | None


@dataclass
class Entry:
    row: AuditLog
    when: str
    who: str
    sentence: str
    changes: list[Change] = field(default_factory=list)
    more: int = 0  # changed fields not shown


@dataclass
class Filters:
    actor_id: int | None = None
    office_id: int | None = None
    kind: str = ""
    start: date | None = None
    end: date | None = None
    errors: dict[str, str] = field(default_factory=dict)


# -- filters ----------------------------------------------------------------------------------
def parse_day(text: str) -> date:
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise DomainError("Ngày không hợp lệ. Hãy nhập dạng 26/12/2025.")


def filters_from(args: dict[str, str]) -> Filters:
    """The filters of the query string; a bad date is reported and not applied."""
    found = Filters(kind=args.get("kind", "") if args.get("kind", "") in KINDS else "")
    for name in ("actor", "office"):
        text = args.get(name, "")
        value = int(text) if text.isdigit() and len(text) < 10 else None
        setattr(found, f"{name}_id", value)
    for name in ("start", "end"):
        text = (args.get(name) or "").strip()
        if text:
            try:
                setattr(found, name, parse_day(text))
            except DomainError as err:
                found.errors[name] = str(err)
    if found.start and found.end and found.start > found.end:
        found.errors["end"] = "Ngày kết thúc phải sau ngày bắt đầu."
        found.end = None
    return found


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


def query(filters: Filters) -> Select:
    # The actor's name is shown, never their roles (which a user otherwise loads at once).
    stmt = (
        select(AuditLog)
        .options(joinedload(AuditLog.actor).lazyload(User.role_rows))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    )
    if filters.actor_id:
        stmt = stmt.where(AuditLog.actor_id == filters.actor_id)
    if filters.office_id:
        stmt = stmt.where(
            AuditLog.actor_id.in_(select(User.id).where(User.office_id == filters.office_id))
        )
    if filters.kind:
        stmt = stmt.where(AuditLog.action.like(f"{filters.kind}.%"))
    if filters.start:
        stmt = stmt.where(AuditLog.at >= _local_start(filters.start))
    if filters.end:
        stmt = stmt.where(AuditLog.at < _local_start(filters.end + timedelta(days=1)))
    return stmt


# -- names of the objects ---------------------------------------------------------------------
def _short(text: str, size: int = 70) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _names(model, ids, name, *options) -> dict[str, str]:
    rows = db.session.scalars(select(model).options(*options).where(model.id.in_(ids)))
    return {str(row.id): name(row) for row in rows}


NAMERS = {
    "User": lambda ids: _names(User, ids, lambda u: u.full_name, lazyload(User.role_rows)),
    "Office": lambda ids: _names(Office, ids, lambda o: o.name),
    "Plan": lambda ids: _names(Plan, ids, lambda p: _short(p.title)),
    "Task": lambda ids: _names(Task, ids, lambda t: f"nhiệm vụ {t.code}"),
    "TaskUpdate": lambda ids: _names(
        TaskUpdate,
        ids,
        lambda u: f"nhiệm vụ {u.task.code}",
        selectinload(TaskUpdate.task),
    ),
    "Objective": lambda ids: _names(Objective, ids, lambda o: f"chỉ tiêu {o.code}"),
    "ObjectiveValue": lambda ids: _names(
        ObjectiveValue,
        ids,
        lambda v: f"chỉ tiêu {v.objective.code} tháng {v.month:%m/%Y}",
        selectinload(ObjectiveValue.objective),
    ),
    "Report": lambda ids: _names(Report, ids, lambda r: r.title),
    "Initiative": lambda ids: _names(Initiative, ids, lambda i: f"«{_short(i.title)}»"),
    "Round": lambda ids: _names(Round, ids, lambda r: r.title),
    "Council": lambda ids: _names(
        Council, ids, lambda c: f"Hội đồng năm {c.round.year}", selectinload(Council.round)
    ),
    "Score": lambda ids: _names(
        Score,
        ids,
        lambda s: f"phiếu chấm sáng kiến «{_short(s.initiative.title, 50)}»",
        selectinload(Score.initiative),
    ),
    "Decision": lambda ids: _names(Decision, ids, lambda d: d.display_name),
    "IndexSet": lambda ids: _names(IndexSet, ids, lambda s: f"Bộ chỉ số năm {s.year}"),
    "SelfScore": lambda ids: _names(
        SelfScore, ids, lambda s: f"tiêu chí {s.item.code}", selectinload(SelfScore.item)
    ),
    "Appraisal": lambda ids: _names(
        Appraisal,
        ids,
        lambda a: f"tiêu chí {a.self_score.item.code}",
        selectinload(Appraisal.self_score).selectinload(SelfScore.item),
    ),
}
TYPE_LABELS = {
    "Commune": "xã, phường",
    "FeedbackItem": "kiến nghị",
    "Kiosk": "máy khảo sát",
    "SurveyVersion": "bảng hỏi",
    "Receipt": "phiếu hẹn",
    "Counter": "quầy",
}


def object_names(rows: list[AuditLog]) -> dict[tuple[str, str], str]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.object_type in NAMERS and row.object_id.isdigit():
            wanted[row.object_type].add(row.object_id)
    names: dict[tuple[str, str], str] = {}
    for kind, ids in wanted.items():
        for object_id, name in NAMERS[kind]([int(i) for i in ids]).items():
            names[(kind, object_id)] = name
    return names


# -- sentences and changes --------------------------------------------------------------------
def _value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, list | dict):
        return f"{len(value)} mục"
    if name == "progress":
        return f"{value} %"
    text = VALUE_LABELS.get(value, value) if isinstance(value, str) else value
    return _short(localise_dates(str(text)), LONGEST_VALUE)


def changes_of(row: AuditLog) -> tuple[list[Change], int]:
    before = row.before if isinstance(row.before, dict) else {}
    after = row.after if isinstance(row.after, dict) else {}
    found = []
    for name in [*after, *(k for k in before if k not in after)]:
        if name not in FIELD_LABELS:
            continue
        old, new = before.get(name), after.get(name)
        if name in before and old == new:
            continue
        if name not in before and new in (None, "", [], {}):
            continue
        found.append(
            Change(
                FIELD_LABELS[name],
                _value(name, old) if name in before else None,
                _value(name, new) if name in after else None,
            )
        )
    return found[:SHOWN_CHANGES], max(0, len(found) - SHOWN_CHANGES)


def sentence(row: AuditLog, who: str, names: dict[tuple[str, str], str]) -> str:
    verb = VERBS.get(row.action)
    label = TYPE_LABELS.get(row.object_type, row.object_type)
    target = names.get((row.object_type, row.object_id), f"{label} #{row.object_id}")
    if row.action in ("auth.login", "auth.logout"):
        return f"{who} {verb}"
    if row.action == "auth.lockout":
        return f"Tài khoản {row.object_id} {verb}"
    if verb is None:
        return f"{who} thực hiện {row.action} trên {target}"
    if (
        row.action == "council.establish"
        and isinstance(row.after, dict)
        and row.after.get("decision")
    ):
        return f"{who} {verb} {target} theo Quyết định số {row.after['decision']}"
    return f"{who} {verb} {target}"


def entries(rows: list[AuditLog]) -> list[Entry]:
    names = object_names(rows)
    found = []
    for row in rows:
        who = row.actor.full_name if row.actor else "Hệ thống"
        changes, more = changes_of(row)
        found.append(
            Entry(row, format_datetime(row.at), who, sentence(row, who, names), changes, more)
        )
    return found


# -- export -----------------------------------------------------------------------------------
EXPORT_LIMIT = 20000
EXPORT_HEADER = ["Thời gian", "Người thực hiện", "Tài khoản", "Nội dung", "Thay đổi", "Mã thao tác"]


def _change_text(change: Change) -> str:
    if change.before is None:
        return f"{change.label}: {change.after}"
    return f"{change.label}: {change.before} → {change.after}"


def export_rows(filters: Filters) -> list[list[str]]:
    rows = list(db.session.scalars(query(filters).limit(EXPORT_LIMIT)))
    return [
        [
            e.when,
            e.who,
            e.row.actor.username if e.row.actor else "",
            e.sentence,
            "; ".join(
                f"{c.label}: {c.before} → {c.after}"
                if c.before is not None
                else f"{c.label}: {c.after}"
                for c in e.changes
            ),
            e.row.action,
        ]
        for e in entries(rows)
    ]
