"""The form fields and helpers every blueprint uses (a blueprint's own forms.py holds only its
forms, built from these; no blueprint imports another's forms).

One solution for Vietnamese input: each field reads what a person types here (26/12/2025,
92,5) and refuses what it cannot read with its own Vietnamese message, shown alone: the range
or required checks after an unreadable value would only repeat it. Choice fields refuse in
Vietnamese too, never with WTForms' English ("Not a valid choice"). Dates are text inputs
shown as dd/mm/yyyy everywhere: a browser's own date picker shows its language's format
(mm/dd/yyyy in an English browser), which is how 05/12 becomes 12 May.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.errors import DomainError, FieldErrors
from .inputs import db_int

CHOOSE_ONE = "Hãy chọn một mục trong danh sách."
# Numeric(12, 2) columns hold less than 10^10: at most 10 digits before the decimal point.
MAX_DIGITS = 10


class ConfirmForm(FlaskForm):
    """Only the CSRF token of a one-button POST."""


def coerce_id(value: Any) -> int:
    """A chosen id: 0 for none, -1 for anything that is not an id (refused by the form's own
    check of the choices, in Vietnamese)."""
    try:
        return db_int(value or 0)
    except (TypeError, ValueError):
        return -1


# -- typed values ------------------------------------------------------------------------------
class Refused(ValueError):
    """Raised by a field's `parse` with its own message for a value it read but refuses."""


class _Typed:
    """Reads the typed text with `parse`; blank is no value; what cannot be read is refused
    with `invalid`, and then no other check of the field runs."""

    invalid = "Giá trị không hợp lệ."

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def process_formdata(self, valuelist: list) -> None:
        if not valuelist:
            return  # not in the form at all: the default (or the object's value) stays
        text = str(valuelist[0]).strip()
        self.data = None
        if not text:
            self.raw_data = [""]  # spaces only: nothing typed, as InputRequired sees it
            return
        try:
            self.data = self.parse(text)
        except Refused:
            self.data = None
            raise
        except (ValueError, ArithmeticError) as err:
            self.data = None
            raise ValueError(self.invalid) from err

    def pre_validate(self, form) -> None:
        if self.process_errors:
            raise StopValidation()


class DayMonthYearField(_Typed, StringField):
    """A date typed as 26/12/2025 (26-12-2025, 26.12.2025 and 2025-12-26 are read too) and
    always shown as dd/mm/yyyy; what was typed is shown back as typed when it is refused."""

    FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
    invalid = "Ngày không hợp lệ. Hãy nhập dạng 26/12/2025."

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {
            "placeholder": "dd/mm/yyyy",
            "inputmode": "numeric",
            "autocomplete": "off",
            # What the server reads (see FORMATS); the title is what a browser shows on a miss.
            # (no character class: browsers compile it with the v flag, where "/" needs escaping)
            "pattern": r"\s*(\d{1,2}(/|\.|-)\d{1,2}(/|\.|-)\d{4}|\d{4}-\d{1,2}-\d{1,2})\s*",
            "title": "Ngày dạng dd/mm/yyyy, ví dụ 26/12/2025",
            "data-datepicker": "",  # static/js/datepicker.js adds a calendar button
        }
        render_kw.update(kwargs.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def parse(self, text: str) -> date:
        for pattern in self.FORMATS:
            try:
                return datetime.strptime(text, pattern).date()
            except ValueError:
                continue
        raise ValueError(text)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.strftime("%d/%m/%Y") if isinstance(self.data, date) else ""


class VNIntegerField(_Typed, IntegerField):
    """A whole number (a year, a percentage, a document number)."""

    def __init__(self, label=None, validators=None, invalid="Hãy nhập một số nguyên.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def parse(self, text: str) -> int:
        return int(text)


class VNDecimalField(_Typed, DecimalField):
    """A number typed the Vietnamese way, "92,5", as well as "92.5"; finite and small enough
    for its Numeric(12, 2) column (NaN, Infinity or 1E+999 are not numbers to a user)."""

    invalid = "Hãy nhập một số (ví dụ 95 hoặc 95,5)."

    def parse(self, text: str) -> Decimal:
        number = Decimal(text.replace(" ", "").replace(",", "."))
        if number.is_zero():
            return Decimal(0)  # "0E+999999999" too
        if not number.is_finite() or number.adjusted() >= MAX_DIGITS:
            raise Refused("Hãy nhập một số nhỏ hơn 10 tỷ (ví dụ 95 hoặc 95,5).")
        return number


# -- choices -----------------------------------------------------------------------------------
class _VietnameseChoice:
    """WTForms' own refusals of a choice (a value not in the list, one it cannot coerce), in
    Vietnamese and once."""

    def refusal(self) -> str:
        return CHOOSE_ONE

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)  # type: ignore[misc]
        except ValueError as err:
            raise ValueError(self.refusal()) from err

    def pre_validate(self, form) -> None:
        if self.process_errors:  # type: ignore[attr-defined]
            raise StopValidation()
        try:
            super().pre_validate(form)  # type: ignore[misc]
        except ValidationError as err:
            raise ValidationError(self.refusal()) from err


class VNSelectField(_VietnameseChoice, SelectField):
    """A drop-down list."""


class VNRadioField(_VietnameseChoice, RadioField):
    """Radio buttons."""


class MultiCheckboxField(_VietnameseChoice, SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def refusal(self) -> str:
        return f"Lựa chọn “{self.label.text}” không hợp lệ."


# -- passwords: the rule itself is auth/passwords.py, applied by the services -------------
def new_password_field(label: str = "Mật khẩu mới") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired("Hãy nhập mật khẩu mới."),
            Length(max=128, message="Mật khẩu dài tối đa 128 ký tự."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(FlaskForm):
    """The sign-in form: shown by the sign-in page and, when a session ends under a form
    being sent, by the session rules (web/sessions.py), which keep what was typed."""

    username = StringField(
        "Tên đăng nhập",
        validators=[DataRequired("Hãy nhập tên đăng nhập."), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Mật khẩu",
        validators=[DataRequired("Hãy nhập mật khẩu."), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


def confirm_password_field() -> PasswordField:
    return PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[
            DataRequired("Hãy nhập lại mật khẩu mới."),
            EqualTo("new_password", "Hai lần nhập mật khẩu không khớp."),
        ],
        render_kw={"autocomplete": "new-password"},
    )


# -- refusals ----------------------------------------------------------------------------------
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


# -- accounts (Quản trị › Người dùng, a commune's first administrator at onboarding) ------------
USERNAME_RULE = Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$",
    message="Tên đăng nhập gồm 3–64 ký tự: chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới.",
)


class AccountFields(FlaskForm):
    """Who a new account is: the fields every account form starts with."""

    username = StringField(
        "Tên đăng nhập",
        validators=[DataRequired("Hãy nhập tên đăng nhập."), USERNAME_RULE],
    )
    full_name = StringField(
        "Họ và tên",
        validators=[
            DataRequired("Hãy nhập họ và tên."),
            Length(max=120, message="Họ và tên dài tối đa 120 ký tự."),
        ],
    )
    position_title = StringField(
        "Chức vụ",
        validators=[Optional(), Length(max=120, message="Chức vụ dài tối đa 120 ký tự.")],
    )
