from sqlalchemy import func, select

from cchc_web.admin.cli import DEMO_USERNAMES
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.models import Commune, Office, Role, User

from .factories import make_user

DEMO_ACCOUNTS = [
    "admin",
    "chutich",
    "phochutich",
    *(
        f"{code}.{kind}"
        for code in ("vp", "kt", "vhxh", "hcc", "vhtt", "ca", "qs")
        for kind in ("lanhdao", "canbo")
    ),
]
# Phường Gia Viên's accounts (seed 002): the second commune of the demo.
SECOND_ACCOUNTS = [
    "gv.admin",
    "gv.chutich",
    "gv.vp.lanhdao",
    "gv.kt.lanhdao",
    "gv.kt.canbo",
    "gv.vhxh.lanhdao",
    "gv.vhxh.canbo",
]
# The city level above both (Sở Nội vụ, the city's council and Chairman).
CITY_ACCOUNTS = ["tp.admin", "tp.chutich", "tp.snv.lanhdao", "tp.snv.canbo", "tp.khcn.lanhdao"]


def test_seed_demo_creates_commune_offices_and_accounts(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    commune = Commune.current()
    assert (commune.name, commune.province) == ("Xã Chí Minh", "Thành phố Hải Phòng")
    codes = set(db.session.scalars(select(Office.code).where(Office.commune_id == commune.id)))
    assert codes == {"VP", "KT", "VHXH", "HCC", "VHTT", "CA", "QS"}
    assert set(DEMO_ACCOUNTS) | set(SECOND_ACCOUNTS) | set(CITY_ACCOUNTS) == DEMO_USERNAMES
    ward = db.session.scalar(select(Commune).where(Commune.name == "Phường Gia Viên"))
    for username in DEMO_ACCOUNTS + SECOND_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        assert user is not None and user.check_password(DEMO_PASSWORD), username
        expected = ward.id if username.startswith("gv.") else commune.id
        assert user.commune_id == expected, username
        assert user.office is None or user.office.commune_id == expected, username
    city = db.session.scalar(select(Commune).where(Commune.name == "Thành phố Hải Phòng"))
    assert city.is_city and city.parent_id is None
    assert commune.parent_id == ward.parent_id == city.id
    assert (commune.code, commune.kind) == ("CHIMINH", "xa")
    assert (ward.code, ward.kind) == ("GIAVIEN", "phuong")
    for username in CITY_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        assert user.commune_id == city.id and user.check_password(DEMO_PASSWORD), username
    ward_offices = db.session.scalars(select(Office).where(Office.commune_id == ward.id)).all()
    assert {o.code for o in ward_offices} == codes
    assert "Công an phường" in {o.name for o in ward_offices}

    def roles(name):
        # The initiatives seeder makes five of these accounts council members (SPEC §7).
        user = db.session.scalar(select(User).where(User.username == name))
        return user.roles - {Role.COUNCIL_MEMBER}

    assert roles("vhxh.lanhdao") == {Role.HEAD, Role.SECRETARIAT}
    assert roles("vhxh.canbo") == {Role.STAFF, Role.SECRETARIAT}
    assert roles("kt.lanhdao") == {Role.HEAD}
    assert roles("chutich") == {Role.CHAIRMAN}
    assert roles("phochutich") == {Role.VICE_CHAIRMAN}
    assert roles("admin") == {Role.ADMIN}
    assert db.session.scalar(select(User).where(User.username == "qs.canbo")).office.code == "QS"


def test_seed_demo_is_idempotent(runner, demo_data):
    count = db.session.scalar(select(func.count(User.id)))
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(User.id))) == count
    # per commune, the city's, and the city's office standing for Xã Chí Minh (it nominated)
    assert db.session.scalar(select(func.count(Office.id))) == 2 * 7 + 3 + 1
    assert db.session.scalar(select(func.count(Commune.id))) == 3  # two communes and the city


def test_seed_demo_refuses_real_data(runner, commune):
    make_user(username="nguyenvana")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "không phải tài khoản mẫu" in result.output or "thật" in result.output
    assert db.session.scalar(select(User).where(User.username == "admin")) is None


