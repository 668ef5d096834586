"""Decision operations: draft, edit, submit, return, approve (number, render, sign), verify.

Each function checks its rule, changes the state, writes the audit row and raises
DomainError (Vietnamese) on refusal; the caller commits or rolls back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import load_only

from ..core import tenancy
from ..core.errors import DomainError
from ..core.extensions import db
from ..core.settings import setting
from ..core.timeutil import format_datetime, local_today, to_local, utcnow
from ..documents import (
    RenderedDocument,
    authority_title,
    capacity_lines,
    format_date_short,
    render,
)
from ..models import (
    Commune,
    Competence,
    Decision,
    DecisionCounter,
    DecisionItem,
    DecisionKind,
    DecisionState,
    Role,
    User,
    commune_settings,
)
from ..models.search import searched
from ..records import audit
from ..text import Query
from . import certificates, guard, signing
from .pdf import build_document, verify_url
from .providers import Draft, DraftContent, Selection, draft_provider

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


def _provider(kind: DecisionKind | str):
    provider = draft_provider(kind)
    if provider is None:
        raise DomainError("Loại quyết định này chưa được hỗ trợ.", field="kind")
    return provider


def may_draft(user: User, kind: DecisionKind | str) -> bool:
    provider = draft_provider(kind)
    return provider is not None and user.has_role(*provider.drafters)


def open_draft(kind: DecisionKind | str, subject_column: str, subject_id: int) -> Decision | None:
    """The draft of this kind about this subject that is not signed yet, if any: one at a time."""
    return db.session.scalars(
        select(Decision).where(
            Decision.kind == DecisionKind(kind).value,
            getattr(Decision, subject_column) == subject_id,
            Decision.state != DecisionState.APPROVED,
        )
    ).first()


def create_draft(
    kind: DecisionKind | str,
    subject_id: int | None,
    user: User,
    *,
    picked: list[int] | None = None,
    year: int | None = None,
) -> Decision:
    """A new draft of ``kind`` built from its subject by the kind's registered provider.

    The secretariat drafts; a nomination may also be drafted by a leader, whose draft goes
    straight to "waiting for signature" (the leader's own proposal needs no submitting).
    """
    provider = _provider(kind)
    if not user.has_role(*provider.drafters):
        raise DomainError("Bạn không được soạn loại văn bản này.")
    if provider.subject_column:
        if subject_id not in {sid for sid, _label in provider.subject_choices()}:
            raise DomainError("Hãy chọn đối tượng của văn bản trong danh sách.", "subject_id")
        existing = open_draft(provider.kind, provider.subject_column, subject_id)
        if existing is not None:
            raise DomainError(
                f"Đã có {existing.display_name.lower()} ({existing.state_label.lower()}) cho "
                "việc này: hãy sửa và trình dự thảo đó.",
                "subject_id",
            )
    else:
        subject_id = None
    selection = Selection(picked=tuple(picked) if picked is not None else None)
    draft = provider.build(subject_id, selection)
    decision = _new_decision(provider.kind, draft.content, user, year=year or draft.year)
    if provider.subject_column:
        setattr(decision, provider.subject_column, subject_id)
    _apply_built(decision, draft, keep_articles=False)
    audit.record("decision.create", decision, after=_snapshot(decision), actor=user)
    if user.is_leader and not user.is_secretariat:
        _mark_submitted(decision, user)
    return decision


def create_from_content(
    kind: DecisionKind | str, content: DraftContent, user: User, *, year: int | None = None
) -> Decision:
    """A new draft with the given content and no subject (a Decision of the kind "other")."""
    if not user.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC được soạn dự thảo quyết định.")
    decision = _new_decision(kind, content, user, year=year)
    _apply_content(decision, content)
    audit.record("decision.create", decision, after=_snapshot(decision), actor=user)
    return decision


def _new_decision(
    kind: DecisionKind | str, content: DraftContent, user: User, *, year: int | None
) -> Decision:
    commune = Commune.current()
    if commune is None:
        raise DomainError("Chưa khai báo xã/phường: quản trị hệ thống cần khởi tạo trước.")
    decision = Decision(
        kind=DecisionKind(kind).value,
        state=DecisionState.DRAFT,
        year=year or local_today().year,
        place=commune.short_name,
        issuer_lines=commune_settings.of(commune).issuer_lines,
        created_by=user,
    )
    _apply_content(decision, content)
    db.session.add(decision)
    return decision


def _apply_built(decision: Decision, draft: Draft, *, keep_articles: bool) -> None:
    """Put what the provider built into the draft: everything when it is new; when it is
    rebuilt, only the generated parts (the locked articles, the appendix, the items), so
    that the secretariat's own edits to the rest stay."""
    content = draft.content
    if keep_articles:
        decision.articles = [
            *content.articles[: content.locked_articles],
            *decision.articles[decision.locked_articles :],
        ]
    else:
        _apply_content(decision, content)
    decision.locked_articles = content.locked_articles
    decision.appendix_title = content.appendix_title
    decision.appendix_columns = list(content.appendix_columns)
    decision.appendix_widths = list(content.appendix_widths)
    decision.appendix_rows = [list(row) for row in content.appendix_rows]
    decision.source_fingerprint = draft.fingerprint
    by_initiative = {item.initiative_id: item for item in decision.items}
    kept = []
    for position, (initiative_id, score) in enumerate(draft.items, start=1):
        item = by_initiative.pop(initiative_id, None) or DecisionItem(initiative_id=initiative_id)
        item.position = position
        item.score = score
        kept.append(item)
    decision.items = kept


def _selection(decision: Decision) -> Selection:
    return Selection(
        picked=tuple(item.initiative_id for item in decision.items) or None,
        dropped={item.initiative_id: item.drop_reason for item in decision.items if item.dropped},
    )


def _rebuild(decision: Decision, user: User, action: str) -> None:
    provider = _provider(decision.kind)
    before = _snapshot(decision)
    draft = provider.build(provider.subject_id(decision), _selection(decision))
    _apply_built(decision, draft, keep_articles=True)
    audit.record(action, decision, before=before, after=_snapshot(decision), actor=user)


def _require_editable(decision: Decision, user: User) -> None:
    if not user.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC được sửa dự thảo.")
    if not decision.is_editable:
        raise DomainError(
            f"Văn bản đang ở trạng thái “{decision.state_label}”: không sửa được nữa."
        )


def refresh_from_source(decision: Decision, user: User) -> None:
    """Build the generated parts again from the subject's data as it is now (members
    changed, a score reopened, a task edited): "Cập nhật theo dữ liệu"."""
    _require_editable(decision, user)
    _rebuild(decision, user, "decision.refresh")


def drop_item(decision: Decision, initiative_id: int, reason: str, user: User) -> None:
    """Leave one initiative out of the Decision, with a written reason (it is then not
    recognised when the Decision is signed). Nothing can be added that the subject did not
    offer: only the provider's own items exist to drop or restore."""
    _require_editable(decision, user)
    if not _provider(decision.kind).droppable_items:
        raise DomainError("Văn bản này không bỏ bớt được sáng kiến.")
    item = next((i for i in decision.items if i.initiative_id == initiative_id), None)
    if item is None:
        raise DomainError("Sáng kiến này không có trong văn bản.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Hãy ghi lý do không đưa sáng kiến này vào quyết định.", "reason")
    if len(reason) > 2000:
        raise DomainError("Lý do dài tối đa 2000 ký tự.", "reason")
    if len(decision.kept_items) == 1 and not item.dropped:
        raise DomainError("Quyết định cần ít nhất một sáng kiến được công nhận.")
    item.dropped = True
    item.drop_reason = reason
    _rebuild(decision, user, "decision.drop_item")


def restore_item(decision: Decision, initiative_id: int, user: User) -> None:
    _require_editable(decision, user)
    item = next((i for i in decision.items if i.initiative_id == initiative_id), None)
    if item is None or not item.dropped:
        raise DomainError("Sáng kiến này không bị bỏ khỏi văn bản.")
    item.dropped = False
    item.drop_reason = ""
    _rebuild(decision, user, "decision.restore_item")


def check_source(decision: Decision) -> None:
    """The subject still allows the Decision, and its data is what the draft was built from."""
    provider = draft_provider(decision.kind)
    if provider is None:
        return
    if provider.validate is not None:
        provider.validate(decision)
    if provider.fingerprint is not None and provider.fingerprint(decision) != (
        decision.source_fingerprint
    ):
        raise DomainError(
            "Dữ liệu của văn bản đã thay đổi sau khi soạn dự thảo (thành viên, kết quả chấm "
            "hoặc nhiệm vụ): Thường trực CCHC cần bấm “Cập nhật theo dữ liệu” rồi trình lại."
        )


def _apply_content(decision: Decision, content: DraftContent) -> None:
    commune = Commune.current()
    decision.competence = Competence(content.competence).value
    decision.issuer_authority = authority_title(
        decision.competence, commune_settings.of(commune).issuer_name
    )
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
    decision.locked_articles = content.locked_articles


@dataclass
class DecisionEdit:
    """What the secretariat edits by hand. For a Decision built from data, ``articles`` are
    the ones after the generated (locked) ones, and the appendix fields are ignored."""

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
    _require_editable(decision, user)
    generated = decision.kind != DecisionKind.OTHER
    articles = [
        *decision.articles[: decision.locked_articles],
        *[a.strip() for a in edit.articles if a.strip()],
    ]
    _check_content(edit.summary, articles)
    if not generated:
        _check_appendix(edit)
    before = _snapshot(decision)
    decision.summary = edit.summary.strip()
    if edit.addressee is not None:
        decision.addressee = edit.addressee.strip()
    decision.bases = [b.strip() for b in edit.bases if b.strip()]
    decision.articles = articles
    decision.recipients = [r.strip() for r in edit.recipients if r.strip()]
    if not generated:
        widths = decision.appendix_widths
        if len(widths) != len(edit.appendix_columns):
            widths = []
        decision.appendix_title = edit.appendix_title.strip()
        decision.appendix_columns = list(edit.appendix_columns)
        decision.appendix_widths = widths
        decision.appendix_rows = [list(r) for r in edit.appendix_rows]
    audit.record("decision.edit", decision, before=before, after=_snapshot(decision), actor=user)


def _check_appendix(edit: DecisionEdit) -> None:
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


def _check_content(summary: str, articles: list[str]) -> None:
    if not summary.strip():
        raise DomainError("Hãy nhập trích yếu (Về việc ...).", "summary")
    if not any(a.strip() for a in articles):
        raise DomainError("Quyết định cần ít nhất một điều.", "articles")


def _mark_submitted(decision: Decision, user: User) -> None:
    before = _snapshot(decision)
    decision.state = DecisionState.SUBMITTED
    decision.submitted_by = user
    decision.submitted_at = utcnow()
    audit.record("decision.submit", decision, before=before, after=_snapshot(decision), actor=user)


def submit(decision: Decision, user: User) -> None:
    """The secretariat submits a draft (or a corrected returned draft) to the leaders."""
    if not user.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC được trình quyết định.")
    if not decision.is_editable:
        raise DomainError(f"Quyết định đang “{decision.state_label}”: không trình lại được.")
    _check_content(decision.summary, decision.articles)
    if any(not a.strip() for a in decision.articles):
        raise DomainError("Có điều còn để trống: hãy viết nội dung hoặc bỏ điều đó.", "articles")
    check_source(decision)
    _mark_submitted(decision, user)


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
    decision.state = DecisionState.RETURNED
    decision.return_comment = comment[:4000]
    decision.returned_by = user
    decision.returned_at = utcnow()
    audit.record("decision.return", decision, before=before, after=_snapshot(decision), actor=user)


# --- approval --------------------------------------------------------------------------------


def _lock_series(commune_id: int, year: int, symbol: str) -> DecisionCounter:
    """Take the series' counter row (of the Decision's commune) for the rest of the transaction.

    PostgreSQL: INSERT ... ON CONFLICT DO NOTHING, then SELECT ... FOR UPDATE, which waits
    for any other approval of the series to commit or roll back. SQLite has no row locks, but
    its INSERT takes the database's write lock (writers are serialised) and keeps it until
    the transaction ends: the same effect.
    """
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(DecisionCounter)
        .values(commune_id=commune_id, year=year, symbol=symbol, last_number=0)
        .on_conflict_do_nothing()
    )
    if dialect != "postgresql":
        # An INSERT that did nothing may not have written; this UPDATE always takes the lock.
        db.session.execute(
            update(DecisionCounter)
            .where(DecisionCounter.commune_id == commune_id)
            .where(DecisionCounter.year == year, DecisionCounter.symbol == symbol)
            .values(last_number=DecisionCounter.last_number)
        )
    return db.session.scalars(
        select(DecisionCounter)
        .where(DecisionCounter.commune_id == commune_id)
        .where(DecisionCounter.year == year, DecisionCounter.symbol == symbol)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _next_number(counter: DecisionCounter) -> int:
    highest = db.session.scalar(
        select(func.max(Decision.number)).where(
            Decision.commune_id == counter.commune_id,
            Decision.year == counter.year,
            Decision.symbol == counter.symbol,
        )
    )
    return max(highest or 0, counter.last_number) + 1


def signer_capacity(user: User) -> tuple[bool, str]:
    """(by a Vice-Chairman?, name) of a leader signing."""
    return (not user.has_role(Role.CHAIRMAN) and user.has_role(Role.VICE_CHAIRMAN)), (
        user.full_name
    )


def approve(
    decision: Decision,
    user: User,
    *,
    issued_on: date | None = None,
    signed_at: datetime | None = None,
) -> Decision:
    """Number, date, render, sign (the leader, then the commune's seal) and freeze a
    submitted Decision, and change what it decides: all in ONE transaction.

    The leader signs with their own registered certificate, in the capacity of their role (a
    Vice-Chairman's certificate never signs where the Chairman signs); the commune's
    certificate then adds its seal as a second signature. Refused before anything is numbered
    when either key is missing, or the subject no longer allows the Decision. The number is
    max + 1 of its series (year of issue, symbol) taken under the series lock; a failure
    anywhere (a key, the renderer, the kind's state change) rolls the number back with
    everything else: no number is used twice and none is skipped. ``issued_on`` and
    ``signed_at`` (default: now, in Asia/Ho_Chi_Minh) are for seeding, never from a form.
    """
    _refuse_unless_leader(user)
    personal = certificates.credential_for(user, capacity=certificates.signing_capacity(user))
    seal = certificates.seal_credential(decision.commune_id)
    now = signed_at or utcnow()
    issued_on = issued_on or to_local(now).date()
    counter = _lock_series(decision.commune_id, issued_on.year, decision.symbol)
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
    check_source(decision)
    before = _snapshot(decision)
    number = _next_number(counter)
    # Until the signed bytes exist the row is half-approved (numbered, not frozen), which
    # the CHECK constraint forbids: nothing may be flushed in between.
    with db.session.no_autoflush:
        counter.last_number = number
        by_vice, name = signer_capacity(user)
        decision.number = number
        decision.year = issued_on.year
        decision.issued_on = issued_on
        decision.approved_by = user
        decision.approved_at = now
        decision.signer_name = name
        decision.authority_lines = capacity_lines(decision.competence, by_vice)
        decision.return_comment = None
        signed = _render_and_sign(decision, personal, seal, now)
        decision.pdf = signed
        decision.pdf_sha256 = hashlib.sha256(signed).hexdigest()
        decision.state = DecisionState.APPROVED
    db.session.flush()
    audit.record("decision.approve", decision, before=before, after=_snapshot(decision), actor=user)
    provider = draft_provider(decision.kind)
    if provider is not None and provider.apply is not None:
        provider.apply(decision, user)
    return decision


def _render_and_sign(
    decision: Decision, personal: signing.Credential, seal: signing.Credential, when: datetime
) -> bytes:
    stamp = [
        f"Ký bởi: {decision.signer_name}",
        f"Chứng thư số: {personal.holder}",
        f"Thời gian ký: {format_datetime(when)}",
        f"Đóng dấu điện tử: {seal.holder}",
    ]
    document = build_document(
        decision,
        signer_name=decision.signer_name or "",
        authority=decision.authority_lines,
        final=True,
        stamp_lines=stamp,
        qr_data=verify_url(
            setting("CCHC_PUBLIC_URL"),
            decision.number,
            decision.year,
            decision.symbol,
            _commune_in_links(decision),
        ),
    )
    rendered = render(document)
    box = rendered.signature_box
    reason = (
        f"Ban hành {decision.doc_type} số {decision.number_symbol} "
        f"ngày {format_date_short(decision.issued_on)}"
    )
    try:
        return signing.sign_in_turn(
            rendered.pdf,
            [
                signing.SignatureRequest(
                    personal,
                    signing.SIGNATURE_FIELD,
                    reason,
                    decision.place,
                    box.page_index,
                    box.box,
                ),
                signing.SignatureRequest(seal, signing.SEAL_FIELD, reason, decision.place),
            ],
            when=when,
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
            .where(User.role_rows.any(role=Role.CHAIRMAN))
            .order_by(User.id)
        ).first()
        by_vice, name = False, chairman.full_name if chairman else ""
    document = build_document(
        decision, signer_name=name, authority=capacity_lines(decision.competence, by_vice)
    )
    return render(document)


# --- verification ----------------------------------------------------------------------------


@dataclass
class Verification:
    """The answer of /verify, in words for the page."""

    decision: Decision | None = None  # the Decision the file or the number designates
    hash_matches: bool | None = None  # None: no file was given
    sha256: str | None = None
    signature: signing.SignatureCheck | None = None  # every signature of the file
    not_found: bool = False  # a number/year that this system never issued

    @property
    def issued_here(self) -> bool:
        return self.decision is not None and self.decision.is_approved

    @property
    def altered(self) -> bool:
        if self.hash_matches is False and self.decision is not None:
            return True
        return bool(self.signature and self.signature.present and not self.signature.valid)


def _commune_in_links(decision: Decision) -> int | None:
    """The commune a verification link names: none for the first commune (see verify_url)."""
    first = tenancy.first_commune(db.session())
    return None if decision.commune_id == first else decision.commune_id


def find_issued(
    number: int, year: int, symbol: str = "QĐ-UBND", commune: int | None = None
) -> Decision | None:
    """The issued Decision of that number in `commune`'s series; without `commune`, the
    commune the session acts for, else the first commune (a QR code printed before the city
    had several communes names none)."""
    session = db.session()
    if commune is None:
        commune = tenancy.commune_id(session) or tenancy.first_commune(session)
    return db.session.scalars(
        select(Decision).where(
            Decision.commune_id == commune,
            Decision.number == number,
            Decision.year == year,
            Decision.symbol == symbol,
            Decision.state == DecisionState.APPROVED,
        )
    ).first()


def verify(
    pdf: bytes | None,
    number: int | None,
    year: int | None,
    symbol: str = "QĐ-UBND",
    commune: int | None = None,
) -> Verification:
    """Did this system issue it, is it unchanged, are its signatures valid and whose?

    With a file: its SHA-256 is looked up among the issued Decisions (or compared with the
    one designated by number and year) and its signatures are validated, with a time and
    memory limit unless the bytes are an issued Decision's. Raises DomainError for a file that
    is not a readable PDF or costs too much to check.
    """
    result = Verification()
    if number is not None and year is not None:
        result.decision = find_issued(number, year, symbol, commune)
        result.not_found = result.decision is None
    if pdf is None:
        if result.decision is not None:
            # The QR code leads here: show who signed the original, in what capacity, when.
            result.signature = signing.check_signature(result.decision.pdf)
        return result
    if not pdf.startswith(b"%PDF-") and b"%PDF-" not in pdf[:1024]:
        raise DomainError("Tệp tải lên không phải là tệp PDF.", "file")
    result.sha256 = hashlib.sha256(pdf).hexdigest()
    # The issued bytes are looked up before anything parses the file: only an unknown file
    # goes through the bounded path (decisions/guard.py).
    issued = db.session.scalars(
        select(Decision).where(
            Decision.pdf_sha256 == result.sha256,
            Decision.state == DecisionState.APPROVED,
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


def visible_decisions(user: User, state: str = "", query: Query | None = None):
    """The Decisions a user may list: drafts are the secretariat's and the leaders' work
    (and the admin's), everyone else sees issued Decisions; with a query, those it finds
    (number and symbol, summary, appendix title), best first. The columns the lists show,
    not the text, appendix and signatures of every Decision."""
    stmt = select(Decision).options(
        load_only(
            Decision.kind,
            Decision.state,
            Decision.number,
            Decision.symbol,
            Decision.issued_on,
            Decision.summary,
        )
    )
    if not (user.is_secretariat or user.is_leader or user.is_admin):
        stmt = stmt.where(Decision.state == DecisionState.APPROVED)
    if state:
        stmt = stmt.where(Decision.state == state)
    stmt = stmt.order_by(
        (Decision.state == DecisionState.SUBMITTED).desc(),
        Decision.year.desc(),
        Decision.number.desc().nulls_first(),
        Decision.id.desc(),
    )
    return searched(stmt, Decision, query)
