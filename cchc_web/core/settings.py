"""The application's settings as the services read them.

Services and models never reach into Flask's request state; what they need of the
application (its configuration, its secret key, what it loaded at start-up) comes through
these three functions, the one place below the web layer that knows where the application is.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context

_MISSING = object()


def setting(name: str, default: Any = _MISSING) -> Any:
    """The configuration value ``name`` (``default`` when it is not set)."""
    if default is _MISSING:
        return current_app.config[name]
    return current_app.config.get(name, default)


def secret_key() -> bytes:
    secret = current_app.secret_key
    return secret.encode() if isinstance(secret, str) else secret


def application():
    """The application object itself, for what it loaded once at start-up (the signing key)."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def available() -> bool:
    """Inside an application (a command or a request), or outside (a plain script)."""
    return has_app_context()
