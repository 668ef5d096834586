"""The city's side of the recognition chain (issue 20, item 3): receiving what the communes
nominate, the city's own council and recognition Decision under its header and seal, and the
answer each commune reads on its own initiative. On SQLite and PostgreSQL (row-level security
then stands behind the ORM's scoping)."""

from __future__ import annotations

import io

import pytest
from flask import current_app
from sqlalchemy import func, select, text
from werkzeug.datastructures import FileStorage

from cchc_web.core import tenancy
from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.council import minutes
from cchc_web.council import services as council_ops
from cchc_web.decisions import certificates, signing
from cchc_web.decisions import services as decisions
from cchc_web.decisions.texts import council_establishment_content, recognition_content
from cchc_web.initiatives import inbox as initiative_inbox
from cchc_web.initiatives import nominations, services
from cchc_web.models import (
    AuditLog,
    CityResult,
    Commune,
    Decision,
    DecisionKind,
    Initiative,
    InitiativeAttachment,
    InitiativeState,
    Office,
    Round,
    User,
)
from cchc_web.records import attachments

from . import factories
from .decisions_support import pki, run_tool  # noqa: F401
from .test_recognition_chain import closed_council
from .test_tenancy import app_role  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("commune", "pki")

CITY_NAME = "Thành phố Hải Phòng"
EVIDENCE = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# -- the world: a commune's signed nomination, and the city above it ---------------------------
def _nominated(commune):
    """Xã Chí Minh's HCC initiative, recognised and nominated by signed Decisions, with one
    evidence file."""
    council, initiatives = closed_council()
    secretariat = factories.make_user(roles=("staff", "secretariat"), office="VHXH")
    chairman = factories.make_signer(("chairman",), full_name="Trần Quốc Hưng")
    hcc = initiatives["HCC"]
    [stored] = attachments.store_uploads(
        [FileStorage(io.BytesIO(EVIDENCE), filename="Bao cao ap dung.pdf")], secretariat
    )
    hcc.evidence.append(InitiativeAttachment(attachment=stored))
    db.session.commit()
    recognition = decisions.create_draft(
        DecisionKind.INITIATIVE_RECOGNITION, council.id, secretariat
    )
    decisions.submit(recognition, secretariat)
    decisions.approve(recognition, chairman)
    nomination = decisions.create_draft(
        DecisionKind.NOMINATION_DOSSIER, council.round_id, chairman, picked=[hcc.id]
    )
    decisions.approve(nomination, chairman)
    db.session.commit()
    return hcc, initiatives


class City:
    """The city tenant with Sở Nội vụ and Sở KH&CN, its standing office, chairman (with a
    certificate titled as the city's) and council members."""

    def __init__(self, commune):
        self.commune_id = commune.id
        city = Commune(name=CITY_NAME, province=CITY_NAME)
        db.session.add(city)
        db.session.flush()
        commune.parent_id = city.id
        self.id = city.id
        db.session.commit()
        with self.acting():
            for n, (code, name) in enumerate(
                (("SNV", "Sở Nội vụ"), ("KHCN", "Sở Khoa học và Công nghệ")), start=1
            ):
                db.session.add(Office(code=code, name=name, is_specialised=True, sort_order=n))
            db.session.commit()
            self.secretariat = factories.make_user(
                roles=("head", "secretariat"), office="SNV", full_name="Nguyễn Thị Thu Hằng"
            )
            self.specialist = factories.make_user(
                roles=("staff", "secretariat"), office="SNV", full_name="Trần Đức Anh"
            )
            self.member = factories.make_user(
                roles=("head", "council_member"), office="KHCN", full_name="Phạm Văn Thịnh"
            )
            self.chairman = factories.make_user(
                roles=("chairman",), office=None, full_name="Lê Ngọc Châu"
            )
            folder = signing.demo_ca_folder(current_app._get_current_object())
            certificates.register_demo_certificates(
                folder, [self.chairman, self.secretariat, self.specialist], CITY_NAME
            )
            certificates.register_demo_seal(folder, db.session.get(Commune, self.id))
            db.session.commit()

    def acting(self):
        return tenancy.acting_for(db.session(), self.id)

    def commune(self):
        return tenancy.acting_for(db.session(), self.commune_id)

    def open_round(self, year=None):
        with self.acting():
            rnd = factories.make_round(year)
        return rnd

    def nomination(self, initiative_id):
        return nominations.nomination(db.session.get(Commune, self.id), initiative_id)


