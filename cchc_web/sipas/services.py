"""Operations of the satisfaction survey; each checks its rule, raises DomainError with a
Vietnamese message when it refuses, and writes the audit log for what staff change.

Answers come from people without an account: they are stored as given or refused whole
(nothing half-saved), never edited, never deleted; what staff may do to them is a correction,
a new record (`correct_response`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..admin.services import commune_setup
from ..core.errors import DomainError, FieldErrors
from ..core.extensions import db
from ..core.timeutil import local_now, local_today, utcnow
from ..models import Office, User
from ..models.sipas import (
    CENTRE_OFFICE_CODE,
    MAX_QUESTION,
    MAX_SUGGESTION,
    SCALE_POINTS,
    Channel,
    FeedbackItem,
    FeedbackStatus,
    Kiosk,
    ProcedureField,
    Receipt,
    ServiceCounter,
    SurveyAnswer,
    SurveyAspect,
    SurveyCorrection,
    SurveyQuestion,
    SurveyResponse,
    SurveyVersion,
    VersionStatus,
)
from ..records import audit
from . import defaults

# A receipt code: 12 letters and digits that cannot be mistaken for one another (no 0/O,
# 1/I/L, U/V), about 58 bits: not guessable, short enough to type from the slip.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTWXYZ23456789"
CODE_LENGTH = 12
CODE_DAYS = 90  # a dossier's result may come weeks after it was received
FEEDBACK_WORKING_DAYS = 10  # a suggestion is answered within 10 working days
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,40}$")
PHONE = re.compile(r"^\+?[0-9]{8,15}$")


# -- questionnaire -----------------------------------------------------------------------------
def published_version() -> SurveyVersion | None:
    return db.session.scalar(
        select(SurveyVersion).where(SurveyVersion.status == VersionStatus.PUBLISHED)
    )


def draft_version() -> SurveyVersion | None:
    return db.session.scalar(
        select(SurveyVersion).where(SurveyVersion.status == VersionStatus.DRAFT)
    )


def _next_number() -> int:
    return (db.session.scalar(select(func.max(SurveyVersion.number))) or 0) + 1


@dataclass
class QuestionData:
    text: str
    required: bool = True
    id: int | None = None


@dataclass
class AspectData:
    title: str
    questions: list[QuestionData] = field(default_factory=list)
    code: str = ""


@dataclass
class QuestionnaireData:
    title: str
    intro: str
    scale: list[str]
    aspects: list[AspectData]


def _slug(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:32] or "khia_canh"


def check_questionnaire(data: QuestionnaireData) -> dict[str, str]:
    """Every problem of a questionnaire at once (empty when it may be saved)."""
    problems: dict[str, str] = {}
    if not data.title.strip():
        problems["title"] = "Hãy nhập tên phiếu khảo sát."
    if len(data.scale) != SCALE_POINTS or any(not label.strip() for label in data.scale):
        problems["scale_1"] = f"Thang đánh giá cần đủ {SCALE_POINTS} mức, mức nào cũng có tên."
    if not any(q.text.strip() for a in data.aspects for q in a.questions):
        problems["content"] = "Phiếu cần ít nhất một câu hỏi."
    for aspect in data.aspects:
        if any(q.text.strip() for q in aspect.questions) and not aspect.title.strip():
            problems["content"] = "Khía cạnh nào có câu hỏi thì phải có tên."
        if any(len(q.text.strip()) > MAX_QUESTION for q in aspect.questions):
            problems["content"] = f"Mỗi câu hỏi tối đa {MAX_QUESTION} ký tự."
    return problems


def _fill(version: SurveyVersion, data: QuestionnaireData) -> None:
    """Replace the version's content by `data` (empty aspects and questions dropped)."""
    version.title = data.title.strip()[:200]
    version.intro = data.intro.strip()
    version.scale_labels = [label.strip()[:60] for label in data.scale]
    version.aspects.clear()
    db.session.flush()
    used: set[str] = set()
    for position, aspect in enumerate(data.aspects, start=1):
        questions = [q for q in aspect.questions if q.text.strip()]
        if not questions:
            continue
        code = aspect.code.strip() or _slug(aspect.title)
        while code in used:
            code = f"{code[:28]}_{position}"
        used.add(code)
        version.aspects.append(
            SurveyAspect(
                code=code,
                title=aspect.title.strip()[:200],
                position=position,
                questions=[
                    SurveyQuestion(text=q.text.strip(), required=q.required, position=n)
                    for n, q in enumerate(questions, start=1)
                ],
            )
        )


