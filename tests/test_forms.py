"""cchc_web/web/forms.py: the one set of Vietnamese form fields every blueprint uses."""

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField
from wtforms.validators import InputRequired, NumberRange, Optional

import cchc_web
from cchc_web.web.forms import (
    CHOOSE_ONE,
    DayMonthYearField,
    MultiCheckboxField,
    VNDecimalField,
    VNIntegerField,
    VNRadioField,
    VNSelectField,
)
from cchc_web.web.inputs import db_int

PACKAGE = Path(cchc_web.__file__).parent


class Sample(FlaskForm):
    class Meta:
        csrf = False

    day = DayMonthYearField("Ngày", validators=[InputRequired("Hãy nhập ngày.")])
    optional_day = DayMonthYearField("Ngày khác", validators=[Optional()])
    share = VNIntegerField("Tỷ lệ", validators=[Optional(), NumberRange(1, 100, "Từ 1 đến 100.")])
    year = VNIntegerField("Năm", invalid="Năm phải là số, ví dụ 2025.")
    amount = VNDecimalField("Giá trị", places=None, validators=[InputRequired("Hãy nhập số.")])
    kind = VNSelectField("Loại", choices=[("a", "A"), ("b", "B")])
    office = VNSelectField("Đơn vị", coerce=db_int, choices=[(1, "VP")])
    status = VNRadioField("Tình trạng", choices=[("late", "Chậm")], validators=[Optional()])
    offices = MultiCheckboxField("Đơn vị phối hợp", coerce=db_int, validate_choice=False)


def posted(app, **values) -> Sample:
    base = {"day": "26/12/2025", "amount": "1", "kind": "a", "office": "1", "year": "2025"}
    with app.test_request_context("/", method="POST", data=MultiDict({**base, **values})):
        form = Sample()
        form.validate()
        return form


@pytest.mark.parametrize("typed", ["26/12/2025", "26-12-2025", "26.12.2025", "2025-12-26"])
def test_dates_are_read_as_typed_here_and_shown_as_dd_mm_yyyy(app, typed):
    form = posted(app, day=typed)
    assert form.day.data == date(2025, 12, 26) and not form.errors
    with app.test_request_context("/"):
        shown = Sample(data={"day": date(2025, 5, 12)}).day
        assert shown._value() == "12/05/2025"
        assert 'placeholder="dd/mm/yyyy"' in shown() and 'type="text"' in shown()


def test_what_cannot_be_read_is_refused_once_in_vietnamese_and_shown_as_typed(app):
    form = posted(app, day="31/11/2025", share="abc", year="hai nghìn", amount="9,5,1")
    assert form.day.errors == ["Ngày không hợp lệ. Hãy nhập dạng 26/12/2025."]
    assert form.day._value() == "31/11/2025"
    assert form.share.errors == ["Hãy nhập một số nguyên."]  # not the range's message too
    assert form.year.errors == ["Năm phải là số, ví dụ 2025."]
    assert form.amount.errors == ["Hãy nhập một số (ví dụ 95 hoặc 95,5)."]


def test_blank_is_nothing_typed(app):
    form = posted(app, day="   ", optional_day="", share=" ", amount=" ")
    assert form.day.errors == ["Hãy nhập ngày."]
    assert form.amount.errors == ["Hãy nhập số."]
    assert form.optional_day.data is None and not form.optional_day.errors
    assert form.share.data is None and not form.share.errors


def test_vietnamese_decimals_within_their_column(app):
    assert posted(app, amount="92,5").amount.data == Decimal("92.5")
    assert posted(app, amount="1 234").amount.data == Decimal("1234")
    assert posted(app, amount="0E+999999999").amount.data == Decimal(0)
    for huge in ("NaN", "Infinity", "1E+999", "12345678901"):
        assert posted(app, amount=huge).amount.errors == [
            "Hãy nhập một số nhỏ hơn 10 tỷ (ví dụ 95 hoặc 95,5)."
        ]


def test_choices_are_refused_in_vietnamese_once(app):
    assert posted(app, kind="z").kind.errors == [CHOOSE_ONE]
    assert posted(app, office="x").office.errors == [CHOOSE_ONE]  # could not coerce
    assert posted(app, status="z").status.errors == [CHOOSE_ONE]
    with app.test_request_context("/", method="POST", data=MultiDict([("offices", "x")])):
        form = Sample()
        form.validate()
        assert form.offices.errors == ["Lựa chọn “Đơn vị phối hợp” không hợp lệ."]


def _forms_modules() -> list[Path]:
    """Every blueprint's forms (not the shared fields in web/forms.py)."""
    return sorted(p for p in PACKAGE.glob("*/forms.py") if p.parent.name != "web")


def test_no_date_picker_and_no_field_of_its_own_in_any_form(app):
    """Every date is a DayMonthYearField (a browser's date picker shows mm/dd/yyyy in an English
    browser); the Vietnamese fields are defined in cchc_web/web/forms.py only."""
    from wtforms.fields.core import UnboundField

    own_fields = []
    for path in _forms_modules():
        tree = ast.parse(path.read_text())
        own_fields += [
            f"{path.parent.name}.{node.name}"
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            and any(isinstance(base, ast.Name) and base.id.endswith("Field") for base in node.bases)
        ]
    assert own_fields == ["par_index.PointsField"]  # points: the PAR Index's own rule
    import importlib

    pickers = []
    for path in _forms_modules():
        module = importlib.import_module(f"cchc_web.{path.parent.name}.forms")
        for form_name, form in vars(module).items():
            for name, value in vars(form).items() if isinstance(form, type) else ():
                if isinstance(value, UnboundField) and issubclass(value.field_class, DateField):
                    pickers.append(f"{path.parent.name}.{form_name}.{name}")
    assert not pickers


def test_no_blueprint_imports_another_blueprints_forms():
    crossing = []
    for path in sorted(PACKAGE.glob("*/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
                package, _, rest = node.module.partition(".")
                if package == "web":
                    continue  # the shared fields
                if rest == "forms" or (rest == "" and any(a.name == "forms" for a in node.names)):
                    crossing.append(f"{path.relative_to(PACKAGE)} imports {package}.forms")
    assert not crossing
