"""Two app servers behind one load balancer (issue 20, item 4): nothing that matters lives in
one process or on one machine's disk.

Two gunicorn servers on different ports, each with its own upload folder and instance folder,
share one PostgreSQL database (and Redis for the rate limits, where one answers): evidence
uploaded through one is downloaded through the other; a write on one is seen at once on the
other; a sign-in lock-out counted on one holds on the other; the /verify upload limit is one
limit across both. PostgreSQL only (SQLite is the one-server database).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import uuid
from contextlib import ExitStack

import pytest
import requests
from sqlalchemy.engine import make_url

from bench.soak import fill, form_with, free_port, gunicorn, prepare, server_env

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RESULT = "Đã số hóa 1.240 hồ sơ lưu trữ năm 2024 (máy chủ A)."

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="two app servers share one PostgreSQL database",
)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def _throwaway_database():
    """A new database on the test's PostgreSQL server (the one TEST_DATABASE_URL names)."""
    import psycopg

    url = make_url(os.environ["TEST_DATABASE_URL"])
    admin = url.set(drivername="postgresql", database="postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    name = f"cchc_scale_{os.getpid()}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', page
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def _sign_in(http: requests.Session, base: str, username: str, password: str) -> str:
    page = http.get(f"{base}/login", timeout=30).text
    answer = http.post(
        f"{base}/login",
        data={"csrf_token": _csrf(page), "username": username, "password": password},
        timeout=30,
    )
    return answer.text


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(base URL of A, base URL of B), both serving one freshly seeded demo database."""
    work = tmp_path_factory.mktemp("scale-out")
    with ExitStack() as stack:
        url = stack.enter_context(_throwaway_database())
        shared = {
            "STORAGE_BACKEND": "database",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379" if _redis_answers() else "memory://",
            "RATELIMIT_KEY_PREFIX": f"cchc-test-{uuid.uuid4().hex[:8]}",
            "VERIFY_RATE_LIMIT": "10 per minute",
        }
        env_a = {**server_env(url, work / "a"), **shared}
        env_b = {**server_env(url, work / "b"), **shared}
        prepare(env_a)
        bases = []
        for name, env in (("a", env_a), ("b", env_b)):
            (work / name).mkdir(exist_ok=True)
            port = free_port()
            stack.enter_context(gunicorn(env, port, work / name / "gunicorn.log", workers=1))
            bases.append(f"http://127.0.0.1:{port}")
        yield tuple(bases), work, shared


def test_evidence_and_writes_cross_servers(servers):
    (a, b), work, _ = servers
    http = requests.Session()
    assert "Đăng xuất" in _sign_in(http, a, "vp.canbo", "Demo@2025")
    workspace = http.get(f"{a}/offices/vp/?role=lead", timeout=30).text
    task_id = re.search(r"/offices/vp/tasks/(\d+)/update", workspace).group(1)
    form_page = http.get(f"{a}/offices/vp/tasks/{task_id}/update", timeout=30).text
    form = form_with(form_page, "progress")
    fields = fill(form, status="in_progress", progress="60", result=RESULT)
    saved = http.post(
        f"{a}/offices/vp/tasks/{task_id}/update",
        data=fields,
        files={"evidence": ("Báo cáo số hóa.pdf", PDF, "application/pdf")},
        allow_redirects=False,
        timeout=60,
    )
    assert saved.status_code == 303, saved.text[:2000]

    # Server B, same session cookie (as a load balancer would send it), sees the write at once
    # and serves the file it never received.
    history = http.get(f"{b}/offices/vp/tasks/{task_id}", timeout=30).text
    assert RESULT in history
    file_id = re.search(r"/offices/vp/files/(\d+)", history).group(1)
    download = http.get(f"{b}/offices/vp/files/{file_id}", timeout=30)
    assert download.status_code == 200
    assert download.content == PDF
    # Neither server kept the evidence on its own disk.
    on_disk = [p for p in work.rglob("uploads/**/*") if p.is_file() and len(p.name) == 32]
    assert on_disk == []


def test_a_lock_out_counted_on_one_server_holds_on_the_other(servers):
    (a, b), _work, _ = servers
    for _ in range(5):  # the free failures of one account from one address, on server A
        page = _sign_in(requests.Session(), a, "phochutich", "wrong-password-123")
        assert "Đăng nhập sai nhiều lần" not in page
    page = _sign_in(requests.Session(), b, "phochutich", "Demo@2025")
    assert "Đăng nhập sai nhiều lần" in page
    assert "Đăng xuất" not in page


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
def test_the_verify_limit_is_one_limit_across_servers(servers):
    (a, b), _work, _ = servers
    codes = []
    for n in range(11):
        base = a if n % 2 == 0 else b
        http = requests.Session()
        token = _csrf(http.get(f"{base}/verify", timeout=30).text)
        codes.append(
            http.post(f"{base}/verify", data={"csrf_token": token}, timeout=30).status_code
        )
    assert 429 not in codes[:10]
    assert codes[10] == 429