def default_data() -> QuestionnaireData:
    return QuestionnaireData(
        title=defaults.DEFAULT_TITLE,
        intro=defaults.DEFAULT_INTRO,
        scale=list(defaults.DEFAULT_SCALE),
        aspects=[
            AspectData(title, [QuestionData(t, r) for t, r in questions], code)
            for code, title, questions in defaults.DEFAULT_ASPECTS
        ],
    )


def data_of(version: SurveyVersion) -> QuestionnaireData:
    return QuestionnaireData(
        title=version.title,
        intro=version.intro,
        scale=list(version.scale_labels),
        aspects=[
            AspectData(
                a.title, [QuestionData(q.text, q.required, q.id) for q in a.questions], a.code
            )
            for a in version.aspects
        ],
    )


def _summary(version: SurveyVersion) -> dict:
    return {
        "number": version.number,
        "status": version.status,
        "title": version.title,
        "aspects": [
            {"code": a.code, "title": a.title, "questions": [q.text for q in a.questions]}
            for a in version.aspects
        ],
    }


def install_default_questionnaire(actor: User | None = None) -> SurveyVersion:
    """The SIPAS-style default, in use at once; refused when a questionnaire already exists."""
    if db.session.scalar(select(func.count(SurveyVersion.id))):
        raise DomainError("Đã có phiếu khảo sát; hãy soạn phiên bản mới từ phiếu đang dùng.")
    version = SurveyVersion(
        number=1,
        scale_labels=[],
        title="",
        status=VersionStatus.PUBLISHED,
        created_by=actor,
        published_by=actor,
        published_at=utcnow(),
    )
    db.session.add(version)
    _fill(version, default_data())
    db.session.flush()
    audit.record("sipas.questionnaire.default", version, after=_summary(version), actor=actor)
    return version


def start_draft(actor: User) -> SurveyVersion:
    """A draft copied from the version in use: the one in use keeps answering meanwhile."""
    found = draft_version()
    if found is not None:
        return found
    current = published_version()
    data = data_of(current) if current else default_data()
    version = SurveyVersion(number=_next_number(), scale_labels=[], title="", created_by=actor)
    db.session.add(version)
    _fill(version, data)
    db.session.flush()
    audit.record("sipas.questionnaire.draft", version, after=_summary(version), actor=actor)
    return version


def save_draft(version: SurveyVersion, data: QuestionnaireData, actor: User) -> None:
    """Only a draft is edited; a version people have answered never changes."""
    if not version.is_draft:
        raise DomainError(
            "Phiên bản này đã được sử dụng nên không sửa được: câu trả lời đã nhận giữ nguyên "
            "câu hỏi của nó. Hãy soạn phiên bản mới."
        )
    problems = check_questionnaire(data)
    if problems:
        raise FieldErrors(problems)
    before = _summary(version)
    _fill(version, data)
    db.session.flush()
    audit.record(
        "sipas.questionnaire.edit", version, before=before, after=_summary(version), actor=actor
    )


def publish(version: SurveyVersion, actor: User) -> None:
    """The draft goes into use; the version in use until now is retired (its answers stay
    with it). Answers already being typed on the old version are still accepted."""
    if not version.is_draft:
        raise DomainError("Chỉ ban hành được bản nháp.")
    problems = check_questionnaire(data_of(version))
    if problems:
        raise DomainError(next(iter(problems.values())))
    current = published_version()
    if current is not None:
        current.status = VersionStatus.RETIRED
        db.session.flush()
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    version.published_by = actor
    audit.record(
        "sipas.questionnaire.publish",
        version,
        before={"in_use": current.number if current else None},
        after={"in_use": version.number},
        actor=actor,
    )


def discard_draft(version: SurveyVersion, actor: User) -> None:
    if not version.is_draft:
        raise DomainError("Chỉ hủy được bản nháp.")
    audit.record("sipas.questionnaire.discard", version, before=_summary(version), actor=actor)
    db.session.delete(version)


def response_counts() -> dict[int, int]:
    return dict(
        db.session.execute(
            select(SurveyResponse.version_id, func.count()).group_by(SurveyResponse.version_id)
        ).all()
    )


