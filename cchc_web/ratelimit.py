"""Rate limits (Flask-Limiter): one limiter for the whole app, initialised in `create_app`.

The counts live where RATELIMIT_STORAGE_URI says: `memory://` (the default, and the tests)
counts per process; `redis://127.0.0.1:6379` shares them between gunicorn workers and servers,
which production needs (a limit counted per worker is a limit times the number of workers).
A storage outage must not take the pages down: errors are swallowed and the limiter falls back
to memory until the storage answers again.

Limits are declared where they apply (`@limiter.limit(...)` on the route), each with its own
key when the remote address is not the right one: the kiosk counts per device (its token), not
per address, since every tablet of the centre may sit behind one address.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(
    key_func=get_remote_address,
    swallow_errors=True,
    in_memory_fallback_enabled=True,
)


def hashed(value: str) -> str:
    """A key that does not store what it counts (an address, a token) in the storage."""
    secret = (current_app.secret_key or "").encode() if current_app else b""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


def remote_address_key() -> str:
    """The client's address, hashed: counted, not kept."""
    return "addr:" + hashed(get_remote_address() or "")


def view_arg_key(name: str):
    """A key function counting per value of the URL part `name` (hashed)."""

    def key() -> str:
        return f"{name}:" + hashed(str((request.view_args or {}).get(name, "")))

    return key


def init_app(app) -> None:
    limiter.init_app(app)
