"""Decision operations: draft, edit, submit, return, approve (number, render, sign), verify.

Each function checks its rule, changes the state, writes the audit row and raises
DomainError (Vietnamese) on refusal; the caller commits or rolls back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import audit
from ..documents import RenderedDocument, format_date_short, render
from ..errors import DomainError
from ..extensions import db
from ..models import (
    Commune,
    Competence,
    Decision,
    DecisionCounter,
    DecisionKind,
    DecisionState,
    Role,
    User,
)
from ..timeutil import format_datetime, local_today, utcnow
from . import guard, signing
from .pdf import authority_lines, build_document, verify_url
from .providers import DraftContent, draft_provider
from .signals import decision_approved, decision_returned

AUDITED = (
    "state",
    "number",
    "year",
    "symbol",
    "summary",
    "addressee",
    "bases",
    "articles",
    "recipients",
    "appendix_title",
    "appendix_columns",
    "appendix_rows",
    "return_comment",
    "pdf_sha256",
)
MAX_APPENDIX_ROWS = 2000


def _snapshot(decision: Decision) -> dict:
    return audit.snapshot(decision, AUDITED)


def _refuse_unless_leader(user: User) -> None:
    if not user.is_leader:
        raise DomainError("Chỉ Chủ tịch hoặc Phó Chủ tịch UBND được duyệt quyết định.")


# --- drafting --------------------------------------------------------------------------------


def create_draft(
    kind: DecisionKind | str, subject_id: int | None, user: User, year: int | None = None
) -> Decision:
    """A new draft of ``kind`` pre-filled by the kind's registered provider."""
    if not user.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC được soạn dự thảo quyết định.")
    provider = draft_provider(kind)
    if provider is None:
        raise DomainError("Loại quyết định này chưa được hỗ trợ.", field="kind")
    if provider.subject_type:
        valid = {sid for sid, _label in provider.subject_choices()}
        if subject_id not in valid:
            raise DomainError("Hãy chọn đối tượng của quyết định trong danh sách.", "subject_id")
    else:
        subject_id = None
    return create_from_content(
        provider.kind,
        provider.build(subject_id),
        user,
        subject_type=provider.subject_type,
        subject_id=subject_id,
        year=year,
    )


def create_from_content(
    kind: DecisionKind | str,
    content: DraftContent,
    user: User,
    *,
    subject_type: str | None = None,
    subject_id: int | None = None,
    year: int | None = None,
) -> Decision:
    """A new draft with the given content (providers and seeders end here)."""
    if not user.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC được soạn dự thảo quyết định.")
    commune = Commune.current()
    if commune is None:
        raise DomainError("Chưa khai báo xã/phường: quản trị hệ thống cần khởi tạo trước.")
    decision = Decision(
        kind=DecisionKind(kind).value,
        state=DecisionState.DRAFT.value,
        subject_type=subject_type,
        subject_id=subject_id,
        year=year or local_today().year,
        place=commune.short_name,
        issuer_lines=["ỦY BAN NHÂN DÂN", commune.name.upper()],
        created_by=user,
    )
    _apply_content(decision, content)
    db.session.add(decision)
    audit.record("decision.create", decision, after=_snapshot(decision), actor=user)
    return decision


def _apply_content(decision: Decision, content: DraftContent) -> None:
    commune_line = decision.issuer_lines[-1] if decision.issuer_lines else ""
    decision.competence = Competence(content.competence).value
    decision.issuer_authority = (
        f"CHỦ TỊCH ỦY BAN NHÂN DÂN {commune_line}"
        if decision.competence == Competence.CHAIRMAN
        else f"ỦY BAN NHÂN DÂN {commune_line}"
    ).strip()
    decision.symbol = content.symbol
    decision.summary = content.summary
    decision.addressee = content.addressee
    decision.bases = list(content.bases)
    decision.articles = list(content.articles)
    decision.recipients = list(content.recipients)
    decision.appendix_title = content.appendix_title
    decision.appendix_columns = list(content.appendix_columns)
    decision.appendix_widths = list(content.appendix_widths)
    decision.appendix_rows = [list(row) for row in content.appendix_rows]


@dataclass
class DecisionEdit:
    summary: str
    bases: list[str]
    articles: list[str]
    recipients: list[str]
    appendix_title: str = ""
    appendix_columns: list[str] = field(default_factory=list)
    appendix_rows: list[list] = field(default_factory=list)
    addressee: str | None = None  # None: unchanged (only a Tờ trình has one)


