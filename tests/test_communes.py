"""Per-commune settings (Quản trị › Thiết lập) and onboarding a commune (Quản trị › Xã,
phường; `flask add-commune`), issue 20 item 2."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from cchc_web.admin.services import ensure_commune
from cchc_web.communes import onboarding
from cchc_web.core import tenancy
from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.documents import committee_issuer
from cchc_web.initiatives import paraphrase
from cchc_web.models import AuditLog, Commune, Office, Role, User
from cchc_web.models import commune_settings as cs
from cchc_web.models.initiatives import DEFAULT_RUBRIC, INITIATIVE_FIELDS
from cchc_web.models.org import CommuneKind
from cchc_web.models.plans import FIELDS
from cchc_web.reports import periods

from . import factories

OFFICES_CSV = (
    "code,name,is_specialised\n"
    "VP,Văn phòng HĐND và UBND xã,có\n"
    "KT,Phòng Kinh tế,có\n"
    "VHXH,Phòng Văn hóa - Xã hội,x\n"
    "CA,Công an xã,không\n"
)
USERS_CSV = (
    "username,full_name,position_title,office_code,roles,email\n"
    "dan.admin,Quản trị Đường An,Chuyên viên,,admin,\n"
    "dan.vhxh,Lê Văn Thường,Trưởng phòng,VHXH,head; secretariat,dan.vhxh@duongan.example.vn\n"
    "dan.kt,Phạm Thị Kinh,Chuyên viên,KT,Cán bộ công chức,\n"
)


def _csv(text: str, name: str = "x.csv") -> tuple[str, bytes]:
    return name, text.encode("utf-8")


def _xlsx(rows: list[list], name: str = "x.xlsx") -> tuple[str, bytes]:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return name, out.getvalue()


def _rows(text: str) -> list[list[str]]:
    return [line.split(",") for line in text.strip().splitlines()]


def _city(commune: Commune) -> Commune:
    city = Commune(
        name="Thành phố Hải Phòng", province="Thành phố Hải Phòng", kind=CommuneKind.CITY
    )
    db.session.add(city)
    db.session.flush()
    commune.parent_id = city.id
    with tenancy.acting_for(db.session(), city.id):
        db.session.add(Office(code="SNV", name="Sở Nội vụ", is_specialised=True))
        db.session.flush()
    db.session.commit()
    return city


def _city_admin(city: Commune, username: str = "tp.admin") -> User:
    with tenancy.acting_for(db.session(), city.id):
        user = factories.make_user(roles=("admin",), office=None, username=username)
    return user


def _login(client, user: User) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True


# -- the accessor ---------------------------------------------------------------------------
def test_defaults_are_todays_behaviour(commune):
    settings = cs.of(commune)
    assert settings.plan_fields == FIELDS
    assert settings.initiative_fields == INITIATIVE_FIELDS
    assert settings.report_start_day == 15 and settings.report_deadline_day == 20
    assert settings.round_deadlines(2025) == (date(2025, 9, 20), date(2025, 9, 30))
    assert settings.rubric == DEFAULT_RUBRIC
    assert settings.issuer_lines == committee_issuer("Xã Chí Minh")
    assert settings.issuer_name == "Xã Chí Minh"
    assert settings.secretariat_office == "VHXH"
    assert cs.of(None) == cs.CommuneSettings()


def test_settings_read_back_and_removed_fields_keep_their_label(commune):
    commune.settings = cs.updated(
        commune,
        plan_fields=[["tthc", "Thủ tục hành chính"], ["the_che", "Thể chế"]],
        initiative_fields=[["a", "a) Chỉ đạo điều hành"], ["b", "b) Thể chế"]],
        report_start_day=20,
        report_deadline_day=25,
        round_submission=[25, 9],
        issuer_lines=["ỦY BAN NHÂN DÂN", "ĐẶC KHU BẠCH LONG VĨ"],
    )
    db.session.commit()
    settings = cs.of(commune)
    assert list(settings.plan_fields) == ["tthc", "the_che"]
    assert settings.plan_field_label("tthc") == "Thủ tục hành chính"
    # A field no longer configured still has its name (old tasks, old initiatives).
    assert settings.plan_field_label("cong_vu") == FIELDS["cong_vu"]
    assert settings.initiative_field_label("chi_so") == INITIATIVE_FIELDS["chi_so"]
    assert settings.plan_fields_with(["cong_vu"])["cong_vu"] == FIELDS["cong_vu"]
    assert settings.round_deadlines(2026) == (date(2026, 9, 25), date(2026, 9, 30))
    assert settings.issuer_name == "ĐẶC KHU BẠCH LONG VĨ"
    assert periods.start_day() == 20 and periods.deadline_day() == 25
    assert periods.month_period(2025, 11).deadline == date(2025, 11, 25)
    # Renamed again: the label it had is remembered.
    commune.settings = cs.updated(commune, initiative_fields=[["c", "c) TTHC"]])
    assert cs.of(commune).initiative_field_label("a") == "a) Chỉ đạo điều hành"
    assert commune.settings["former_fields"]["initiative"] == {
        "a": "a) Chỉ đạo điều hành",
        "b": "b) Thể chế",
        **{k: v for k, v in INITIATIVE_FIELDS.items()},
    }
    with pytest.raises(KeyError):
        cs.updated(commune, colour="blue")


def test_bad_stored_values_fall_back_to_the_defaults(commune):
    commune.settings = {
        "plan_fields": [["nope", "x"]],
        "report_start_day": 40,
        "round_submission": [31, 2],
        "rubric": "x",
        "issuer_lines": "x",
    }
    settings = cs.of(commune)
    assert settings.plan_fields == FIELDS
    assert settings.report_start_day == 15
    assert settings.round_submission == (20, 9)
    assert settings.rubric == DEFAULT_RUBRIC
    assert settings.issuer_lines_set == ()


def test_paraphrase_background_follows_the_communes_fields(commune):
    commune.settings = cs.updated(commune, initiative_fields=[["x", "Một lĩnh vực riêng"]])
    db.session.commit()
    assert "Một lĩnh vực riêng" in paraphrase.background_texts()


# -- the settings page ----------------------------------------------------------------------
def _form(**changes) -> dict:
    data = {
        "name": "Xã Chí Minh",
        "kind": "xa",
        "plan_fields": "\n".join(f"{c} | {label}" for c, label in FIELDS.items()),
        "initiative_fields": "a | a) Chỉ đạo, điều hành\nb | b) Cải cách thể chế",
        "report_start_day": "15",
        "report_deadline_day": "20",
        "round_submission": "25/9",
        "round_decision": "30/9",
        "rubric": "novelty | Tính mới | 40 | \neffectiveness | Hiệu quả | 60 |",
        "issuer_lines": "",
        "secretariat_office": "VHXH",
    }
    data.update(changes)
    return data


def test_a_commune_admin_edits_its_own_settings(client, login_as, commune):
    admin = login_as("admin", office=None)
    page = client.get("/admin/settings")
    assert page.status_code == 200 and "Thiết lập của Xã Chí Minh" in page.get_data(as_text=True)
    response = client.post("/admin/settings", data=_form(kind="phuong", name="Phường Chí Minh"))
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Commune, commune.id)
    assert saved.name == "Phường Chí Minh" and saved.kind == CommuneKind.PHUONG
    settings = cs.of(saved)
    assert settings.initiative_fields == {"a": "a) Chỉ đạo, điều hành", "b": "b) Cải cách thể chế"}
    assert settings.round_submission == (25, 9)
    assert [c["max"] for c in settings.rubric] == [40, 60]
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "commune.settings"))
    assert entry.actor_id == admin.id and entry.after["round_submission"] == [25, 9]
    # The round form proposes the commune's deadlines, fields and rubric.
    vhxh = login_as("head", "secretariat", office="VHXH")
    assert vhxh
    text = client.get("/initiatives/rounds/new").get_data(as_text=True)
    assert "25/09/" in text and "a) Chỉ đạo, điều hành" in text and "Hiệu quả" in text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"plan_fields": "abc | Lạ"}, "plan_fields", "không phải lĩnh vực CCHC"),
        ({"plan_fields": "tthc | A\ntthc | B"}, "plan_fields", "bị trùng"),
        ({"initiative_fields": "Chữ Hoa | x"}, "initiative_fields", "chỉ gồm chữ thường"),
        ({"initiative_fields": "a"}, "initiative_fields", "mã | tên lĩnh vực"),
        ({"report_start_day": "40"}, "report_start_day", "từ 2 đến 28"),
        ({"report_deadline_day": "10"}, "report_deadline_day", "từ 15"),
        ({"round_submission": "31/2"}, "round_submission", "ví dụ 20/9"),
        ({"round_decision": "10/9"}, "round_decision", "phải sau hạn nộp"),
        ({"rubric": "x | y | 500"}, "rubric", "từ 1 đến 100"),
        ({"issuer_lines": "a\nb\nc\nd"}, "issuer_lines", "Tối đa 3 dòng"),
        ({"secretariat_office": "ZZ"}, "secretariat_office", ""),
        ({"kind": "thanh_pho"}, "kind", "xã, phường hoặc đặc khu"),
    ],
)
def test_bad_settings_are_refused_with_the_form_kept(
    client, login_as, commune, changes, field, message
):
    login_as("admin", office=None)
    before = dict(commune.settings or {})
    response = client.post("/admin/settings", data=_form(**changes))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error"' in text and message in text
    if field not in ("kind", "secretariat_office"):  # what was typed stays
        assert next(iter(changes.values())).splitlines()[0] in text
    db.session.expire_all()
    assert db.session.get(Commune, commune.id).settings == before
    assert not db.session.scalar(
        select(func.count(AuditLog.id)).where(AuditLog.action == "commune.settings")
    )


def test_another_communes_admin_changes_only_its_own(client, commune):
    other = Commune(name="Phường Gia Viên", province="Thành phố Hải Phòng")
    db.session.add(other)
    db.session.flush()
    with tenancy.acting_for(db.session(), other.id):
        ensure_commune(other.name, other.province)
        admin = factories.make_user(roles=("admin",), office=None, username="gv.admin")
    _login(client, admin)
    text = client.get("/admin/settings").get_data(as_text=True)
    assert "Phường Gia Viên" in text and "Xã Chí Minh" not in text
    client.post("/admin/settings", data=_form(name="Phường Gia Viên", kind="phuong"))
    db.session.expire_all()
    assert cs.of(db.session.get(Commune, other.id)).round_submission == (25, 9)
    assert db.session.get(Commune, commune.id).settings in ({}, None)
    assert db.session.get(Commune, commune.id).name == "Xã Chí Minh"


def test_settings_need_an_admin_and_csrf(client, login_as, commune):
    login_as("head", "secretariat", office="VHXH")
    assert client.get("/admin/settings").status_code == 403
    assert client.post("/admin/settings", data=_form(name="X")).status_code == 403
    login_as("admin", office=None)
    response = client.post("/admin/settings", data=_form(name="Bị giả mạo"), csrf=False)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Commune, commune.id).name == "Xã Chí Minh"


def test_forms_and_documents_use_the_communes_values(client, login_as, commune):
    commune.settings = cs.updated(
        commune,
        plan_fields=[["tthc", "TTHC của xã"]],
        initiative_fields=[["a", "a) Lĩnh vực riêng"]],
        issuer_lines=["ỦY BAN NHÂN DÂN", "ĐẶC KHU BẠCH LONG VĨ"],
    )
    db.session.commit()
    assert cs.current().issuer_lines[1] == "ĐẶC KHU BẠCH LONG VĨ"
    from cchc_web.initiatives import services as initiatives

    secretary = login_as("head", "secretariat", office="VHXH")
    rnd = initiatives.create_round(
        initiatives.RoundData(2025, "Đợt 2025", date(2025, 9, 25), date(2025, 9, 30)), secretary
    )
    assert rnd.open_fields == ["a"]
    with pytest.raises(DomainError):
        initiatives.create_round(
            initiatives.RoundData(
                2026, "Đợt 2026", date(2026, 9, 25), date(2026, 9, 30), open_fields=["chi_so"]
            ),
            secretary,
        )
    db.session.rollback()


# -- onboarding: the files -------------------------------------------------------------------
def test_good_files_in_csv_and_xlsx_parse_alike(commune):
    offices_csv = onboarding.parse_offices(_csv(OFFICES_CSV))
    offices_xlsx = onboarding.parse_offices(_xlsx(_rows(OFFICES_CSV)))
    assert offices_csv == offices_xlsx
    assert [(o.code, o.is_specialised) for o in offices_csv] == [
        ("VP", True),
        ("KT", True),
        ("VHXH", True),
        ("CA", False),
    ]
    users = onboarding.parse_users(_csv(USERS_CSV), {"VP", "KT", "VHXH", "CA"})
    assert users[1].roles == {Role.HEAD, Role.SECRETARIAT}
    assert users[2].roles == {Role.STAFF}  # by its Vietnamese name
    semicolons = USERS_CSV.replace(",", ";").replace("head; secretariat", "head, secretariat")
    assert [u.roles for u in onboarding.parse_users(_csv(semicolons), {"VP", "KT", "VHXH"})] == [
        u.roles for u in users
    ]


@pytest.mark.parametrize(
    ("offices", "users", "expected"),
    [
        ("code,name\nVP,\n", None, "Tệp đơn vị, dòng 2, cột name"),
        ("code,name\nV P,Văn phòng\n", None, "Tệp đơn vị, dòng 2, cột code"),
        ("code,name\nVP,A\nvp,B\n", None, "Tệp đơn vị, dòng 3, cột code: mã “VP” bị trùng"),
        ("code,name,is_specialised\nVP,A,maybe\n", None, "dòng 2, cột is_specialised"),
        ("name\nVăn phòng\n", None, "Tệp đơn vị: thiếu cột code"),
        ("code,name\n", None, "Tệp đơn vị: không có dòng nào"),
        (None, "username,full_name,roles\nab,Tên,admin\n", "Tệp người dùng, dòng 2, cột username"),
        (None, "username,full_name,roles\nnew.one,,admin\n", "dòng 2, cột full_name"),
        (
            None,
            "username,full_name,roles\nnew.one,Tên,vua\n",
            "dòng 2, cột roles: không có vai trò “vua”",
        ),
        (None, "username,full_name,roles\nnew.one,Tên,\n", "dòng 2, cột roles"),
        (
            None,
            "username,full_name,office_code,roles\nnew.one,Tên,XYZ,staff\n",
            "dòng 2, cột office_code: không có đơn vị mã “XYZ”",
        ),
        (None, "username,full_name,roles\nnew.one,Tên,staff\n", "dòng 2, cột office_code"),
        (
            None,
            "username,full_name,roles\nnew.one,A,admin\nNew.One,B,admin\n",
            "dòng 3, cột username: “new.one” bị trùng trong tệp",
        ),
        (
            None,
            "username,full_name,roles\ntaken.user,A,admin\n",
            "đã có người dùng trong thành phố",
        ),
        (
            None,
            "username,full_name,office_code,roles\nnew.one,A,KT,staff; secretariat\n",
            "dòng 2, cột roles: Vai trò Thường trực CCHC",
        ),
        (
            None,
            "username,full_name,roles,email\nnew.one,A,admin,không-phải-mail\n",
            "dòng 2, cột email",
        ),
    ],
)
def test_every_kind_of_bad_row_refuses_everything(commune, offices, users, expected):
    factories.make_user(roles=("admin",), office=None, username="taken.user")
    city = _city(commune)
    communes_before = db.session.scalar(select(func.count(Commune.id)))
    users_before = db.session.scalar(select(func.count(User.id)))
    with pytest.raises(DomainError) as refused:
        onboarding.onboard(
            onboarding.CommuneData("DUONGAN", "Xã Đường An", "xa"),
            offices_file=_csv(offices) if offices else None,
            users_file=_csv(users) if users else None,
            city=city,
            actor=None,
        )
    db.session.rollback()
    assert expected in refused.value.message
    assert db.session.scalar(select(func.count(Commune.id))) == communes_before
    assert db.session.scalar(select(func.count(User.id))) == users_before


def test_a_duplicate_commune_code_is_refused_whatever_its_case(commune):
    """On SQLite and PostgreSQL alike (the suite runs on both)."""
    city = _city(commune)
    assert commune.code == "CHIMINH"
    with pytest.raises(DomainError, match="đã được dùng cho Xã Chí Minh"):
        onboarding.onboard(
            onboarding.CommuneData("chiminh", "Xã Chí Minh Mới", "xa"), city=city, actor=None
        )
    with pytest.raises(DomainError, match="Đã có Xã Chí Minh"):
        onboarding.onboard(
            onboarding.CommuneData("CM2", "xã chí minh", "xa"), city=city, actor=None
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count(Commune.id))) == 2


def test_onboarding_creates_the_commune_its_offices_users_and_setup(commune):
    from cchc_web.models.sipas import ServiceCounter

    city = _city(commune)
    result = onboarding.onboard(
        onboarding.CommuneData("duongan", "Xã Đường An", "xa"),
        offices_file=_csv(OFFICES_CSV),
        users_file=_xlsx(_rows(USERS_CSV)),
        city=city,
        actor=None,
    )
    db.session.commit()
    new = result.commune
    assert (new.code, new.kind, new.parent_id, new.province) == (
        "DUONGAN",
        CommuneKind.XA,
        city.id,
        "Thành phố Hải Phòng",
    )
    assert result.has_admin and len(result.accounts) == 3
    with tenancy.acting_for(db.session(), new.id):
        assert [o.code for o in db.session.scalars(select(Office).order_by(Office.sort_order))] == [
            "VP",
            "KT",
            "VHXH",
            "CA",
        ]
        vhxh = db.session.scalar(select(User).where(User.username == "dan.vhxh"))
        assert vhxh.commune_id == new.id and vhxh.office.code == "VHXH"
        assert vhxh.roles == {Role.HEAD, Role.SECRETARIAT}
        password = next(a[3] for a in result.accounts if a[0] == "dan.vhxh")
        assert vhxh.check_password(password) and len(password) == 14
        assert db.session.scalar(select(func.count(ServiceCounter.id)))  # the setup steps ran
    # The first commune is untouched.
    assert (
        db.session.scalar(select(func.count(Office.id)).where(Office.commune_id == commune.id)) == 7
    )


def test_without_an_offices_file_a_ward_gets_the_default_offices_named_for_it(commune):
    city = _city(commune)
    result = onboarding.onboard(
        onboarding.CommuneData("LEHONG", "Phường Lê Hồng", "phuong"), city=city, actor=None
    )
    names = {o.code: o.name for o in result.offices}
    assert names["CA"] == "Công an phường" and names["VP"] == "Văn phòng HĐND và UBND phường"
    assert not result.has_admin and result.accounts == []


# -- onboarding: the pages ------------------------------------------------------------------
def test_a_commune_admin_cannot_onboard(client, login_as, commune):
    _city(commune)
    login_as("admin", office=None)
    assert client.get("/admin/communes").status_code == 403
    response = client.post("/admin/communes/new", data={"code": "X1", "name": "Xã X", "kind": "xa"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Commune.id))) == 2


def test_the_city_admin_lists_and_onboards_communes(client, commune):
    city = _city(commune)
    admin = _city_admin(city)
    _login(client, admin)
    text = client.get("/admin/communes").get_data(as_text=True)
    assert "CHIMINH" in text and "Xã Chí Minh" in text
    name, data = _xlsx(_rows(USERS_CSV))
    response = client.post(
        "/admin/communes/new",
        data={
            "code": "DUONGAN",
            "name": "Xã Đường An",
            "kind": "xa",
            "province": "Thành phố Hải Phòng",
            "offices_file": (io.BytesIO(OFFICES_CSV.encode()), "don-vi.csv"),
            "users_file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200, text
    assert "Đã tạo Xã Đường An" in text and "dan.vhxh" in text
    assert "no-store" in response.headers["Cache-Control"]
    created = db.session.scalar(select(Commune).where(Commune.code == "DUONGAN"))
    assert created.parent_id == city.id
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "commune.create"))
    assert entry.actor_id == admin.id and entry.commune_id == city.id
    text = client.get("/admin/communes").get_data(as_text=True)
    assert "DUONGAN" in text


def test_a_bad_row_keeps_the_typed_form_and_creates_nothing(client, commune):
    city = _city(commune)
    _login(client, _city_admin(city))
    response = client.post(
        "/admin/communes/new",
        data={
            "code": "DUONGAN",
            "name": "Xã Đường An",
            "kind": "xa",
            "users_file": (io.BytesIO(b"username,full_name,roles\nnew.one,A,vua\n"), "u.csv"),
        },
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tệp người dùng, dòng 2, cột roles" in text
    assert 'value="DUONGAN"' in text and 'value="Xã Đường An"' in text
    assert db.session.scalar(select(func.count(Commune.id))) == 2
    # A duplicate code, and a forged post without its token: nothing either.
    response = client.post(
        "/admin/communes/new", data={"code": "ChiMinh", "name": "Xã Mới", "kind": "xa"}
    )
    assert "đã được dùng" in response.get_data(as_text=True)
    response = client.post(
        "/admin/communes/new", data={"code": "MOI", "name": "Xã Mới", "kind": "xa"}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Commune.id))) == 2


def test_add_commune_command(runner, commune, tmp_path):
    city = _city(commune)
    offices = tmp_path / "don-vi.csv"
    offices.write_text(OFFICES_CSV, encoding="utf-8")
    users = tmp_path / "nguoi-dung.xlsx"
    users.write_bytes(_xlsx(_rows(USERS_CSV))[1])
    result = runner.invoke(
        args=[
            "add-commune",
            "--code",
            "DUONGAN",
            "--name",
            "Xã Đường An",
            "--kind",
            "xa",
            "--offices",
            str(offices),
            "--users",
            str(users),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Đã tạo Xã Đường An (mã DUONGAN) với 4 đơn vị" in result.output
    assert "dan.admin" in result.output
    db.session.expire_all()
    created = db.session.scalar(select(Commune).where(Commune.code == "DUONGAN"))
    assert created.parent_id == city.id
    again = runner.invoke(
        args=["add-commune", "--code", "duongan", "--name", "Xã Khác", "--kind", "xa"]
    )
    assert again.exit_code != 0 and "đã được dùng" in again.output


def test_offices_and_certificates_pages_are_the_communes_own(client, commune):
    from cchc_web.core.tenancy import CommuneOwned
    from cchc_web.models import SigningCertificate

    assert issubclass(SigningCertificate, CommuneOwned) and issubclass(Office, CommuneOwned)
    other = Commune(name="Phường Gia Viên", province="Thành phố Hải Phòng")
    db.session.add(other)
    db.session.flush()
    with tenancy.acting_for(db.session(), other.id):
        db.session.add(Office(code="RIENG", name="Phòng riêng của phường", sort_order=1))
        admin = factories.make_user(roles=("admin",), office=None, username="gv.admin")
    _login(client, admin)
    text = client.get("/admin/offices").get_data(as_text=True)
    assert "Phòng riêng của phường" in text and "Phòng Kinh tế" not in text
    assert client.get("/admin/certificates").status_code == 200
    client.post("/admin/offices/new", data={"code": "KT", "name": "Phòng Kinh tế phường"})
    with tenancy.acting_for(db.session(), other.id):
        assert {o.code for o in db.session.scalars(select(Office))} == {"RIENG", "KT"}


def test_a_commune_without_administrator_is_in_the_city_admins_inbox_until_one_is_added(
    client, commune
):
    from cchc_web.core.inbox import collect

    city = _city(commune)
    admin = _city_admin(city)
    onboarding.onboard(
        onboarding.CommuneData("LEHONG", "Phường Lê Hồng", "phuong"), city=city, actor=None
    )
    db.session.commit()
    items = [i for i in collect(admin, date(2025, 10, 1)) if i.kind == "commune"]
    # Xã Chí Minh has no administrator in this test either: both are waiting.
    assert {i.title for i in items} == {
        "Tạo tài khoản quản trị cho Phường Lê Hồng",
        "Tạo tài khoản quản trị cho Xã Chí Minh",
    }
    _login(client, admin)
    assert "/admin/communes/LEHONG/admin" in client.get("/admin/communes").get_data(as_text=True)
    assert client.get("/admin/communes/NOPE/admin").status_code == 404
    refused = client.post(
        "/admin/communes/LEHONG/admin", data={"username": "tp.admin", "full_name": "Ai đó"}
    )
    assert "Tên đăng nhập này đã có người dùng." in refused.get_data(as_text=True)
    response = client.post(
        "/admin/communes/LEHONG/admin",
        data={"username": "lehong.admin", "full_name": "Quản trị Lê Hồng"},
    )
    text = response.get_data(as_text=True)
    assert "Đã tạo tài khoản quản trị cho Phường Lê Hồng" in text and "lehong.admin" in text
    created = db.session.scalar(select(User).where(User.username == "lehong.admin"))
    lehong = db.session.scalar(select(Commune).where(Commune.code == "LEHONG"))
    assert created.commune_id == lehong.id and created.roles == {Role.ADMIN}
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "commune.add_admin"))
    assert entry.actor_id == admin.id and entry.commune_id == city.id
    items = [i for i in collect(admin, date(2025, 10, 1)) if i.kind == "commune"]
    assert [i.title for i in items] == ["Tạo tài khoản quản trị cho Xã Chí Minh"]


def test_a_commune_admin_cannot_add_administrators(client, login_as, commune):
    _city(commune)
    login_as("admin", office=None)
    assert client.get("/admin/communes/CHIMINH/admin").status_code == 403
    response = client.post(
        "/admin/communes/CHIMINH/admin", data={"username": "x.admin", "full_name": "X"}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.username == "x.admin")) is None