def test_every_demo_account_logs_in_to_a_200_home(client, demo_data):
    # The sign-in page is the whole city's: it names neither commune.
    sign_in = client.get("/login").get_data(as_text=True).upper()
    assert "CHÍ MINH" not in sign_in and "GIA VIÊN" not in sign_in
    for username in DEMO_ACCOUNTS + SECOND_ACCOUNTS:
        response = client.post(
            "/login", data={"username": username, "password": DEMO_PASSWORD}, follow_redirects=True
        )
        assert response.status_code == 200, username
        page = response.get_data(as_text=True)
        assert "Xin chào" in page, username
        mine, theirs = ("GIA VIÊN", "CHÍ MINH")
        if not username.startswith("gv."):
            mine, theirs = theirs, mine
        assert mine in page.upper() and theirs not in page.upper(), username
        client.post("/logout", data={})


def test_create_user_command(runner, commune):
    result = runner.invoke(
        args=[
            "create-user",
            "quantri",
            "--full-name",
            "Quản Trị",
            "--role",
            "admin",
            "--password",
            "Quản trị hệ thống 2025",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "quantri"))
    assert user.roles == {Role.ADMIN} and user.check_password("Quản trị hệ thống 2025")
    dup = runner.invoke(
        args=[
            "create-user",
            "quantri",
            "--full-name",
            "X",
            "--role",
            "admin",
            "--password",
            "Quản trị hệ thống 2025",
        ]
    )
    assert dup.exit_code != 0 and "đã có người dùng" in dup.output
    bad_office = runner.invoke(
        args=[
            "create-user",
            "x.y",
            "--full-name",
            "X",
            "--role",
            "staff",
            "--office",
            "ZZ",
            "--password",
            "Quản trị hệ thống 2025",
        ]
    )
    assert bad_office.exit_code != 0 and "Không có đơn vị mã ZZ" in bad_office.output


def test_init_commune_command(runner):
    result = runner.invoke(
        args=["init-commune", "--name", "Phường Gia Viên", "--province", "Thành phố Hải Phòng"]
    )
    assert result.exit_code == 0, result.output
    assert Commune.current().name == "Phường Gia Viên"
    # The steps other packages registered ran too: the survey's default questionnaire.
    from cchc_web.models.sipas import SurveyVersion

    assert db.session.scalar(select(func.count(SurveyVersion.id))) == 1
    assert runner.invoke(args=["init-commune", "--name", "X", "--province", "Y"]).exit_code != 0


def test_create_user_in_a_named_commune(runner, commune):
    from cchc_web.admin.services import ensure_commune
    from cchc_web.core import tenancy

    ward = Commune(name="Phường Gia Viên", province="Thành phố Hải Phòng")
    db.session.add(ward)
    db.session.flush()
    with tenancy.acting_for(db.session(), ward.id):
        ensure_commune(ward.name, ward.province)
    db.session.commit()
    ward_id, first_id = ward.id, commune.id
    common = ["--role", "staff", "--office", "KT", "--password", "Quản trị hệ thống 2025"]
    result = runner.invoke(
        args=["create-user", "gv.moi", "--full-name", "X", "--commune", "Phường Gia Viên", *common]
    )
    assert result.exit_code == 0, result.output
    first = runner.invoke(args=["create-user", "cm.moi", "--full-name", "Y", *common])
    assert first.exit_code == 0, first.output
    db.session.expire_all()
    for username, expected in (("gv.moi", ward_id), ("cm.moi", first_id)):
        user = db.session.scalar(select(User).where(User.username == username))
        assert (user.commune_id, user.office.commune_id, user.office.code) == (
            expected,
            expected,
            "KT",
        )
    unknown = runner.invoke(
        args=["create-user", "x.z", "--full-name", "Z", "--commune", "Xã Không Có", *common]
    )
    assert unknown.exit_code != 0 and "Không có xã/phường" in unknown.output