def update_draft(decision: Decision, edit: DecisionEdit, user: User) -> None:
    """Edit the text of a draft or of a returned Decision (the secretariat's work)."""
    if not user.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC được sửa dự thảo quyết định.")
    if not decision.is_editable:
        raise DomainError(
            f"Quyết định đang ở trạng thái “{decision.state_label}”: không sửa được nữa."
        )
    _check_content(edit.summary, edit.articles)
    if edit.appendix_rows and not edit.appendix_columns:
        raise DomainError("Phụ lục có dữ liệu thì cần dòng tiêu đề cột.", "appendix_columns")
    for i, row in enumerate(edit.appendix_rows, start=1):
        if len(row) != len(edit.appendix_columns):
            raise DomainError(
                f"Dòng {i} của phụ lục có {len(row)} ô, cần {len(edit.appendix_columns)} ô "
                "như dòng tiêu đề (các ô ngăn cách bằng dấu |).",
                "appendix_rows",
            )
    if len(edit.appendix_rows) > MAX_APPENDIX_ROWS:
        raise DomainError(f"Phụ lục tối đa {MAX_APPENDIX_ROWS} dòng.", "appendix_rows")
    before = _snapshot(decision)
    widths = decision.appendix_widths
    if len(widths) != len(edit.appendix_columns):
        widths = []
    decision.summary = edit.summary.strip()
    if edit.addressee is not None:
        decision.addressee = edit.addressee.strip()
    decision.bases = [b.strip() for b in edit.bases if b.strip()]
    decision.articles = [a.strip() for a in edit.articles if a.strip()]
    decision.recipients = [r.strip() for r in edit.recipients if r.strip()]
    decision.appendix_title = edit.appendix_title.strip()
    decision.appendix_columns = list(edit.appendix_columns)
    decision.appendix_widths = widths
    decision.appendix_rows = [list(r) for r in edit.appendix_rows]
    audit.record("decision.edit", decision, before=before, after=_snapshot(decision), actor=user)


def _check_content(summary: str, articles: list[str]) -> None:
    if not summary.strip():
        raise DomainError("Hãy nhập trích yếu (Về việc ...).", "summary")
    if not any(a.strip() for a in articles):
        raise DomainError("Quyết định cần ít nhất một điều.", "articles")


def submit(decision: Decision, user: User) -> None:
    """The secretariat submits a draft (or a corrected returned draft) to the leaders."""
    if not user.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC được trình quyết định.")
    if not decision.is_editable:
        raise DomainError(f"Quyết định đang “{decision.state_label}”: không trình lại được.")
    _check_content(decision.summary, decision.articles)
    if any(not a.strip() for a in decision.articles):
        raise DomainError("Có điều còn để trống: hãy viết nội dung hoặc bỏ điều đó.", "articles")
    before = _snapshot(decision)
    decision.state = DecisionState.SUBMITTED.value
    decision.submitted_by = user
    decision.submitted_at = utcnow()
    audit.record("decision.submit", decision, before=before, after=_snapshot(decision), actor=user)


def return_decision(decision: Decision, user: User, comment: str) -> None:
    """A leader sends a submitted draft back to the secretariat with a comment."""
    _refuse_unless_leader(user)
    comment = (comment or "").strip()
    if decision.state != DecisionState.SUBMITTED:
        raise DomainError(
            f"Chỉ trả lại được quyết định đang chờ duyệt; quyết định này “{decision.state_label}”."
        )
    if not comment:
        raise DomainError("Hãy ghi lý do trả lại để Thường trực CCHC sửa.", "comment")
    before = _snapshot(decision)
    decision.state = DecisionState.RETURNED.value
    decision.return_comment = comment[:4000]
    decision.returned_by = user
    decision.returned_at = utcnow()
    audit.record("decision.return", decision, before=before, after=_snapshot(decision), actor=user)
    decision_returned.send(current_app._get_current_object(), decision=decision)


# --- approval --------------------------------------------------------------------------------


