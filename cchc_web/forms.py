"""Form helpers shared by every blueprint."""

from __future__ import annotations

from datetime import date, datetime

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from .errors import DomainError, FieldErrors


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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


class DayMonthYearField(StringField):
    """A date typed as 26/12/2025 (26-12-2025, 26.12.2025 and 2025-12-26 are read too) and
    always shown as dd/mm/yyyy: a browser's own date picker shows its language's format
    (mm/dd/yyyy in an English browser), which is how 05/12 becomes 12 May. What was typed
    is shown back as typed when it is refused."""

    FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def process_formdata(self, valuelist):
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not text:
            return
        for pattern in self.FORMATS:
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        raise ValueError("Ngày không hợp lệ. Hãy nhập dạng 26/12/2025.")

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.strftime("%d/%m/%Y") if isinstance(self.data, date) else ""