# -- fields, counters, kiosks ------------------------------------------------------------------
def procedure_fields(active_only: bool = True) -> list[ProcedureField]:
    stmt = select(ProcedureField).order_by(ProcedureField.sort_order, ProcedureField.name)
    if active_only:
        stmt = stmt.where(ProcedureField.active)
    return list(db.session.scalars(stmt))


def counters(active_only: bool = True) -> list[ServiceCounter]:
    stmt = select(ServiceCounter).order_by(ServiceCounter.sort_order, ServiceCounter.name)
    if active_only:
        stmt = stmt.where(ServiceCounter.active)
    return list(db.session.scalars(stmt))


def centre_office() -> Office | None:
    return db.session.scalar(select(Office).where(Office.code == CENTRE_OFFICE_CODE))


@commune_setup
def ensure_defaults(actor: User | None = None) -> None:
    """The default fields and counters and the default questionnaire, where none exist yet
    (a new commune, `flask init-commune`, the demo)."""
    offices = {o.code: o for o in db.session.scalars(select(Office))}
    if not db.session.scalar(select(func.count(ProcedureField.id))):
        fallback = offices.get(CENTRE_OFFICE_CODE) or next(iter(offices.values()), None)
        for order, (code, name, office_code) in enumerate(defaults.DEFAULT_FIELDS, start=1):
            office = offices.get(office_code) or fallback
            if office is not None:
                db.session.add(
                    ProcedureField(code=code, name=name, office=office, sort_order=order)
                )
    if not db.session.scalar(select(func.count(ServiceCounter.id))):
        for order, name in enumerate(defaults.DEFAULT_COUNTERS, start=1):
            db.session.add(ServiceCounter(name=name, sort_order=order))
    db.session.flush()
    if not db.session.scalar(select(func.count(SurveyVersion.id))):
        install_default_questionnaire(actor)


def save_field(
    item: ProcedureField | None, name: str, office_id: int | None, active: bool, actor: User
) -> ProcedureField:
    """A procedure field and the office that answers suggestions about it."""
    name = name.strip()
    problems = {}
    if not name:
        problems["name"] = "Hãy nhập tên lĩnh vực."
    office = db.session.get(Office, office_id) if office_id else None
    if office is None or not office.active:
        problems["office_id"] = "Hãy chọn đơn vị trả lời kiến nghị của lĩnh vực."
    clash = db.session.scalar(
        select(ProcedureField.id).where(
            func.lower(ProcedureField.name) == name.lower(),
            ProcedureField.id != (item.id if item else -1),
        )
    )
    if clash:
        problems["name"] = "Đã có lĩnh vực tên này."
    if problems:
        raise FieldErrors(problems)
    before = audit.snapshot(item, ("name", "office_id", "active")) if item else None
    if item is None:
        count = db.session.scalar(select(func.count(ProcedureField.id))) or 0
        item = ProcedureField(code=f"{_slug(name)[:24]}_{count + 1}", sort_order=count + 1)
        db.session.add(item)
    item.name, item.office_id, item.active = name[:120], office.id, active
    db.session.flush()
    audit.record(
        "sipas.field.save", item, before=before,
        after=audit.snapshot(item, ("name", "office_id", "active")), actor=actor,
    )  # fmt: skip
    return item


def save_counter(
    item: ServiceCounter | None, name: str, active: bool, actor: User
) -> ServiceCounter:
    name = name.strip()
    if not name:
        raise DomainError("Hãy nhập tên quầy.", field="name")
    clash = db.session.scalar(
        select(ServiceCounter.id).where(
            func.lower(ServiceCounter.name) == name.lower(),
            ServiceCounter.id != (item.id if item else -1),
        )
    )
    if clash:
        raise DomainError("Đã có quầy tên này.", field="name")
    before = audit.snapshot(item, ("name", "active")) if item else None
    if item is None:
        count = db.session.scalar(select(func.count(ServiceCounter.id))) or 0
        item = ServiceCounter(sort_order=count + 1)
        db.session.add(item)
    item.name, item.active = name[:120], active
    db.session.flush()
    audit.record("sipas.counter.save", item, before=before,
                 after=audit.snapshot(item, ("name", "active")), actor=actor)  # fmt: skip
    return item


def new_token() -> str:
    return secrets.token_urlsafe(24)


