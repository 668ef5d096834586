"""Permission checks in one place: role decorators and ownership-checked loading."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from ..core.extensions import db
from ..models import Role

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M")


PUBLIC_ENDPOINTS = frozenset({"auth.login", "static"})


def public(view: F) -> F:
    """Mark a view as reachable without logging in (e.g. document verification)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public_endpoint(endpoint: str | None, view: Any) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or getattr(view, "is_public", False)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow the view only to users holding at least one of `roles`; 403 for everyone else."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


# The role predicates every blueprint shares (one definition each).
secretariat_only = roles_required(Role.SECRETARIAT)
leaders_only = roles_required(Role.CHAIRMAN, Role.VICE_CHAIRMAN)
admin_only = roles_required(Role.ADMIN)
# The rounds, the nominations to the city: the secretariat's work, which the leaders read and
# take part in (SPEC §1).
secretariat_or_leaders = roles_required(Role.SECRETARIAT, Role.CHAIRMAN, Role.VICE_CHAIRMAN)


def require(allowed: bool) -> None:
    """Abort with 403 unless `allowed`: for rules that depend on the object, not the role."""
    if not allowed:
        abort(403)


def require_secretariat() -> None:
    """403 unless the signed-in user is the secretariat: for an action whose object is loaded
    (and checked: 404, 403) before the role, or a page that only some methods restrict."""
    require(current_user.is_secretariat)


def get_or_404(model: type[M], object_id: Any) -> M:
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def get_or_404_for(user: Any, model: type[M], object_id: Any, check: str = "can_view") -> M:
    """Load `model` by id, 404 if missing, 403 unless `obj.<check>(user)` allows it.

    Every model that users reach by URL defines `can_view(user)` (and `can_edit(user)` where
    it is edited), so ownership rules live on the model and not in each route.
    """
    obj = get_or_404(model, object_id)
    require(getattr(obj, check)(user))
    return obj