def _lock_series(year: int, symbol: str) -> DecisionCounter:
    """Take the series' counter row for the rest of the transaction.

    PostgreSQL: INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE, which waits
    for any other approval of the series to commit or roll back. SQLite has no row locks, but
    its INSERT takes the database's write lock (writers are serialised) and keeps it until
    the transaction ends: the same effect.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(DecisionCounter)
        .values(year=year, symbol=symbol, last_number=0)
        .on_conflict_do_nothing()
    )
    if dialect != "postgresql":
        # An INSERT that did nothing may not have written; this UPDATE always takes the lock.
        db.session.execute(
            update(DecisionCounter)
            .where(DecisionCounter.year == year, DecisionCounter.symbol == symbol)
            .values(last_number=DecisionCounter.last_number)
        )
    return db.session.scalars(
        select(DecisionCounter)
        .where(DecisionCounter.year == year, DecisionCounter.symbol == symbol)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _next_number(counter: DecisionCounter) -> int:
    highest = db.session.scalar(
        select(func.max(Decision.number)).where(
            Decision.year == counter.year, Decision.symbol == counter.symbol
        )
    )
    return max(highest or 0, counter.last_number) + 1


def signer_capacity(user: User) -> tuple[bool, str]:
    """(by a Vice-Chairman?, name) of a leader signing."""
    return (not user.has_role(Role.CHAIRMAN) and user.has_role(Role.VICE_CHAIRMAN)), (
        user.full_name
    )


def approve(decision: Decision, user: User, *, issued_on: date | None = None) -> Decision:
    """Number, date, render, sign and freeze a submitted Decision, in ONE transaction.

    The number is max + 1 of its series (year of issue, symbol) taken under the series lock;
    the PDF is rendered and signed before the caller commits, so a failure anywhere (the
    key, the renderer, a receiver of ``decision_approved``) rolls the number back with
    everything else: no number is used twice and none is skipped. ``issued_on`` (default:
    today in Asia/Ho_Chi_Minh) is for seeding and imports, never taken from a form.
    """
    _refuse_unless_leader(user)
    key = signing.state()
    if key.signer is None:
        raise DomainError(key.error or "Không có chứng thư số để ký.")
    issued_on = issued_on or local_today()
    counter = _lock_series(issued_on.year, decision.symbol)
    # Read the state again under the lock: another leader may have just decided it.
    db.session.refresh(decision, with_for_update=True)
    if decision.state == DecisionState.APPROVED:
        raise DomainError(
            f"Quyết định này đã được ký ban hành ({decision.display_name}); không duyệt lại."
        )
    if decision.state == DecisionState.RETURNED:
        raise DomainError(
            "Quyết định này đã bị trả lại; Thường trực CCHC cần sửa và trình lại trước khi duyệt."
        )
    if decision.state != DecisionState.SUBMITTED:
        raise DomainError("Quyết định chưa được trình: chưa duyệt được.")
    before = _snapshot(decision)
    number = _next_number(counter)
    # Until the signed bytes exist the row is half-approved (numbered, not frozen), which
    # the CHECK constraint forbids: nothing may be flushed in between.
    with db.session.no_autoflush:
        counter.last_number = number
        by_vice, name = signer_capacity(user)
        now = utcnow()
        decision.number = number
        decision.year = issued_on.year
        decision.issued_on = issued_on
        decision.approved_by = user
        decision.approved_at = now
        decision.signer_name = name
        decision.authority_lines = authority_lines(decision.competence, by_vice)
        decision.return_comment = None
        signed = _render_and_sign(decision, key.subject, now)
        decision.pdf = signed
        decision.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        decision.state = DecisionState.APPROVED.value
    db.session.flush()
    audit.record("decision.approve", decision, before=before, after=_snapshot(decision), actor=user)
    # Receivers (initiatives: mark recognised; councils: open scoring) act in this same
    # transaction; if one raises, the whole approval is rolled back.
    decision_approved.send(current_app._get_current_object(), decision=decision)
    return decision


def _render_and_sign(decision: Decision, holder: str, when: datetime) -> bytes:
    stamp = [
        f"Ký bởi: {decision.signer_name}",
        f"Chứng thư số: {holder}",
        f"Thời gian ký: {format_datetime(when)}",
    ]
    document = build_document(
        decision,
        signer_name=decision.signer_name or "",
        authority=decision.authority_lines,
        final=True,
        stamp_lines=stamp,
        qr_data=verify_url(decision.number, decision.year, decision.symbol),
    )
    rendered = render(document)
    box = rendered.signature_box
    try:
        return signing.sign_pdf(
            rendered.pdf,
            box.page_index,
            box.box,
            reason=(
                f"Ban hành {decision.doc_type} số {decision.number_symbol} "
                f"ngày {format_date_short(decision.issued_on)}"
            ),
            location=decision.place,
        )
    except signing.SigningUnavailable as err:
        raise DomainError(err.message) from err


def preview(decision: Decision, viewer: User) -> RenderedDocument:
    """The draft as it will print, with blanks for number and date and "DỰ THẢO" across.

    A leader sees their own signature block; anyone else sees the Chairman's.
    """
    if decision.is_approved:
        raise DomainError("Quyết định đã ban hành: hãy tải bản đã ký.")
    if viewer.is_leader:
        by_vice, name = signer_capacity(viewer)
    else:
        chairman = db.session.scalars(
            select(User)
            .where(User.active.is_(True))
            .where(User.role_rows.any(role=Role.CHAIRMAN.value))
            .order_by(User.id)
        ).first()
        by_vice, name = False, chairman.full_name if chairman else ""
    document = build_document(
        decision, signer_name=name, authority=authority_lines(decision.competence, by_vice)
    )
    return render(document)


# --- verification ----------------------------------------------------------------------------


@dataclass
class Verification:
    """The answer of /verify, in words for the page."""

    decision: Decision | None = None  # the Decision the file or the number designates
    hash_matches: bool | None = None  # None: no file was given
    sha256: str | None = None
    signature: signing.SignatureReport | None = None
    not_found: bool = False  # a number/year that this system never issued

    @property
    def issued_here(self) -> bool:
        return self.decision is not None and self.decision.is_approved

    @property
    def altered(self) -> bool:
        if self.hash_matches is False and self.decision is not None:
            return True
        return bool(self.signature and self.signature.present and not self.signature.valid)


def find_issued(number: int, year: int, symbol: str = "QĐ-UBND") -> Decision | None:
    return db.session.scalars(
        select(Decision).where(
            Decision.number == number,
            Decision.year == year,
            Decision.symbol == symbol,
            Decision.state == DecisionState.APPROVED.value,
        )
    ).first()


def verify(
    pdf: bytes | None, number: int | None, year: int | None, symbol: str = "QĐ-UBND"
) -> Verification:
    """Did this system issue it, is it unchanged, is its signature valid and whose?

    With a file: its SHA-256 is looked up among the issued Decisions (or compared with the
    one designated by number and year) and its signature is validated, with a time and memory
    limit unless the bytes are an issued Decision's. Raises DomainError for a file that is not
    a readable PDF or costs too much to check.
    """
    result = Verification()
    if number is not None and year is not None:
        result.decision = find_issued(number, year, symbol)
        result.not_found = result.decision is None
    if pdf is None:
        return result
    if not pdf.startswith(b"%PDF-") and b"%PDF-" not in pdf[:1024]:
        raise DomainError("Tệp tải lên không phải là tệp PDF.", "file")
    result.sha256 = hashlib.sha256(pdf).hexdigest()
    # The issued bytes are looked up before anything parses the file: only an unknown file
    # goes through the bounded path (decisions/guard.py).
    issued = db.session.scalars(
        select(Decision).where(
            Decision.pdf_sha256 == result.sha256,
            Decision.state == DecisionState.APPROVED.value,
        )
    ).first()
    try:
        result.signature = guard.check_uploaded(pdf, issued=issued is not None)
    except ValueError as err:
        raise DomainError(
            "Không đọc được tệp PDF này: tệp hỏng, đã bị sửa đổi hoặc không đúng định dạng.", "file"
        ) from err
    if result.decision is None:
        result.decision = issued
    if result.decision is None and result.signature.reason:
        # An altered copy no longer matches by hash: the signature says which Decision it was.
        result.decision = _designated_by_reason(result.signature.reason)
    if result.decision is not None:
        result.hash_matches = result.decision.pdf_sha256 == result.sha256
    else:
        result.hash_matches = False
    return result


def _designated_by_reason(reason: str) -> Decision | None:
    import re

    match = re.search(r"số (\d+)/(\S+) ngày \d+/\d+/(\d{4})", reason)
    if not match:
        return None
    return find_issued(int(match.group(1)), int(match.group(3)), match.group(2))