def save_kiosk(
    item: Kiosk | None, name: str, counter_id: int | None, active: bool, actor: User
) -> Kiosk:
    name = name.strip()
    if not name:
        raise DomainError("Hãy đặt tên cho máy (ví dụ “Máy tính bảng quầy 1”).", field="name")
    counter = db.session.get(ServiceCounter, counter_id) if counter_id else None
    if counter_id and counter is None:
        raise DomainError("Hãy chọn quầy trong danh sách.", field="counter_id")
    before = audit.snapshot(item, ("name", "counter_id", "active")) if item else None
    if item is None:
        item = Kiosk(token=new_token())
        db.session.add(item)
    item.name, item.counter, item.active = name[:120], counter, active
    db.session.flush()
    after = audit.snapshot(item, ("name", "counter_id", "active"))
    audit.record("sipas.kiosk.save", item, before=before, after=after, actor=actor)
    return item


def renew_kiosk_token(kiosk: Kiosk, actor: User) -> None:
    """A new address for the tablet (the old one stops working): when a device is lost or
    its address was seen by someone who should not post from elsewhere."""
    kiosk.token = new_token()
    audit.record("sipas.kiosk.token", kiosk, after={"renewed": True}, actor=actor)


def kiosk_by_token(token: str) -> Kiosk | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Kiosk).where(Kiosk.token == token, Kiosk.active))