@pytest.fixture
def world(commune):
    hcc, initiatives = _nominated(commune)
    return City(commune), hcc, initiatives


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).execution_options(
        **{tenancy.ALL_COMMUNES: True}
    ))  # fmt: skip


# -- receiving ----------------------------------------------------------------------------------
def test_the_city_lists_what_its_communes_nominated_and_nothing_else(world):
    city, hcc, initiatives = world
    with city.acting():
        found = nominations.nominations(db.session.get(Commune, city.id))
        assert [n.initiative.id for n in found] == [hcc.id]
        assert found[0].waiting and found[0].commune.name == "Xã Chí Minh"
        assert found[0].decision.symbol == "TTr-UBND"
        # A recognised initiative that was not nominated is not the city's to read.
        assert city.nomination(initiatives["VP"].id) is None
    # A commune that is not the city's (no parent) is not read either.
    db.session.get(Commune, city.commune_id).parent_id = None
    db.session.commit()
    with city.acting():
        assert city.nomination(hcc.id) is None


def test_receiving_copies_the_initiative_its_authors_and_files_into_the_city_round(world):
    city, hcc, _ = world
    rnd = city.open_round()
    with city.acting():
        copy = nominations.receive(city.nomination(hcc.id), city.specialist)
        db.session.commit()
        copy = db.session.get(Initiative, copy.id)
        assert copy.commune_id == city.id and copy.round_id == rnd.id
        assert copy.state == InitiativeState.ACCEPTED and copy.source_initiative_id == hcc.id
        assert copy.title == hcc.title and copy.field == hcc.field
        assert copy.office.represents_commune_id == city.commune_id
        assert (copy.office.code, copy.office.name) == ("CHIMINH", "UBND xã Chí Minh")
        assert "Tiếp nhận theo Tờ trình số 01/TTr-UBND" in copy.acceptance_note
        assert [(a.user_id, a.name, a.share) for a in copy.authors] == [
            (None, a.name, a.share) for a in hcc.authors
        ]
        [evidence] = copy.evidence
        original = hcc.evidence[0].attachment
        assert evidence.attachment_id != original.id
        assert evidence.attachment.storage_key != original.storage_key
        assert evidence.attachment.sha256 == original.sha256
        assert attachments.read_attachment(evidence.attachment) == EVIDENCE
        assert db.session.scalar(
            select(AuditLog).where(AuditLog.action == "initiative.receive")
        ).object_id == str(copy.id)
    # The commune reads the city's answer on its own row.
    with city.commune():
        result = db.session.scalar(select(CityResult))
        assert (result.initiative_id, result.outcome) == (hcc.id, "received")
        assert result.received_at is not None


def test_a_second_receive_of_the_same_nomination_is_refused(world):
    city, hcc, _ = world
    city.open_round()
    with city.acting():
        nominations.receive(city.nomination(hcc.id), city.specialist)
        db.session.commit()
        offices, files = _count(Office), _count(InitiativeAttachment)
        with pytest.raises(DomainError, match="đã được tiếp nhận"):
            nominations.receive(city.nomination(hcc.id), city.secretariat)
        db.session.rollback()
    assert _count(Initiative) == 4 and _count(Office) == offices
    assert _count(InitiativeAttachment) == files


