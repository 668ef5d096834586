"""Forms of the Decisions pages. Lists are edited as text: one item per line (articles:
separated by an empty line; appendix cells: separated by "|")."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ..web.forms import VNIntegerField, coerce_id

CELL_SEPARATOR = "|"


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def paragraphs(text: str | None) -> list[str]:
    """Articles: blocks separated by an empty line; single line breaks stay inside."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n"))
    return [block.strip() for block in blocks if block.strip()]


def _cell(text: str) -> str | int | float:
    """ "12" → 12 and "85,5" → 85.5, so numbers align right and share their decimals."""
    text = text.strip()
    if re.fullmatch(r"\d{1,9}", text):
        return int(text)
    if re.fullmatch(r"\d{1,6},\d{1,3}", text):
        return float(text.replace(",", "."))
    return text


def cells(line: str) -> list[str | int | float]:
    return [_cell(c) for c in line.split(CELL_SEPARATOR)]


def cell_text(value) -> str:
    if isinstance(value, float):
        from ..documents import format_number

        return format_number(value, 3)
    return "" if value is None else str(value)


def row_text(row: list) -> str:
    return f" {CELL_SEPARATOR} ".join(cell_text(c) for c in row)


class NewDecisionForm(FlaskForm):
    what = SelectField(
        "Loại quyết định",
        validators=[DataRequired("Hãy chọn loại quyết định.")],
        validate_choice=False,
    )

    def validate_what(self, field) -> None:
        if field.data not in {value for value, _label in self.what.choices}:
            field.errors.append("Hãy chọn một loại quyết định trong danh sách.")


class DecisionForm(FlaskForm):
    addressee = StringField(
        "Kính gửi",
        validators=[Optional(), Length(max=300, message="Nơi gửi dài tối đa 300 ký tự.")],
    )
    summary = TextAreaField(
        "Trích yếu",
        validators=[
            DataRequired("Hãy nhập trích yếu (Về việc ...)."),
            Length(max=1000, message="Trích yếu dài tối đa 1000 ký tự."),
        ],
    )
    bases = TextAreaField("Căn cứ", validators=[Length(max=20000, message="Phần căn cứ quá dài.")])
    articles = TextAreaField(
        "Các điều",
        validators=[Length(max=50000, message="Phần các điều quá dài.")],
    )
    recipients = TextAreaField(
        "Nơi nhận", validators=[Length(max=5000, message="Phần nơi nhận quá dài.")]
    )
    appendix_title = StringField(
        "Tiêu đề phụ lục",
        validators=[Optional(), Length(max=300, message="Tiêu đề dài tối đa 300 ký tự.")],
    )
    appendix_columns = StringField(
        "Các cột của phụ lục",
        validators=[Optional(), Length(max=1000, message="Dòng tiêu đề cột quá dài.")],
    )
    appendix_rows = TextAreaField(
        "Các dòng của phụ lục",
        validators=[Optional(), Length(max=500000, message="Phụ lục quá dài.")],
    )

    def fill_from(self, decision) -> None:
        """The editable parts: the generated (locked) articles are shown, not edited."""
        self.summary.data = decision.summary
        self.addressee.data = decision.addressee
        self.bases.data = "\n".join(decision.bases)
        self.articles.data = "\n\n".join(decision.articles[decision.locked_articles :])
        self.recipients.data = "\n".join(decision.recipients)
        self.appendix_title.data = decision.appendix_title
        self.appendix_columns.data = f" {CELL_SEPARATOR} ".join(decision.appendix_columns)
        self.appendix_rows.data = "\n".join(row_text(r) for r in decision.appendix_rows)


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        "Lý do trả lại",
        validators=[
            DataRequired("Hãy ghi lý do trả lại để Thường trực CCHC sửa."),
            Length(max=4000, message="Lý do dài tối đa 4000 ký tự."),
        ],
    )


class VerifyForm(FlaskForm):
    file = FileField("Tệp PDF cần kiểm tra")
    number = VNIntegerField(
        "Số văn bản",
        validators=[Optional(), NumberRange(min=1, max=99999, message="Số từ 1 đến 99999.")],
    )
    symbol = SelectField(
        "Loại văn bản",
        choices=[
            ("QĐ-UBND", "Quyết định (QĐ-UBND)"),
            ("TTr-UBND", "Tờ trình (TTr-UBND)"),
            ("KH-UBND", "Kế hoạch (KH-UBND)"),
        ],
        default="QĐ-UBND",
        validate_choice=False,
    )
    year = VNIntegerField(
        "Năm ban hành",
        validators=[Optional(), NumberRange(min=2000, max=2100, message="Năm từ 2000 đến 2100.")],
    )

    def validate_symbol(self, field) -> None:
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError("Hãy chọn loại văn bản trong danh sách.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (self.number.data is None) != (self.year.data is None) and not (
            self.number.errors or self.year.errors
        ):
            # Field-level Optional() stops the chain on an empty field, so check the pair here.
            self.year.errors = [
                *self.year.errors,
                "Hãy nhập cả số và năm của quyết định (hoặc bỏ trống cả hai).",
            ]
            return False
        return valid


class DropItemForm(FlaskForm):
    reason = TextAreaField(
        "Lý do không đưa vào quyết định",
        validators=[
            DataRequired("Hãy ghi lý do không đưa sáng kiến này vào quyết định."),
            Length(max=2000, message="Lý do dài tối đa 2000 ký tự."),
        ],
    )


class CertificateForm(FlaskForm):
    user_id = SelectField("Người ký", coerce=coerce_id, validate_choice=False)
    file = FileField("Tệp chứng thư số (.p12, .pfx)")
    passphrase = PasswordField(
        "Mật khẩu của tệp",
        validators=[
            DataRequired("Hãy nhập mật khẩu của tệp chứng thư số."),
            Length(max=200, message="Mật khẩu dài tối đa 200 ký tự."),
        ],
    )
    capacity = SelectField("Tư cách ký", validate_choice=False)

    def validate_user_id(self, field) -> None:
        if field.data not in {v for v, _ in field.choices if v}:
            raise ValidationError("Hãy chọn người trong danh sách.")

    def validate_capacity(self, field) -> None:
        if field.data not in {v for v, _ in field.choices}:
            raise ValidationError("Hãy chọn tư cách ký trong danh sách.")
