"""The page cache: a repeated read costs one statement, and nothing it serves is stale, shared
between users or sessions, or missing a flash message."""

import time
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from cchc_web import page_cache
from cchc_web.extensions import db
from cchc_web.page_cache import PageCache

from .factories import import_demo_plan, make_user
from .test_offices import task, update_form


@pytest.fixture
def plan(commune):
    return import_demo_plan()


@contextmanager
def statements():
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_repeated_read_is_served_from_the_cache_with_one_statement(client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    with statements() as first:
        page = client.get(f"/offices/vp/tasks/{t.id}")
    with statements() as second:
        again = client.get(f"/offices/vp/tasks/{t.id}")
    assert page.status_code == again.status_code == 200
    assert again.get_data() == page.get_data()
    assert len(first) > 3
    assert len(second) == 1  # the user, with the data version in the same statement
    assert again.headers["Content-Security-Policy"]  # headers are still added to a hit
    assert again.headers["Cache-Control"] == "private, no-store"


def test_a_write_shows_at_once_in_every_cached_page(client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    assert "27%" not in client.get(f"/offices/vp/tasks/{t.id}").get_data(as_text=True)
    client.get("/offices/vp/")
    response = client.post(f"/offices/vp/tasks/{t.id}/update", data=update_form(progress="27"))
    assert response.status_code == 303
    assert "27%" in client.get(f"/offices/vp/tasks/{t.id}").get_data(as_text=True)
    assert "27%" in client.get("/offices/vp/").get_data(as_text=True)


def test_a_write_by_someone_else_shows_too(app, client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    client.get(f"/offices/vp/tasks/{t.id}")
    other = app.test_client()
    colleague = make_user(roles=("staff",), office="VP", username="vp.dongnghiep")
    with other.session_transaction() as sess:
        sess["_user_id"] = str(colleague.id)
    response = other.post(f"/offices/vp/tasks/{t.id}/update", data=update_form(progress="63"))
    assert response.status_code == 303
    assert "63%" in client.get(f"/offices/vp/tasks/{t.id}").get_data(as_text=True)


def test_users_and_sessions_never_share_a_page(app, client, login_as, commune):
    login_as("staff", office="VP", full_name="Nguyễn Thị Lan")
    assert "Nguyễn Thị Lan" in client.get("/").get_data(as_text=True)
    other = app.test_client()
    someone = make_user(roles=("staff",), office="VP", full_name="Trần Văn Bình")
    with other.session_transaction() as sess:
        sess["_user_id"] = str(someone.id)
    page = other.get("/").get_data(as_text=True)
    assert "Trần Văn Bình" in page and "Nguyễn Thị Lan" not in page


def test_the_forms_of_a_cached_page_carry_this_sessions_token(app, login_as, plan):
    """The same user in two browsers: each page's forms must post from its own session."""
    user = make_user(roles=("staff",), office="VP", username="vp.haitrinhduyet")
    clients = [app.test_client(), app.test_client()]
    urls = [f"/offices/vp/tasks/{task(plan, code).id}" for code in ("3.1", "2.1")]
    for c in clients:
        with c.session_transaction() as sess:
            sess["_user_id"] = str(user.id)
        for url in urls:
            c.get(url)  # the first view gives the session its token, and is cached with it
    tokens = []
    for c, url in zip(clients, urls, strict=True):
        with statements() as seen:
            page = c.get(url).get_data(as_text=True)
        assert len(seen) == 1  # from the cache
        tokens.append(page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0])
    assert tokens[0] != tokens[1]
    for c, url, token in zip(clients, urls, tokens, strict=True):
        response = c.post(f"{url}/update", data={**update_form(), "csrf_token": token})
        assert response.status_code == 303, url


def test_a_flash_message_is_shown_once_and_never_cached(client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    url = f"/offices/vp/tasks/{t.id}"
    client.get(url)
    client.post(f"{url}/update", data=update_form(progress="45"))
    with_message = client.get(url).get_data(as_text=True)
    assert 'class="flash flash-success"' in with_message
    after = client.get(url).get_data(as_text=True)
    assert 'class="flash flash-success"' not in after
    assert 'class="flash flash-success"' not in client.get(url).get_data(as_text=True)


def test_a_new_day_renders_afresh(client, login_as, plan, monkeypatch):
    login_as("secretariat", office="VP")
    client.get("/dashboard/")
    with statements() as same_day:
        client.get("/dashboard/")
    monkeypatch.setattr(page_cache, "local_today", lambda: date(2031, 1, 2))
    with statements() as next_day:
        client.get("/dashboard/")
    assert len(same_day) == 1 and len(next_day) > 1


def test_htmx_fragments_and_query_strings_are_cached_apart(client, login_as, plan):
    login_as("staff", office="VP")
    full = client.get("/offices/vp/").get_data(as_text=True)
    fragment = client.get("/offices/vp/", headers={"HX-Request": "true", "HX-Target": "tasks"})
    assert "<html" in full and "<html" not in fragment.get_data(as_text=True)
    assert "<html" in client.get("/offices/vp/").get_data(as_text=True)
    late = client.get("/offices/vp/?status=late").get_data(as_text=True)
    assert late != full


def test_refusals_are_not_cached(client, login_as, plan):
    login_as("staff", office="VP")
    kt_task = task(plan, "6.1")
    for _ in range(2):
        with statements() as seen:
            assert client.get(f"/offices/kt/tasks/{kt_task.id}").status_code == 403
        assert len(seen) > 1


def test_switched_off_it_renders_every_time(app, client, login_as, plan):
    login_as("staff", office="VP")
    app.config["PAGE_CACHE"] = False
    try:
        client.get("/offices/vp/")
        with statements() as seen:
            client.get("/offices/vp/")
        assert len(seen) > 1
    finally:
        app.config["PAGE_CACHE"] = True


def test_the_store_is_bounded_in_bytes_and_in_age(monkeypatch):
    cache = PageCache(max_bytes=8000, max_age=60)
    assert cache.get("v1", ("page", 0)) is None  # the first version seen
    for n in range(10):
        cache.put("v1", ("page", n), b"x" * 900, 200, [])
    assert len(cache) == 8 and cache.size_bytes == 7200  # the two oldest were dropped
    assert cache.get("v1", ("page", 0)) is None and cache.get("v1", ("page", 9)) is not None
    cache.put("v1", ("huge",), b"x" * 1001, 200, [])  # over an eighth of the store: not kept
    assert cache.get("v1", ("huge",)) is None
    now = time.monotonic()
    monkeypatch.setattr(page_cache.time, "monotonic", lambda: now + 61)
    assert cache.get("v1", ("page", 9)) is None


def test_a_new_version_drops_the_old_entries_and_late_renders_of_the_old_one():
    cache = PageCache(max_bytes=8000, max_age=60)
    cache.get("v1", ("page",))
    cache.put("v1", ("page",), b"old", 200, [])
    assert cache.get("v2", ("page",)) is None  # a write happened
    assert len(cache) == 0 and cache.size_bytes == 0
    cache.put("v1", ("page",), b"rendered before the write", 200, [])
    assert len(cache) == 0
    cache.put("v2", ("page",), b"new", 200, [])
    assert cache.get("v2", ("page",)) == (b"new", 200, [])