def test_two_receives_racing_keep_one_copy(world):
    """The second of two requests that both read the nomination as waiting is refused by the
    unique keys (the copy's source, the commune's answer), not a second copy."""
    city, hcc, _ = world
    city.open_round()
    with city.acting():
        stale = city.nomination(hcc.id)  # read before the other request commits
        nominations.receive(city.nomination(hcc.id), city.specialist)
        db.session.commit()
        with pytest.raises(DomainError, match="vừa được tiếp nhận"):
            nominations.receive(stale, city.secretariat)
        db.session.rollback()
    assert _count(Initiative) == 4 and _count(CityResult) == 1


def test_receiving_without_a_city_round_of_this_year_says_to_open_one(world):
    city, hcc, _ = world
    city.open_round(2020)  # an old round is not this year's
    before = _count(Initiative)
    with city.acting():
        with pytest.raises(DomainError, match="chưa có đợt sáng kiến năm .* hãy tạo đợt"):
            nominations.receive(city.nomination(hcc.id), city.specialist)
        db.session.rollback()
    assert _count(Initiative) == before and _count(CityResult) == 0


def test_only_the_citys_standing_office_receives(world):
    city, hcc, _ = world
    city.open_round()
    with city.acting():
        found = city.nomination(hcc.id)
        for who in (city.member, city.chairman):
            with pytest.raises(DomainError, match="Thường trực CCHC của thành phố"):
                nominations.receive(found, who)
    # A commune's standing office is not the city's, whatever it is handed.
    commune_secretariat = factories.make_user(roles=("staff", "secretariat"), office="VHXH")
    with city.acting():
        found = city.nomination(hcc.id)
    with pytest.raises(DomainError):
        nominations.receive(found, commune_secretariat)
    db.session.rollback()
    assert _count(CityResult) == 0


def test_returning_needs_a_reason_that_the_commune_reads_and_ends_the_nomination(world):
    city, hcc, _ = world
    city.open_round()
    with city.acting():
        with pytest.raises(DomainError, match="Hãy ghi lý do trả lại"):
            nominations.return_nomination(city.nomination(hcc.id), "  ", city.specialist)
        db.session.rollback()
        nominations.return_nomination(
            city.nomination(hcc.id), "Thiếu số liệu hiệu quả 6 tháng.", city.specialist
        )
        db.session.commit()
        with pytest.raises(DomainError, match="đã bị trả lại"):
            nominations.receive(city.nomination(hcc.id), city.specialist)
        db.session.rollback()
    with city.commune():
        result = db.session.scalar(select(CityResult))
        assert result.outcome == "returned" and result.note == "Thiếu số liệu hiệu quả 6 tháng."
    assert _count(Initiative) == 3


def test_a_returned_nomination_waits_in_the_communes_inbox_and_is_nominated_again(world):
    city, hcc, _ = world
    city.open_round()
    with city.acting():
        nominations.return_nomination(
            city.nomination(hcc.id), "Thiếu số liệu hiệu quả 6 tháng.", city.specialist
        )
        db.session.commit()
    with city.commune():
        secretariat = db.session.scalar(select(User).join(Office).where(Office.code == "VHXH"))
        chairman = db.session.scalar(select(User).where(User.full_name == "Trần Quốc Hưng"))
        [line] = initiative_inbox.nominations_returned(secretariat, local_today())
        assert line.endpoint == "initiatives.nominate" and line.args == {"round_id": hcc.round_id}
        assert "Thiếu số liệu hiệu quả 6 tháng." in line.detail
        assert initiative_inbox.nominations_returned(chairman, local_today()) == []
        rnd = db.session.get(Round, hcc.round_id)
        assert hcc.id in [i.id for i in services.recognised_in(rnd)]
        # Drafting the new Tờ trình takes the line away: the work is the Decision's now.
        again = decisions.create_draft(
            DecisionKind.NOMINATION_DOSSIER, hcc.round_id, chairman, picked=[hcc.id]
        )
        assert initiative_inbox.nominations_returned(secretariat, local_today()) == []
        decisions.approve(again, chairman)
        db.session.commit()
        db.session.expire_all()
        hcc = db.session.get(Initiative, hcc.id)
        assert hcc.state == InitiativeState.NOMINATED and hcc.nomination_decision_id == again.id
        assert db.session.scalar(select(CityResult)) is None  # the return gave way
        assert hcc.id not in [i.id for i in services.recognised_in(rnd)]
        logged = db.session.scalars(
            select(AuditLog).where(AuditLog.action == "initiative.nominate")
        ).all()
        assert logged[-1].after["again_after_return"]["reason"] == "Thiếu số liệu hiệu quả 6 tháng."
    # The city sees it waiting again, under the new Tờ trình, and may receive it.
    with city.acting():
        found = city.nomination(hcc.id)
        assert found.waiting and found.decision.id == again.id
        copy = nominations.receive(found, city.specialist)
        db.session.commit()
        assert copy.source_initiative_id == hcc.id


