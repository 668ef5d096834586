import pytest
from sqlalchemy import func, select

from cchc_web.core.extensions import db
from cchc_web.models import AuditLog, Office, Role, User

from .factories import make_user, office

ADMIN_URLS = [
    "/admin/users",
    "/admin/users/new",
    "/admin/offices",
    "/admin/offices/new",
    "/admin/audit",
]


def new_user_form(**overrides):
    data = {
        "username": "kt.chuyenvien",
        "full_name": "Trần Văn Bình",
        "position_title": "Chuyên viên",
        "office_id": str(office("KT").id),
        "roles": ["staff"],
        "active": "y",
        "new_password": "Bắt đầu năm 2025!",
        "confirm": "Bắt đầu năm 2025!",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("roles", [("staff",), ("head",), ("secretariat",), ("chairman",)])
@pytest.mark.parametrize("url", ADMIN_URLS)
def test_non_admins_get_403_on_admin_pages(client, login_as, roles, url):
    login_as(*roles, office="VHXH")
    assert client.get(url).status_code == 403


def test_non_admin_cannot_post_to_admin(client, login_as, commune):
    login_as("secretariat", office="VHXH")
    assert client.post("/admin/users/new", data=new_user_form()).status_code == 403
    assert db.session.scalar(select(User).where(User.username == "kt.chuyenvien")) is None


def test_admin_pages_render(client, login_as):
    login_as("admin", office=None)
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 200, url


def test_admin_nav_visible_only_to_admin(client, login_as):
    login_as("staff")
    assert "/admin/users" not in client.get("/").get_data(as_text=True)
    client.post("/logout", data={})
    login_as("admin", office=None)
    assert "/admin/users" in client.get("/").get_data(as_text=True)


def test_create_user_with_roles_and_audit(client, login_as):
    admin = login_as("admin", office=None)
    response = client.post(
        "/admin/users/new", data=new_user_form(roles=["staff", "council_member"])
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "kt.chuyenvien"))
    assert user.roles == {Role.STAFF, Role.COUNCIL_MEMBER}
    assert user.office.code == "KT"
    assert user.check_password("Bắt đầu năm 2025!")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
    assert entry.actor_id == admin.id
    assert entry.after["roles"] == ["council_member", "staff"]
    assert entry.after["office_code"] == "KT"


def test_duplicate_username_is_refused_and_input_kept(client, login_as):
    login_as("admin", office=None)
    make_user(username="kt.chuyenvien")
    response = client.post("/admin/users/new", data=new_user_form(full_name="Người Trùng Tên"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tên đăng nhập này đã có người dùng." in page
    assert 'value="Người Trùng Tên"' in page
    assert (
        db.session.scalar(select(func.count(User.id)).where(User.full_name == "Người Trùng Tên"))
        == 0
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"full_name": ""}, "Hãy nhập họ và tên."),
        ({"full_name": "x" * 121}, "Họ và tên dài tối đa 120 ký tự."),
        ({"username": "ab"}, "Tên đăng nhập gồm 3–64 ký tự"),
        ({"username": "tên có dấu"}, "Tên đăng nhập gồm 3–64 ký tự"),
        ({"office_id": "99999"}, "Hãy chọn một đơn vị trong danh sách."),
        ({"office_id": "abc"}, "Hãy chọn một đơn vị trong danh sách."),
        ({"roles": []}, "Hãy chọn ít nhất một vai trò."),
        ({"roles": ["emperor"]}, "Vai trò không hợp lệ."),
        ({"office_id": "", "roles": ["staff"]}, "phải thuộc một đơn vị"),
        ({"roles": ["secretariat"]}, "dành cho người của Phòng Văn hóa - Xã hội"),
        ({"confirm": "Other@2025"}, "Hai lần nhập mật khẩu không khớp."),
    ],
)
def test_bad_user_input_is_refused_with_message(client, login_as, overrides, message):
    login_as("admin", office=None)
    before = db.session.scalar(select(func.count(User.id)))
    response = client.post("/admin/users/new", data=new_user_form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == before


def test_edit_user_changes_office_and_roles_with_audit(client, login_as):
    login_as("admin", office=None)
    user = make_user(username="vp.canbo", roles=("staff",), office="VP")
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "username": "vp.canbo",
            "full_name": "Nguyễn Thị Lan",
            "position_title": "Phó Chánh Văn phòng",
            "office_id": str(office("VP").id),
            "roles": ["staff", "head"],
            "active": "y",
        },
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.roles == {Role.STAFF, Role.HEAD}
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "user.update"))
    assert entry.before["roles"] == ["staff"]
    assert entry.after["roles"] == ["head", "staff"]
    assert entry.after["position_title"] == "Phó Chánh Văn phòng"


