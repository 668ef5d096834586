"""Whole-page cache for the main reading pages, keyed by the data version.

Staff open the same lists and the dashboard far more often than anything changes; a page
answered from here costs the login check and nothing else. An entry is keyed by everything the
page can depend on:

- the data version (cache.py): any commit that changed anything replaces it, in the same
  transaction, so an entry is never older than the last write, in any gunicorn worker;
- the user (their roles and office are data: changing them is a write) and their session's
  CSRF token, so the forms of a cached page carry this session's token;
- the URL with its query string, the htmx headers that select a fragment, and today's date
  (late tasks and deadlines are computed from it).

Nothing is stored when the view wrote, flashed a message, changed the session, or answered
anything but a 200 HTML page; a request with a pending flash message is never answered from
here (the message must be shown once). Entries also expire after `PAGE_CACHE_SECONDS`, which
bounds anything read from outside the database (the signing certificate on disk, say), and
those of an older data version are dropped as soon as a request sees the new one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, g, make_response, request, session
from flask_login import current_user

from .cache import current_version
from .extensions import db
from .timeutil import local_today

HTMX_HEADERS = ("HX-Request", "HX-Target", "HX-Trigger", "HX-Trigger-Name", "HX-Boosted")
_KEY = "cchc.page_cache"


class PageCache:
    """An LRU of (body, status, headers) bounded in bytes, one per application. Entries of an
    older data version can never be asked for again: the first request that sees a new version
    drops them all, so memory follows the pages read since the last write."""

    def __init__(self, max_bytes: int, max_age: float) -> None:
        self._entries: OrderedDict[tuple, tuple[float, bytes, int, list]] = OrderedDict()
        self._bytes = 0
        self._version: str | None = None
        self._lock = threading.Lock()
        self.max_bytes = max_bytes
        self.max_age = max_age

    def get(self, version: str, key: tuple) -> tuple[bytes, int, list] | None:
        with self._lock:
            if version != self._version:
                self._clear()
                self._version = version
                return None
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, body, status, headers = entry
            if time.monotonic() - stored_at > self.max_age:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return body, status, headers

    def put(self, version: str, key: tuple, body: bytes, status: int, headers: list) -> None:
        if len(body) > self.max_bytes // 8:
            return  # one huge page must not push out everything else
        with self._lock:
            if version != self._version:
                return  # rendered from data that a later request already saw replaced
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic(), body, status, headers)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: tuple) -> None:
        self._bytes -= len(self._entries.pop(key)[1])

    def _clear(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes


def init_app(app) -> None:
    app.extensions[_KEY] = PageCache(
        app.config["PAGE_CACHE_BYTES"], app.config["PAGE_CACHE_SECONDS"]
    )


def _key() -> tuple:
    """Asked again after the view: the view may have given the session its CSRF token."""
    return (
        current_user.get_id(),
        session.get("csrf_token"),
        request.full_path,
        tuple(request.headers.get(name) for name in HTMX_HEADERS),
        local_today(),
    )


def _session_state() -> dict[str, Any]:
    return {k: v for k, v in session.items() if k != "csrf_token"}


def cached_page(view: Callable) -> Callable:
    """Answer a GET from the page cache when nothing it depends on changed (see above).
    Goes under the route's login and permission decorators, which still run every time."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if (
            not current_app.config["PAGE_CACHE"]
            or request.method != "GET"
            or "_flashes" in session
            or not current_user.is_authenticated
        ):
            return view(*args, **kwargs)
        version = current_version()
        if version is None:
            return view(*args, **kwargs)
        cache = current_app.extensions[_KEY]
        hit = cache.get(version, _key())
        if hit is not None:
            body, status, headers = hit
            return Response(body, status, headers)
        before = _session_state()
        response = make_response(view(*args, **kwargs))
        if (
            response.status_code == 200
            and response.mimetype == "text/html"
            and not response.is_streamed
            and g.get("_data_version") == version  # a commit during the view replaces it
            and not (db.session.new or db.session.dirty or db.session.deleted)
            and "_flashes" not in session
            and _session_state() == before
        ):
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "set-cookie"]
            cache.put(version, _key(), response.get_data(), response.status_code, headers)
        return response

    return wrapper