# -- receipts ----------------------------------------------------------------------------------
@dataclass
class ReceiptData:
    number: str
    procedure_field_id: int | None
    received_on: date | None
    procedure: str = ""
    counter_id: int | None = None


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed ("abcd-efgh 2345") as stored ("ABCDEFGH2345")."""
    return re.sub(r"[^A-Za-z0-9]", "", text or "").upper()[:32]


def issue_receipt(data: ReceiptData, actor: User) -> Receipt:
    """A survey slip for a dossier: one per receipt number (a second print of the same dossier
    is the same slip, so a dossier cannot collect two answers)."""
    number = data.number.strip()
    problems: dict[str, str] = {}
    if not number:
        problems["number"] = "Hãy nhập số biên nhận hồ sơ."
    elif len(number) > 60:
        problems["number"] = "Số biên nhận tối đa 60 ký tự."
    field_ = db.session.get(ProcedureField, data.procedure_field_id or 0)
    if field_ is None or not field_.active:
        problems["procedure_field_id"] = "Hãy chọn lĩnh vực của thủ tục."
    today = local_today()
    if data.received_on is None:
        problems["received_on"] = "Hãy nhập ngày tiếp nhận hồ sơ."
    elif data.received_on > today:
        problems["received_on"] = "Ngày tiếp nhận không thể sau hôm nay."
    elif data.received_on < today - timedelta(days=365):
        problems["received_on"] = "Ngày tiếp nhận đã quá một năm."
    counter = db.session.get(ServiceCounter, data.counter_id) if data.counter_id else None
    if data.counter_id and counter is None:
        problems["counter_id"] = "Hãy chọn quầy trong danh sách."
    if len(data.procedure.strip()) > 300:
        problems["procedure"] = "Tên thủ tục tối đa 300 ký tự."
    if number and "number" not in problems:
        existing = db.session.scalar(select(Receipt).where(Receipt.number == number))
        if existing is not None:
            raise ReceiptExists(existing)
    if problems:
        raise FieldErrors(problems)
    receipt = Receipt(
        number=number,
        procedure_field=field_,
        procedure=data.procedure.strip(),
        counter=counter,
        received_on=data.received_on,
        code=new_code(),
        expires_on=today + timedelta(days=CODE_DAYS),
        issued_by=actor,
    )
    db.session.add(receipt)
    db.session.flush()
    audit.record(
        "sipas.receipt.issue",
        receipt,
        after={"number": number, "field": field_.code, "received_on": data.received_on},
        actor=actor,
    )
    return receipt


class ReceiptExists(DomainError):
    def __init__(self, receipt: Receipt) -> None:
        super().__init__(
            f"Hồ sơ số {receipt.number} đã có phiếu đánh giá (in ngày "
            f"{receipt.issued_at:%d/%m/%Y}); in lại phiếu đó, không tạo phiếu thứ hai.",
            field="number",
        )
        self.receipt = receipt


def receipt_by_code(code: str) -> Receipt | None:
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return db.session.scalar(select(Receipt).where(Receipt.code == code))


def receipt_used(receipt: Receipt) -> bool:
    return bool(
        db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.receipt_id == receipt.id))
    )


USED_MESSAGE = (
    "Mã đánh giá này đã được dùng: mỗi hồ sơ chỉ được đánh giá một lần. Cảm ơn Ông/Bà đã "
    "quan tâm góp ý."
)
EXPIRED_MESSAGE = (
    "Mã đánh giá đã hết hạn (mã dùng được trong {days} ngày kể từ khi tiếp nhận hồ sơ)."
)


# -- answering ---------------------------------------------------------------------------------
@dataclass
class Submission:
    """What a person sent: the version they saw, the ratings by question id (raw text),
    optional suggestion and phone (with consent), the form's one-time nonce, and for the
    kiosk the procedure field they picked."""

    version_id: int | None
    ratings: Mapping[int, str]
    suggestion: str = ""
    phone: str = ""
    phone_consent: bool = False
    nonce: str = ""
    procedure_field_id: int | None = None


class AlreadyRecorded(DomainError):
    """The same form was sent twice (a double tap, a network retry): stored once."""

    def __init__(self, response_id: int) -> None:
        super().__init__("Phiếu này đã được ghi nhận.")
        self.response_id = response_id


INVALID_FORM_MESSAGE = "Phiếu khảo sát không còn hợp lệ. Vui lòng mở lại trang và trả lời lại."


def answerable_version(version_id: int | None) -> SurveyVersion:
    """The version a form was made from: in use, or retired since the form was shown (the
    answers keep their version); a draft or an unknown one is refused."""
    version = db.session.get(SurveyVersion, version_id) if version_id else None
    if version is None or version.is_draft:
        raise DomainError(INVALID_FORM_MESSAGE)
    return version


def check_submission(version: SurveyVersion, submission: Submission) -> dict[int, int]:
    """The ratings as numbers, or every problem at once (FieldErrors keyed q<question id>,
    suggestion, phone): a missing required answer, a value outside the scale, a suggestion
    too long, a phone number without consent."""
    problems: dict[str, str] = {}
    ratings: dict[int, int] = {}
    for question in version.questions:
        raw = str(submission.ratings.get(question.id, "") or "").strip()
        if not raw:
            if question.required:
                problems[f"q{question.id}"] = "Xin Ông/Bà chọn một mức đánh giá cho câu này."
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= SCALE_POINTS:
            problems[f"q{question.id}"] = (
                f"Mức đánh giá phải từ 1 đến {SCALE_POINTS}; xin chọn lại."
            )
            continue
        ratings[question.id] = int(raw)
    if not ratings and not problems:
        problems["answers"] = "Xin Ông/Bà trả lời ít nhất một câu hỏi."
    suggestion = submission.suggestion.strip()
    if len(suggestion) > MAX_SUGGESTION:
        problems["suggestion"] = (
            f"Góp ý tối đa {MAX_SUGGESTION:,} ký tự (Ông/Bà đã viết {len(suggestion):,}); "
            "xin rút gọn lại. Nội dung vẫn còn trong ô bên dưới."
        ).replace(",", ".")
    phone = re.sub(r"[\s.()-]", "", submission.phone or "")
    if phone and not PHONE.match(phone):
        problems["phone"] = "Số điện thoại không đúng (8 đến 15 chữ số)."
    elif phone and not submission.phone_consent:
        problems["phone"] = (
            "Hãy đánh dấu đồng ý để cán bộ liên hệ lại qua số này, hoặc để trống số điện thoại."
        )
    if problems:
        raise FieldErrors(problems)
    return ratings


def _insert_ignoring_duplicates(values: dict) -> int | None:
    """INSERT the response unless its receipt or its nonce is already stored; the database's
    unique keys decide, atomically, even for simultaneous requests (the second waits for the
    first to commit, then inserts nothing)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return db.session.scalar(
        insert(SurveyResponse)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(SurveyResponse.id)
    )


