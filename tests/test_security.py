"""Cross-cutting security checks that cover every route, including ones added later."""

import re

import pytest

from cchc_web import create_app

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _example_url(rule) -> str:
    url = rule.rule
    for converter in re.findall(r"<([^>]+)>", url):
        kind = converter.split(":")[0] if ":" in converter else "string"
        value = "1" if kind in ("int", "float") else "vp"
        url = url.replace(f"<{converter}>", value)
    return url


def state_changing_rules(app):
    return [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods & STATE_CHANGING)
    ]


def test_there_are_state_changing_routes_to_check(app):
    assert len(state_changing_rules(app)) >= 8


@pytest.mark.parametrize("who", ["anonymous", "admin", "secretariat"])
def test_every_state_changing_route_refuses_a_missing_csrf_token(app, client, login_as, who):
    if who == "admin":
        login_as("admin", office=None)
    elif who == "secretariat":
        login_as("secretariat", "head", office="VHXH")
    for rule, method in state_changing_rules(app):
        response = client.open(_example_url(rule), method=method, data={"x": "1"})
        assert response.status_code == 400, f"{method} {rule.rule}"
        assert "Vui lòng tải lại trang" in response.get_data(as_text=True)


def test_csrf_token_from_another_session_is_refused(app, client, login_as):
    login_as("admin", office=None)
    other = app.test_client()
    token = other.csrf_token()
    response = client.post("/logout", data={"csrf_token": token}, csrf=False)
    assert response.status_code == 400


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("CCHC_PUBLIC_URL", "https://cchc.chiminh.gov.vn")
    import importlib

    from cchc_web.core import config

    importlib.reload(config)
    try:
        app = create_app(
            config.ProductionConfig,
            SQLALCHEMY_DATABASE_URI="sqlite://",
            UPLOAD_DIR=str(tmp_path),
            CCHC_SIGNING_P12=str(tmp_path / "ubnd.p12"),  # production needs a real certificate
        )
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["SESSION_COOKIE_HTTPONLY"] is True
        assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
        assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
        assert app.config.get("DEBUG") is not True
    finally:
        monkeypatch.delenv("SECRET_KEY")
        importlib.reload(config)


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import importlib

    from cchc_web.core import config

    importlib.reload(config)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            config.ProductionConfig, SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path)
        )


@pytest.mark.parametrize("url", ["", "cchc.chiminh.gov.vn", "ftp://x", "https://x/?next=y"])
def test_production_refuses_to_start_without_a_public_address(monkeypatch, tmp_path, url):
    """The QR code of every signed document prints it: no guessing it from a request."""
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    with pytest.raises(RuntimeError, match="CCHC_PUBLIC_URL"):
        create_app(
            "production",
            SQLALCHEMY_DATABASE_URI="sqlite://",
            UPLOAD_DIR=str(tmp_path),
            SECRET_KEY="x" * 32,
            CCHC_PUBLIC_URL=url,
        )
