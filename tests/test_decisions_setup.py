"""Decisions' set-up: the signing key at start-up, `flask demo-pki`, the demo seeder, the
draft preview."""

from __future__ import annotations

import logging

import pytest

from cchc_web import create_app
from cchc_web.core.extensions import db
from cchc_web.decisions import services, signing

from . import factories
from .decisions_support import pki, run_tool  # noqa: F401


def test_wrong_passphrase_is_reported_at_start_up(pki, tmp_path, caplog):  # noqa: F811
    with caplog.at_level(logging.ERROR, logger="cchc_web.decisions.signing"):
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI="sqlite://",
            UPLOAD_DIR=str(tmp_path),
            CCHC_SIGNING_P12=str(pki / signing.DEMO_P12),
            CCHC_SIGNING_PASSPHRASE="not-the-passphrase",
        )
    assert "wrong passphrase" in caplog.text
    state = app.extensions["cchc_signing"]
    assert state.signer is None
    assert "sai mật khẩu" in state.error


def test_missing_passphrase_and_missing_file_are_explained(pki, tmp_path):  # noqa: F811
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        UPLOAD_DIR=str(tmp_path),
        CCHC_SIGNING_P12=str(pki / signing.DEMO_P12),
    )
    assert "CCHC_SIGNING_PASSPHRASE" in app.extensions["cchc_signing"].error
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI="sqlite://",
        UPLOAD_DIR=str(tmp_path),
        CCHC_SIGNING_P12=str(tmp_path / "none.p12"),
        CCHC_SIGNING_PASSPHRASE="x",
    )
    assert "CCHC_SIGNING_P12" in app.extensions["cchc_signing"].error


def test_demo_pki_command_makes_a_usable_key_once(tmp_path):
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path / "up")
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
        runner = app.test_cli_runner()
        first = runner.invoke(args=["demo-pki"])
        assert first.exit_code == 0, first.output
        assert "Đã tạo chứng thư số mẫu" in first.output
        assert "UBND Xã Chí Minh" in first.output
        p12 = tmp_path / "pki" / signing.DEMO_P12
        assert oct(p12.stat().st_mode & 0o777) == "0o600"
        again = runner.invoke(args=["demo-pki"])
        assert "đã có" in again.output
        assert signing.state(app).signer is not None


def test_demo_pki_gives_every_signer_a_personal_certificate(tmp_path):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'pki.db'}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    app.instance_path = str(tmp_path)
    with app.app_context():
        db.create_all()
        from cchc_web.admin.services import ensure_commune
        from cchc_web.decisions import certificates

        ensure_commune("Xã Chí Minh", "Thành phố Hải Phòng")
        vice = factories.make_user(roles=("vice_chairman",), office=None, full_name="Lê Hoa")
        staff = factories.make_user(roles=("staff",))
        result = app.test_cli_runner().invoke(args=["demo-pki"])
        assert result.exit_code == 0, result.output
        assert "Chứng thư mẫu cho Lê Hoa: Phó Chủ tịch UBND xã Chí Minh" in result.output
        row = certificates.certificate_of(vice)
        assert row.capacity == "vice_chairman" and row.holder == "Lê Hoa"
        assert certificates.certificate_of(staff) is None  # signs nothing


@pytest.mark.usefixtures("commune", "pki")
def test_preview_is_a_draft_with_blanks_and_the_mark(tmp_path):
    decision = factories.make_decision()
    vice = factories.make_user(roles=("vice_chairman",), office=None, full_name="Lê Thị Hoa")
    pdf = services.preview(decision, vice).pdf
    words = run_tool("pdftotext", pdf, tmp_path).split()
    text = " ".join(words)
    assert "/QĐ-UBND" in text and "01/QĐ-UBND" not in text
    assert "Ự" in words  # the turned "DỰ THẢO" mark, read letter by letter
    assert "KT. CHỦ TỊCH" in text and "PHÓ CHỦ TỊCH" in text and "Lê Thị Hoa" in text
    assert "Ký bởi" not in text
    staff = factories.make_user(roles=("staff",))
    assert "CHỦ TỊCH" in run_tool("pdftotext", services.preview(decision, staff).pdf, tmp_path)