def submit_response(
    submission: Submission, *, kiosk: Kiosk | None = None, receipt: Receipt | None = None
) -> SurveyResponse:
    """Store one person's answers, or refuse them whole.

    From a receipt: the code must not be expired and is used once (a second answer with the
    same code, however simultaneous, is refused: the unique receipt key). From a kiosk: the
    kiosk's counter. A suggestion becomes a feedback item for the office of the procedure
    field, and a linked objective's value for the month is computed again. No address, no
    account is stored: only what the person chose to give.
    """
    if (kiosk is None) == (receipt is None):
        raise ValueError("a response comes from a kiosk or from a receipt")
    today = local_today()
    if receipt is not None and receipt.expires_on < today:
        raise DomainError(EXPIRED_MESSAGE.format(days=CODE_DAYS))
    commune_id = (receipt or kiosk).commune_id
    version = answerable_version(submission.version_id)
    if version.commune_id != commune_id:  # another commune's questionnaire: a forged form
        raise DomainError(INVALID_FORM_MESSAGE)
    ratings = check_submission(version, submission)
    field_id = receipt.procedure_field_id if receipt else submission.procedure_field_id
    field = db.session.get(ProcedureField, field_id) if field_id is not None else None
    if field is None or field.commune_id != commune_id:
        field_id = None  # a forged choice: counted as "field unknown", not refused
    nonce = submission.nonce if NONCE.match(submission.nonce or "") else secrets.token_urlsafe(18)
    phone = re.sub(r"[\s.()-]", "", submission.phone or "") or None
    now = utcnow()
    response_id = _insert_ignoring_duplicates(
        {
            "commune_id": commune_id,
            "version_id": version.id,
            "channel": Channel.RECEIPT if receipt else Channel.KIOSK,
            "submitted_at": now,
            "month": local_now().date().replace(day=1),
            "procedure_field_id": field_id,
            "counter_id": receipt.counter_id if receipt else kiosk.counter_id,
            "kiosk_id": kiosk.id if kiosk else None,
            "receipt_id": receipt.id if receipt else None,
            "nonce": nonce,
            "suggestion": submission.suggestion.strip(),
            "phone": phone,
            "phone_consent": bool(phone) and submission.phone_consent,
        }
    )
    if response_id is None:
        earlier = db.session.scalar(select(SurveyResponse.id).where(SurveyResponse.nonce == nonce))
        if earlier is not None and (receipt is None or _same_receipt(earlier, receipt)):
            raise AlreadyRecorded(earlier)
        raise DomainError(USED_MESSAGE)
    db.session.execute(
        SurveyAnswer.__table__.insert(),
        [
            {"response_id": response_id, "question_id": qid, "value": value}
            for qid, value in ratings.items()
        ],
    )
    response = db.session.get(SurveyResponse, response_id)
    if response.suggestion:
        _route_feedback(response, today)
    from .objectives import refresh_for_response

    refresh_for_response(response.month, field_id)
    return response


def _same_receipt(response_id: int, receipt: Receipt) -> bool:
    return (
        db.session.scalar(select(SurveyResponse.receipt_id).where(SurveyResponse.id == response_id))
        == receipt.id
    )


