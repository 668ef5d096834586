"""The keys rate limits count by. The one limiter is `extensions.limiter` (Flask-Limiter),
initialised in `create_app`; its counts live where RATELIMIT_STORAGE_URI says.

Limits are declared where they apply (`@limiter.limit(...)` on the route), each with its own
key when the remote address is not the right one: the kiosk counts per device (its token), not
per address, since every tablet of the centre may sit behind one address.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request
from flask_limiter.util import get_remote_address


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