# -- isolation ----------------------------------------------------------------------------------
def test_each_side_reaches_only_its_own_rows(world):
    city, hcc, _ = world
    city.open_round()
    with city.acting():
        copy_id = nominations.receive(city.nomination(hcc.id), city.specialist).id
        db.session.commit()
    hcc_id = hcc.id
    db.session.expunge_all()
    with city.commune():
        assert db.session.get(Initiative, copy_id) is None
        assert db.session.scalar(select(Initiative).where(Initiative.id == copy_id)) is None
    with city.acting():
        assert db.session.scalar(select(Initiative).where(Initiative.id == hcc_id)) is None
        # Read by the city's explicit query, a commune's row is not the city's to write.
        source = city.nomination(hcc_id).initiative
        source.title = "Sửa từ thành phố"
        with pytest.raises(tenancy.ForeignCommune):
            db.session.flush()
        db.session.rollback()


def test_under_row_level_security_the_city_reads_its_communes_and_answers_them(world, app_role):  # noqa: F811 - the fixture
    """PostgreSQL as the application connects (no superuser): the city's session reads the
    nomination through `city_reads`, writes its own copy, and the commune's answer only while
    it acts for the commune; the commune's session then reads its answer, not the copy."""
    city, hcc, _ = world
    city.open_round()
    hcc_id, specialist_id = hcc.id, city.specialist.id
    db.session.commit()
    db.session.expunge_all()
    session = db.session()
    with city.acting():
        session.execute(text(f"SET LOCAL ROLE {app_role}"))
        assert session.execute(text("SELECT count(*) FROM initiatives")).scalar() >= 3
        specialist = session.get(User, specialist_id)
        copy_id = nominations.receive(city.nomination(hcc_id), specialist).id
        session.flush()
        # The policies let the city read the commune's answer, not write it.
        assert session.execute(text("SELECT outcome FROM city_results")).scalar() == "received"
        updated = session.execute(text("UPDATE city_results SET note = 'x'")).rowcount
        assert updated == 0
        session.commit()
    session.expunge_all()
    with city.commune():
        session.execute(text(f"SET LOCAL ROLE {app_role}"))
        ids = session.execute(text("SELECT id FROM initiatives")).scalars().all()
        assert hcc_id in ids and copy_id not in ids
        assert session.execute(text("SELECT outcome FROM city_results")).scalar() == "received"
        session.rollback()


