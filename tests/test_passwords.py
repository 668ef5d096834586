"""Passwords (issue 15): at least 12 characters, not the username, not a common password;
the change form throttled; and sign-in guesses counted atomically, unlockable by an admin."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from cchc_web import create_app
from cchc_web.auth import throttle
from cchc_web.auth.passwords import common_passwords, password_problem
from cchc_web.core.extensions import db
from cchc_web.models import AuditLog, LoginThrottle, User

from .factories import PASSWORD, make_user

GOOD = "Hoa sen nở giữa hồ 2026"


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("aaaaaaaa", "ít nhất 12 ký tự"),
        ("Demo@2025", "ít nhất 12 ký tự"),
        ("aaaaaaaaaaaa", "ký tự khác nhau"),
        ("nguyen.van.an2025", "tên đăng nhập"),
        ("password1234", "quá phổ biến"),
        ("Matkhau@2025!!", "quá phổ biến"),  # a Vietnamese stem with decoration
        ("123456789012", "dãy liên tiếp"),
        ("abcdefghijklm", "dãy liên tiếp"),
        ("qwertyuiop123", "quá phổ biến"),
        ("x" * 129, "tối đa 128"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, words):
    assert words in password_problem(password, "nguyen.van.an")


@pytest.mark.parametrize("password", [GOOD, "Trời hôm nay xanh", "correct horse battery staple"])
def test_good_passwords_pass(password):
    assert password_problem(password, "nguyen.van.an") is None


def test_the_common_list_is_shipped():
    words = common_passwords()
    assert len(words) > 19_000 and "password" in words and "matkhau" in words


def test_admin_cannot_create_a_user_with_a_weak_password(client, login_as):
    login_as("admin", office=None)
    response = client.post(
        "/admin/users/new",
        data={
            "username": "ke.toan",
            "full_name": "Kế Toán",
            "office_id": "",
            "roles": ["admin"],
            "active": "y",
            "new_password": "ke.toan12345",
            "confirm": "ke.toan12345",
        },
    )
    assert response.status_code == 200
    assert "không được chứa tên đăng nhập" in response.text
    assert 'value="Kế Toán"' in response.text  # what was typed is kept
    assert db.session.scalar(select(User).where(User.username == "ke.toan")) is None


def test_cli_create_user_applies_the_rule(runner, commune):
    weak = runner.invoke(
        args=[
            "create-user",
            "quantri",
            "--full-name",
            "Quản trị",
            "--role",
            "admin",
            "--password",
            "Admin@2025",
        ]  # fmt: skip
    )
    assert weak.exit_code != 0 and "ít nhất 12 ký tự" in weak.output
    ok = runner.invoke(
        args=[
            "create-user",
            "quantri",
            "--full-name",
            "Quản trị",
            "--role",
            "admin",
            "--password",
            GOOD,
        ]  # fmt: skip
    )
    assert ok.exit_code == 0, ok.output


def test_the_change_form_is_throttled(client, login_as):
    user = login_as("staff")
    for _ in range(5):
        response = client.post(
            "/account/password",
            data={"current_password": "sai rồi", "new_password": GOOD, "confirm": GOOD},
        )
        assert "Mật khẩu hiện tại không đúng." in response.text
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": GOOD, "confirm": GOOD},
    )
    assert "Nhập sai mật khẩu hiện tại nhiều lần" in response.text
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_the_demo_accounts_keep_their_published_password(demo_data):
    from cchc_web.core.demo import DEMO_PASSWORD

    assert password_problem(DEMO_PASSWORD) is not None  # the rule would refuse it today ...
    user = db.session.scalar(select(User).where(User.username == "chutich"))
    assert user.check_password(DEMO_PASSWORD)  # ... but the seeded demo keeps working


# -- atomic counting and unlocking ------------------------------------------------------------
def test_thirty_parallel_guesses_let_at_most_five_through(app, commune):
    """Issue 15: 6-18 of 30 parallel guesses got through a limit of 5 (count not atomic)."""
    make_user(username="chutich", office=None, roles=("chairman",))
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    # Its own app (and pool) so that 30 threads really hit the database at once.
    racing = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=app.config["UPLOAD_DIR"])
    if url.startswith("postgresql"):
        racing.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **racing.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": 32, "max_overflow": 0
        }  # fmt: skip
    from cchc_web.auth.services import LoginRefused, authenticate

    checked, barrier, lock = [], threading.Barrier(30), threading.Lock()

    def guess(n: int) -> None:
        with racing.app_context():
            barrier.wait()
            try:
                authenticate("chutich", f"guess-{n}", "10.6.6.6")
            except LoginRefused as refused:
                with lock:
                    checked.append(not refused.locked)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with racing.app_context():
        db.engines[None].dispose()
    assert len(checked) == 30
    assert sum(checked) == app.config["LOGIN_FREE_FAILURES"]  # the password was checked 5 times
    pair = db.session.get(LoginThrottle, throttle.pair_key("chutich", "10.6.6.6"))
    assert pair.failures == 5


def test_an_admin_unlocks_an_account(client, app, login_as):
    target = make_user(username="vp.canbo")
    guesser = app.test_client()
    for _ in range(5):
        guesser.post("/login", data={"username": "vp.canbo", "password": "sai"})
    assert (
        guesser.post("/login", data={"username": "vp.canbo", "password": PASSWORD}).status_code
        == 429
    )
    login_as("admin", office=None)
    page = client.get(f"/admin/users/{target.id}/edit").text
    assert "đang bị tạm chặn đăng nhập" in page
    assert client.post(f"/admin/users/{target.id}/unlock", data={}).status_code == 303
    assert (
        guesser.post("/login", data={"username": "vp.canbo", "password": PASSWORD}).status_code
        == 302
    )
    unlocked = db.session.scalar(
        select(func.count()).where(
            AuditLog.action == "user.unlock_login", AuditLog.object_id == str(target.id)
        )
    )
    assert unlocked == 1
