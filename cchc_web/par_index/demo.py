"""Demo data: the default set for 2025, partly scored and appraised, and a finished 2024 set
to compare with. Offices own the fields named in seed 003 (the default set's office column)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from ..admin import services as org
from ..core.demo import demo_seeder
from ..core.extensions import db
from ..core.timeutil import local_today
from ..models import IndexSet, SetStatus, User
from ..records import attachments
from . import services, tabular

# A tiny but well-formed PDF: enough for the evidence list of the demo.
_DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
# Share of the maximum each demo score takes, in turn: a mix of full and partial marks.
_SHARES_2024 = (Decimal("1"), Decimal("0.5"), Decimal("1"), Decimal("0.75"), Decimal("1"))
_SHARES_2025 = (Decimal("1"), Decimal("1"), Decimal("0.5"), Decimal("0"), Decimal("0.75"))


def _quarter(value: Decimal) -> Decimal:
    """Round down to a quarter point, as scorers do."""
    return (value * 4).to_integral_value(rounding="ROUND_FLOOR") / 4


def _office_head(office_id: int) -> User | None:
    return db.session.scalar(
        select(User).where(User.office_id == office_id, User.username.like("%.lanhdao"))
    )


def _evidence(user: User, code: str):
    upload = FileStorage(io.BytesIO(_DEMO_PDF), filename=f"minh-chung-{code}.pdf")
    return attachments.store_uploads([upload], user)


def _score_all(index_set: IndexSet, shares, fraction: int, with_evidence: bool) -> None:
    """Score `fraction` in 10 of the leaves (every office's, in order) with the given shares."""
    leaves = services.scorable_leaves(index_set)
    for n, item in enumerate(leaves):
        if n % 10 >= fraction:
            continue
        head = _office_head(item.office_id)
        if head is None:
            continue
        value = _quarter(item.max_points * shares[n % len(shares)])
        evidence = _evidence(head, item.code) if with_evidence and n % 4 != 3 else []
        services.save_self_score(
            item, head, value, f"Đơn vị đã thực hiện tiêu chí {item.code}.", evidence
        )


def _appraise(index_set: IndexSet, secretariat: User, every: int) -> None:
    scored = [i for i in services.scorable_leaves(index_set) if i.self_score is not None]
    for n, item in enumerate(scored):
        if n % every:
            continue
        if n % (every * 5) == every * 2 and item.self_score.score > 0:
            services.appraise(
                item.self_score,
                secretariat,
                accepted=False,
                adjusted_score=_quarter(item.self_score.score / 2),
                reason="Tài liệu kiểm chứng chưa chứng minh đủ mức điểm tự chấm.",
            )
        else:
            services.appraise(item.self_score, secretariat, accepted=True)


@demo_seeder(order=40)
def seed_par_index() -> None:
    """2024: finished and closed; 2025: open, about 70 % scored, half of that appraised."""
    secretariat = org.user_by_username("vhxh.lanhdao")
    if secretariat is None:
        return
    rows = tabular.default_rows(services.office_codes())
    today = local_today()
    if services.set_for_year(2024) is None:
        old = services.create_set(2024, "", date(2024, 12, 15), rows, source="demo")
        # The demo scores in the past set as if before its deadline, then closes it.
        old.deadline = None
        services.set_status(old, SetStatus.OPEN)
        _score_all(old, _SHARES_2024, 10, with_evidence=True)
        _appraise(old, secretariat, 1)
        services.update_settings(
            old,
            deadline=date(2024, 12, 15),
            survey_score=Decimal("11.25"),
            bonus_points=Decimal("0.5"),
            penalty_points=Decimal("0"),
        )
        services.set_status(old, SetStatus.CLOSED)
    if services.set_for_year(2025) is None:
        current = services.create_set(2025, "", today + timedelta(days=30), rows, source="demo")
        services.set_status(current, SetStatus.OPEN)
        _score_all(current, _SHARES_2025, 7, with_evidence=True)
        _appraise(current, secretariat, 2)


# Phường Gia Viên's offices stand in for the default set's offices it does not have.
_SECOND_COMMUNE_OFFICES = {"VHTT": "VHXH", "HCC": "VP"}


@demo_seeder(order=96)
def seed_second_commune_par_index() -> None:
    """Phường Gia Viên's 2025 self-assessment (issue 20): the default set, open, about 60 %
    scored by its offices, a few appraised by its own secretariat; the city appraises it
    (city/demo.py)."""
    from dataclasses import replace

    from ..core import tenancy
    from ..models import Commune

    commune_id = db.session.scalar(select(Commune.id).where(Commune.name == "Phường Gia Viên"))
    if commune_id is None:
        return
    with tenancy.acting_for(db.session(), commune_id):
        secretariat = org.user_by_username("gv.vhxh.lanhdao")
        if secretariat is None or services.set_for_year(2025) is not None:
            return
        codes = services.office_codes()
        rows = [
            replace(row, office_code=_SECOND_COMMUNE_OFFICES.get(row.office_code, row.office_code))
            if row.office_code
            else row
            for row in tabular.default_rows(codes | set(_SECOND_COMMUNE_OFFICES))
        ]
        current = services.create_set(
            2025, "", local_today() + timedelta(days=30), rows, source="demo"
        )
        services.set_status(current, SetStatus.OPEN)
        _score_all(current, _SHARES_2024, 6, with_evidence=True)
        _appraise(current, secretariat, 4)