def test_reset_password_and_deactivate_never_delete(client, login_as):
    login_as("admin", office=None)
    user = make_user(username="vp.canbo")
    reset = client.post(
        f"/admin/users/{user.id}/password",
        data={"new_password": "Đặt lại năm 2025!", "confirm": "Đặt lại năm 2025!"},
    )
    assert reset.status_code == 303
    deactivate = client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert deactivate.status_code == 303
    db.session.refresh(user)
    assert user.check_password("Đặt lại năm 2025!")
    assert user.active is False
    actions = set(
        db.session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(user.id)))
    )
    assert {"user.reset_password", "user.deactivate"} <= actions
    assert not any(
        rule.rule.endswith("/delete") for rule in client.application.url_map.iter_rules()
    )


def test_admin_cannot_lock_themselves(client, login_as):
    admin = login_as("admin", office=None)
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    db.session.refresh(admin)
    assert admin.active is True


def test_user_list_search_filter_and_htmx_fragment(client, login_as):
    login_as("admin", office=None, full_name="Quản Trị Viên")
    make_user(username="kt.a", full_name="Hoàng Văn Nam", office="KT", roles=("head",))
    make_user(username="vp.b", full_name="Nguyễn Thị Lan", office="VP")
    full = client.get("/admin/users?q=hoàng")
    assert "<html" in full.get_data(as_text=True)
    assert "<mark>Hoàng</mark> Văn Nam" in full.get_data(as_text=True)
    assert "Nguyễn Thị Lan" not in full.get_data(as_text=True)
    fragment = client.get(f"/admin/users?office={office('VP').id}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert "Nguyễn Thị Lan" in body and "Hoàng Văn Nam" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    by_role = client.get("/admin/users?role=head", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "Hoàng Văn Nam" in by_role and "Nguyễn Thị Lan" not in by_role
    empty = client.get("/admin/users?q=không-ai-cả").get_data(as_text=True)
    assert "Không có người dùng nào khớp với bộ lọc." in empty


def test_user_list_paginates(client, login_as):
    login_as("admin", office=None)
    for i in range(30):
        make_user(username=f"bulk{i:02d}", full_name=f"Người Dùng {i:02d}")
    first = client.get("/admin/users").get_data(as_text=True)
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "31 mục" in first
    assert 'rel="next"' in first
    assert "Người Dùng 29" in second and "Người Dùng 29" not in first
    assert client.get("/admin/users?page=999").status_code == 200
    assert client.get("/admin/users?page=abc").status_code == 200


def test_create_rename_deactivate_office_with_audit(client, login_as):
    login_as("admin", office=None)
    created = client.post(
        "/admin/offices/new", data={"code": "tp", "name": "Phòng Tư pháp", "is_specialised": "y"}
    )
    assert created.status_code == 303
    tp = office("TP")
    assert tp.is_specialised
    client.post(
        f"/admin/offices/{tp.id}/edit", data={"code": "TP", "name": "Phòng Tư pháp - Hộ tịch"}
    )
    client.post(f"/admin/offices/{tp.id}/active", data={"active": "0"})
    db.session.refresh(tp)
    assert tp.name == "Phòng Tư pháp - Hộ tịch" and tp.active is False
    actions = [
        a
        for a in db.session.scalars(
            select(AuditLog.action).where(AuditLog.object_type == "Office").order_by(AuditLog.id)
        )
    ]
    assert actions == ["office.create", "office.update", "office.deactivate"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "VP", "name": "Trùng"}, "Mã đơn vị này đã có."),
        ({"code": "CQCM", "name": "Tất cả"}, "không thể là mã một đơn vị"),
        ({"code": "", "name": "Không mã"}, "Hãy nhập mã đơn vị."),
        ({"code": "X", "name": ""}, "Hãy nhập tên đơn vị."),
        ({"code": "X", "name": "y" * 201}, "Tên đơn vị dài tối đa 200 ký tự."),
        ({"code": "Mã có dấu", "name": "Z"}, "Mã gồm 1–16 chữ không dấu hoặc số."),
    ],
)
def test_bad_office_input(client, login_as, data, message):
    login_as("admin", office=None)
    before = db.session.scalar(select(func.count(Office.id)))
    response = client.post("/admin/offices/new", data=data)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Office.id))) == before


def test_deactivated_office_not_offered_for_new_users(client, login_as):
    login_as("admin", office=None)
    qs = office("QS")
    qs.active = False
    db.session.commit()
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert "Ban Chỉ huy Quân sự xã" not in page
    response = client.post("/admin/users/new", data=new_user_form(office_id=str(qs.id)))
    assert "Hãy chọn một đơn vị trong danh sách." in response.get_data(as_text=True)


def test_office_changes_are_audited_with_the_administrator(client, login_as):
    admin = login_as("admin", office=None)
    client.post("/admin/offices/new", data={"code": "TTDL", "name": "Tổ dữ liệu"})
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "office.create"))
    assert entry is not None and entry.actor_id == admin.id
