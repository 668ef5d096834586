"""Form helpers shared by every blueprint."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from .errors import DomainError, FieldErrors


def apply_domain_error(form: FlaskForm, err: DomainError) -> None:
    """Show a service's refusal next to its field (every field of a `FieldErrors`), or as a
    flash message when it has none."""
    errors = err.errors if isinstance(err, FieldErrors) else {err.field: err.message}
    add_field_errors(form, errors)


def add_field_errors(form: FlaskForm, errors: dict[str | None, str]) -> None:
    """Put each message next to its field; a message for no field (or an unknown one) becomes
    a flash message."""
    for name, message in errors.items():
        field = getattr(form, name, None) if name else None
        if field is None:
            flash(message, "error")
        elif not isinstance(field.errors, list):
            field.errors = [message]
        elif message not in field.errors:
            field.errors = [*field.errors, message]