def test_routes_keep_each_side_to_its_own_and_commune_users_cannot_receive(client, world, login_as):
    city, hcc, _ = world
    city.open_round()
    with city.acting():
        copy_id = nominations.receive(city.nomination(hcc.id), city.specialist).id
        db.session.commit()

    def as_user(user):
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user.id)
            sess["_fresh"] = True

    # The commune's standing office: none of the city's pages, not the city's copy.
    login_as("staff", "secretariat", office="VHXH")
    assert client.get("/initiatives/nominated").status_code == 403
    assert client.post(f"/initiatives/nominated/{hcc.id}/receive", data={}).status_code == 403
    assert (
        client.post(f"/initiatives/nominated/{hcc.id}/return", data={"comment": "x"}).status_code
        == 403
    )
    assert client.get(f"/initiatives/{copy_id}").status_code == 404
    assert client.get(f"/initiatives/{hcc.id}").status_code == 200
    # The city's standing office: the nomination and its dossier, not the commune's own pages.
    as_user(city.specialist)
    page = client.get(f"/initiatives/nominated/{hcc.id}")
    assert page.status_code == 200 and "Xã Chí Minh" in page.text
    assert client.get(f"/initiatives/{hcc.id}").status_code == 404
    assert client.get(f"/initiatives/nominated/{hcc.id}/to-trinh.pdf").data.startswith(b"%PDF")
    assert client.get(f"/initiatives/nominated/{hcc.id}/dossier.pdf").status_code == 200
    assert client.get(f"/initiatives/nominated/{hcc.id}/dossier.zip").status_code == 200
    link = db.session.scalar(
        select(InitiativeAttachment).where(InitiativeAttachment.initiative_id == hcc.id)
    )
    got = client.get(f"/initiatives/nominated/{hcc.id}/files/{link.attachment_id}")
    assert got.status_code == 200 and got.data == EVIDENCE
    assert client.get(f"/initiatives/{copy_id}").status_code == 200
    again = client.post(f"/initiatives/nominated/{hcc.id}/receive", data={})
    assert again.status_code == 303
    assert "đã được tiếp nhận" in client.get(again.location).text
    assert _count(Initiative) == 4
    # A city council member (not the standing office) does not receive.
    as_user(city.member)
    assert client.get("/initiatives/nominated").status_code == 403


def test_a_city_council_member_cannot_score_a_communes_initiative_directly(client, world):
    city, hcc, _ = world
    rnd = city.open_round()
    with city.acting():
        copy = nominations.receive(city.nomination(hcc.id), city.specialist)
        council = _established_council(city, rnd)
        council_id, copy_id = council.id, copy.id
    with client.session_transaction() as sess:
        sess["_user_id"] = str(city.member.id)
        sess["_fresh"] = True
    assert client.get(f"/council/{council_id}/initiatives/{hcc.id}").status_code == 404
    posted = client.post(
        f"/council/{council_id}/initiatives/{hcc.id}",
        data={"points-novelty": 20, "points-effectiveness": 20, "points-applicability": 20},
    )
    assert posted.status_code == 404
    # The city's own copy is theirs to score (no office of theirs submitted it).
    assert client.get(f"/council/{council_id}/initiatives/{copy_id}").status_code == 200


def _established_council(city, rnd):
    """The city's council, established (by a signed Decision row) and scoring."""
    council = council_ops.create_council(rnd, city.secretariat)
    for user, position in (
        (city.secretariat, "chair"),
        (city.specialist, "secretary"),
        (city.member, "member"),
    ):
        council_ops.add_member(council, user, position, city.secretariat)
    decision = factories.signed_decision("council_establishment", council_id=council.id)
    council_ops.establish(council, decision, city.chairman)
    council_ops.open_scoring(council, city.secretariat)
    db.session.commit()
    return council