# -- feedback ----------------------------------------------------------------------------------
def working_days_after(day: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `day`."""
    current = day
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _route_feedback(response: SurveyResponse, today: date) -> FeedbackItem:
    """To the office answering for the procedure field, else the centre."""
    office_id = response.procedure_field.office_id if response.procedure_field else None
    if office_id is None:
        centre = centre_office()
        office_id = centre.id if centre else None
    if office_id is None:  # no centre office in this commune: the first office
        office_id = db.session.scalar(select(Office.id).order_by(Office.sort_order).limit(1))
    item = FeedbackItem(
        response_id=response.id,
        office_id=office_id,
        deadline=working_days_after(today, FEEDBACK_WORKING_DAYS),
    )
    db.session.add(item)
    db.session.flush()
    return item


def feedback_query(office_id: int | None = None, status: str | None = None):
    stmt = select(FeedbackItem).order_by(FeedbackItem.status.desc(), FeedbackItem.deadline)
    if office_id is not None:
        stmt = stmt.where(FeedbackItem.office_id == office_id)
    if status in {s.value for s in FeedbackStatus}:
        stmt = stmt.where(FeedbackItem.status == status)
    return stmt


def feedback_for_office(office: Office, status: str | None = None) -> list[FeedbackItem]:
    """The feedback items routed to `office` (its inbox and workspace read this), open ones
    first, by deadline."""
    return list(db.session.scalars(feedback_query(office.id, status)))


def open_feedback_count(office: Office) -> int:
    return (
        db.session.scalar(
            select(func.count(FeedbackItem.id)).where(
                FeedbackItem.office_id == office.id,
                FeedbackItem.status == FeedbackStatus.OPEN,
            )
        )
        or 0
    )


def reply_feedback(item: FeedbackItem, reply: str, actor: User) -> None:
    """The responsible office answers (again, to complete an earlier answer: the earlier one
    stays in the audit log)."""
    if not item.can_reply(actor):
        raise DomainError("Chỉ đơn vị được giao xử lý kiến nghị này mới trả lời được.")
    reply = reply.strip()
    if not reply:
        raise DomainError("Hãy nhập nội dung trả lời.", field="reply")
    if len(reply) > 5000:
        raise DomainError("Nội dung trả lời tối đa 5.000 ký tự.", field="reply")
    before = audit.snapshot(item, ("status", "reply"))
    item.reply, item.status = reply, FeedbackStatus.ANSWERED
    item.replied_by, item.replied_at = actor, utcnow()
    audit.record("sipas.feedback.reply", item, before=before,
                 after=audit.snapshot(item, ("status", "reply")), actor=actor)  # fmt: skip


def reroute_feedback(item: FeedbackItem, office_id: int | None, actor: User) -> None:
    """The secretariat hands an item to another office; its deadline stays."""
    if not item.can_reroute(actor):
        raise DomainError("Chỉ Thường trực CCHC chuyển kiến nghị sang đơn vị khác.")
    office = db.session.get(Office, office_id) if office_id else None
    if office is None or not office.active:
        raise DomainError("Hãy chọn đơn vị trong danh sách.", field="office_id")
    if office.id == item.office_id:
        raise DomainError("Kiến nghị đang ở đơn vị này.", field="office_id")
    before = {"office": item.office.code}
    item.office_id = office.id
    db.session.flush()
    db.session.refresh(item, ["office"])
    audit.record("sipas.feedback.reroute", item, before=before,
                 after={"office": office.code}, actor=actor)  # fmt: skip


# -- corrections -------------------------------------------------------------------------------
def effective(response: SurveyResponse) -> tuple[bool, int | None]:
    """(excluded, procedure field id) as the response counts now."""
    newest = response.corrections[0] if response.corrections else None
    if newest is None:
        return False, response.procedure_field_id
    return newest.excluded, newest.procedure_field_id


def correct_response(
    response: SurveyResponse,
    *,
    excluded: bool,
    procedure_field_id: int | None,
    reason: str,
    actor: User,
) -> SurveyCorrection:
    """How a response counts from now on (left out, or under another field), with a reason:
    a new record; the answers are never touched. The month's linked objectives follow."""
    reason = reason.strip()
    problems: dict[str, str] = {}
    if not reason:
        problems["reason"] = "Hãy ghi lý do hiệu chỉnh."
    if (
        procedure_field_id is not None
        and db.session.get(ProcedureField, procedure_field_id) is None
    ):
        problems["procedure_field_id"] = "Hãy chọn lĩnh vực trong danh sách."
    if (excluded, procedure_field_id) == effective(response):
        problems["reason"] = "Hiệu chỉnh này không thay đổi gì so với hiện tại."
    if problems:
        raise FieldErrors(problems)
    before_excluded, before_field = effective(response)
    correction = SurveyCorrection(
        response=response,
        excluded=excluded,
        procedure_field_id=procedure_field_id,
        reason=reason[:2000],
        created_by=actor,
    )
    db.session.add(correction)
    db.session.flush()
    audit.record(
        "sipas.response.correct",
        response,
        before={"excluded": before_excluded, "field_id": before_field},
        after={"excluded": excluded, "field_id": procedure_field_id, "reason": reason},
        actor=actor,
    )
    from .objectives import refresh_for_response

    for field_id in {before_field, procedure_field_id}:
        refresh_for_response(response.month, field_id)
    return correction


def ratings_of(form: Mapping[str, str], version: SurveyVersion) -> dict[int, str]:
    """The q<id> entries of a posted form, for the version's questions only."""
    return {q.id: form.get(f"q{q.id}", "") for q in version.questions}


def int_or_none(text: str | None) -> int | None:
    from ..web.inputs import optional_db_int

    return optional_db_int((text or "").strip())


def sequence_of_ints(values: Sequence[str]) -> list[int]:
    return [v for v in (int_or_none(x) for x in values) if v is not None]
