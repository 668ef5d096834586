"""Form helpers shared by every blueprint."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from .errors import DomainError


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def apply_domain_error(form: FlaskForm, err: DomainError) -> None:
    """Show a service's refusal next to its field, or as a flash message when it has none."""
    field = getattr(form, err.field, None) if err.field else None
    if field is not None:
        field.errors = (
            [*field.errors, err.message] if isinstance(field.errors, list) else [err.message]
        )
    else:
        flash(err.message, "error")