# -- the city's council and Decision ------------------------------------------------------------
def test_the_city_recognises_under_its_header_and_seal_and_the_commune_reads_the_answer(
    client, world, tmp_path
):
    city, hcc, _ = world
    rnd = city.open_round()
    with city.acting():
        copy = nominations.receive(city.nomination(hcc.id), city.specialist)
        council = council_ops.create_council(rnd, city.secretariat)
        for user, position in (
            (city.secretariat, "chair"),
            (city.specialist, "secretary"),
            (city.member, "member"),
        ):
            council_ops.add_member(council, user, position, city.secretariat)
        establishment = decisions.create_draft(
            DecisionKind.COUNCIL_ESTABLISHMENT, council.id, city.secretariat
        )
        assert "thành phố Hải Phòng" in establishment.summary
        assert "Giám đốc Sở Nội vụ" in " ".join(establishment.bases)
        decisions.submit(establishment, city.secretariat)
        decisions.approve(establishment, city.chairman)
        assert establishment.number_symbol == "01/QĐ-UBND"  # the city numbers its own
        council_ops.open_scoring(council, city.secretariat)
        for user in (city.secretariat, city.specialist, city.member):
            factories.score_as(council, user, copy, 26, 34, 27)
        council_ops.close_scoring(council, city.secretariat)
        # The minutes, signed by the city's secretary then its chair, as a commune's are.
        minutes.produce_minutes(council, city.specialist)
        minutes.sign_minutes(council, city.secretariat)
        minutes_pdf = attachments.read_attachment(council.minutes)
        recognition = decisions.create_draft(
            DecisionKind.INITIATIVE_RECOGNITION, council.id, city.secretariat
        )
        assert recognition.summary.endswith("cấp thành phố năm " + str(rnd.year))
        assert recognition.appendix_columns[3] == "Đơn vị đề nghị"
        assert recognition.appendix_rows[0][3] == "UBND xã Chí Minh"
        decisions.submit(recognition, city.secretariat)
        decisions.approve(recognition, city.chairman)
        db.session.commit()
        assert db.session.get(Initiative, copy.id).state == InitiativeState.RECOGNISED
        pdf, number = recognition.pdf, recognition.number_symbol
    said = " ".join(run_tool("pdftotext", minutes_pdf, tmp_path).split())
    assert "thành phố Hải Phòng" in said and "UBND xã Chí Minh" in said
    assert run_tool("pdfsig", minutes_pdf, tmp_path).count("Signature is Valid") == 2
    text = " ".join(run_tool("pdftotext", pdf, tmp_path).split())
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in text
    assert "Hải Phòng, ngày" in text and "UBND xã Chí Minh" in text
    assert "xã Chí Minh" not in text.replace("UBND xã Chí Minh", "")  # no commune wording
    assert "UBND xã," not in text and "cấp xã" not in text
    check = signing.check_signature(pdf)
    assert check.valid and [s.signer for s in check.signatures] == [
        "Lê Ngọc Châu",
        "UBND Thành phố Hải Phòng",
    ]
    sig = run_tool("pdfsig", pdf, tmp_path)
    assert sig.count("Signature Validation: Signature is Valid.") == 2
    # The commune hears back on its own initiative, with its own copy of the Decision.
    with city.commune():
        result = db.session.scalar(select(CityResult))
        assert result.outcome == "recognised" and result.mean_score == pytest.approx(87)
        assert result.decision_ref.startswith(f"Quyết định số {number} ngày")
        assert result.decision_ref.endswith("của Chủ tịch UBND thành phố Hải Phòng")
        assert db.session.get(Initiative, hcc.id).state == InitiativeState.NOMINATED
    reader = factories.make_user(roles=("head",), office="HCC")
    with client.session_transaction() as sess:
        sess["_user_id"] = str(reader.id)
        sess["_fresh"] = True
    page = client.get(f"/initiatives/{hcc.id}")
    assert "Được công nhận cấp thành phố" in page.text and number in page.text
    download = client.get(f"/initiatives/{hcc.id}/city-decision.pdf")
    assert download.status_code == 200 and download.data == pdf


