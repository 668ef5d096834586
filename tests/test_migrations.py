"""Migrations on a populated database: the data of one revision survives the next.

Runs in its own database (a SQLite file, or a database created beside TEST_DATABASE_URL on
PostgreSQL), migrated to the revision before, filled with rows as that revision stored them,
then migrated to the head."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from cchc_web import create_app
from cchc_web.core.extensions import db

NOW = datetime(2025, 9, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def blank_database(tmp_path):
    """The URL of an empty database of the suite's kind, dropped afterwards."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"cchc_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert(conn, table: str, **values) -> None:
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)  # noqa: S608


def _decision(conn, id_: int, number: int | None, kind: str, **extra) -> None:
    approved = number is not None
    _insert(
        conn,
        "decisions",
        id=id_,
        kind=kind,
        state="approved" if approved else "draft",
        competence="chairman",
        year=2025,
        symbol="QĐ-UBND",
        number=number,
        issued_on=date(2025, 9, 17) if approved else None,
        place="Chí Minh",
        issuer_lines=json.dumps(["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"]),
        issuer_authority="CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ CHÍ MINH",
        summary="Về việc thành lập Hội đồng",
        addressee="",
        bases="[]",
        articles=json.dumps(["Điều một."]),
        recipients="[]",
        appendix_title="",
        appendix_columns="[]",
        appendix_widths="[]",
        appendix_rows="[]",
        created_at=NOW,
        updated_at=NOW,
        approved_by_id=1 if approved else None,
        approved_at=NOW if approved else None,
        authority_lines="[]",
        pdf_sha256=f"{id_:064d}" if approved else None,
        **extra,
    )


def test_0008_links_typed_council_numbers_and_subjects_without_loss(blank_database, tmp_path):
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=blank_database, UPLOAD_DIR=str(tmp_path / "up")
    )
    with app.app_context():
        flask_migrate.upgrade(revision="0007_read_performance")
        with db.engine.begin() as conn:
            _insert(
                conn,
                "users",
                id=1,
                username="chutich",
                full_name="Trần Quốc Hưng",
                position_title="Chủ tịch UBND xã",
                password_hash="x",
                active=True,
                created_at=NOW,
            )
            for id_, year in ((1, 2024), (2, 2025)):
                _insert(
                    conn,
                    "initiative_rounds",
                    id=id_,
                    year=year,
                    title=f"Sáng kiến {year}",
                    submission_deadline=date(year, 9, 20),
                    decision_deadline=date(year, 9, 30),
                    open_fields="[]",
                    rubric="[]",
                    pass_min_total=50,
                    novelty_code="novelty",
                    vote_num=2,
                    vote_den=3,
                    quorum_num=2,
                    quorum_den=3,
                    created_at=NOW,
                )
            # 2025: the typed number matches an issued Decision; 2024: it matches nothing.
            _decision(conn, 1, 1, "council_establishment")
            _decision(conn, 2, None, "initiative_recognition")  # a draft naming no council
            for id_, round_id, number, on in (
                (1, 1, "112/QĐ-UBND", date(2024, 9, 22)),
                (2, 2, "01/QĐ-UBND", date(2025, 9, 17)),
            ):
                _insert(
                    conn,
                    "councils",
                    id=id_,
                    round_id=round_id,
                    state="scoring",
                    decision_number=number,
                    decision_date=on,
                    created_at=NOW,
                )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            councils = conn.execute(
                text("SELECT id, state, decision_id, legacy_decision_ref FROM councils ORDER BY id")
            ).all()
            decisions = conn.execute(
                text("SELECT id, kind, council_id FROM decisions ORDER BY id")
            ).all()
    assert [tuple(c) for c in councils] == [
        (1, "scoring", None, "112/QĐ-UBND ngày 22/09/2024"),
        (2, "scoring", 1, ""),
    ]
    # The matched Decision now names its council; the draft that named none is "other".
    assert [tuple(d) for d in decisions] == [(1, "council_establishment", 2), (2, "other", None)]