# -- texts and inbox ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "unit", "level"),
    [
        ("Xã Chí Minh", "xã", "cấp xã"),
        ("Phường Gia Viên", "phường", "cấp xã"),
        ("Đặc khu Cát Hải", "đặc khu", "cấp xã"),
        (CITY_NAME, "thành phố", "cấp thành phố"),
    ],
)
def test_the_recognition_texts_speak_of_the_tenant_in_its_own_word(name, unit, level):
    rows = [{"title": "T", "authors": ["A"], "office": "O", "field": "F", "score": 80}]
    recognition = recognition_content(name, 2026, rows)
    establishment = council_establishment_content(name, 2026, [{"name": "A", "role": "Ủy viên"}])
    words = " ".join(
        [recognition.summary, *recognition.bases, *recognition.articles, *recognition.recipients]
        + [*establishment.bases, *establishment.articles, *establishment.recipients]
    )
    assert f"Chủ tịch, các PCT UBND {unit}" in recognition.recipients
    assert level in recognition.summary
    assert f"Ủy ban nhân dân {unit} xem xét" in words
    for other in {"xã", "phường", "đặc khu", "thành phố"} - {unit}:
        assert f"UBND {other}," not in words and f"PCT UBND {other}" not in words


def test_the_citys_standing_office_has_the_nominations_and_then_the_council_in_its_inbox(world):
    from cchc_web.council import inbox as council_inbox

    city, hcc, _ = world
    city.open_round()
    with city.acting():
        [item] = initiative_inbox.nominations_to_receive(city.specialist, local_today())
        assert item.endpoint == "initiatives.nomination" and item.args == {"initiative_id": hcc.id}
        assert "Xã Chí Minh" in item.detail
        assert initiative_inbox.nominations_to_receive(city.member, local_today()) == []
        nominations.receive(city.nomination(hcc.id), city.specialist)
        db.session.commit()
        assert initiative_inbox.nominations_to_receive(city.specialist, local_today()) == []
        [setup] = council_inbox.councils_to_set_up(city.specialist, local_today())
        assert setup.endpoint == "council.index"
    # The commune's standing office has no city work.
    commune_secretariat = factories.make_user(roles=("staff", "secretariat"), office="VHXH")
    assert initiative_inbox.nominations_to_receive(commune_secretariat, local_today()) == []
    assert db.session.scalar(select(Round.id).where(Round.year == 1999)) is None
    assert db.session.scalar(select(func.count()).select_from(Decision)) >= 3


def test_the_city_opens_its_round_with_the_round_form_then_receives_on_the_page(client, world):
    from datetime import timedelta

    city, hcc, _ = world
    # Xã Chí Minh has a round of this year too: the year is unique per tenant, not citywide.
    factories.make_round()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(city.specialist.id)
        sess["_fresh"] = True
    refused = client.post(f"/initiatives/nominated/{hcc.id}/receive", data={})
    assert "chưa có đợt sáng kiến năm" in client.get(refused.location).text
    today = local_today()
    data = {
        "year": str(today.year),
        "title": f"Sáng kiến cải cách hành chính cấp thành phố năm {today.year}",
        "submission_deadline": (today + timedelta(days=10)).isoformat(),
        "decision_deadline": (today + timedelta(days=25)).isoformat(),
        "open_fields": ["tthc", "chinh_quyen_so"],
        "pass_min_total": "50",
        "rubric": "novelty | Tính mới | 30 | mức\neffect | Hiệu quả | 70 | mức",
    }
    assert client.post("/initiatives/rounds/new", data=data).status_code == 303
    received = client.post(f"/initiatives/nominated/{hcc.id}/receive", data={})
    assert received.status_code == 303
    page = client.get(received.location).text
    assert "Đã tiếp nhận đề nghị của Xã Chí Minh" in page
    assert "Đề nghị của Xã Chí Minh" in page and "UBND xã Chí Minh" in page
    with city.acting():
        assert db.session.scalar(select(func.count()).select_from(Round)) == 1
        [copy] = db.session.scalars(select(Initiative)).all()
        assert copy.round.title.endswith("cấp thành phố năm " + str(today.year))
