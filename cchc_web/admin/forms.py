from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..models import ROLE_LABELS, Role
from ..web.forms import (
    AccountFields,
    MultiCheckboxField,
    confirm_password_field,
    new_password_field,
)
from ..web.inputs import db_int


def _coerce_office(value):
    if value in (None, "", "None"):
        return None
    try:
        return db_int(value)
    except (TypeError, ValueError):
        return -1  # refused by validate_office_id with a Vietnamese message


class UserForm(AccountFields):
    office_id = SelectField("Đơn vị", coerce=_coerce_office, validate_choice=False)
    roles = MultiCheckboxField(
        "Vai trò", choices=[(r.value, ROLE_LABELS[r]) for r in Role], validate_choice=False
    )
    active = BooleanField("Đang hoạt động", default=True)
    email = StringField(
        "E-mail nhận thư nhắc việc",
        validators=[Optional(), Length(max=254, message="E-mail dài tối đa 254 ký tự.")],
        render_kw={"type": "email", "autocomplete": "off", "inputmode": "email"},
    )
    reminders_enabled = BooleanField("Nhận thư nhắc việc", default=True)

    def validate_office_id(self, field) -> None:
        valid = {value for value, _ in self.office_id.choices}
        if field.data not in valid:
            field.errors.append("Hãy chọn một đơn vị trong danh sách.")

    def validate_roles(self, field) -> None:
        if not field.data:
            field.errors.append("Hãy chọn ít nhất một vai trò.")
        elif not set(field.data) <= {r.value for r in Role}:
            field.errors.append("Vai trò không hợp lệ.")


class NewUserForm(UserForm):
    new_password = new_password_field("Mật khẩu ban đầu")
    confirm = confirm_password_field()


class ResetPasswordForm(FlaskForm):
    new_password = new_password_field()
    confirm = confirm_password_field()


class OfficeForm(FlaskForm):
    code = StringField(
        "Mã đơn vị",
        validators=[
            DataRequired("Hãy nhập mã đơn vị."),
            Regexp(r"^[A-Za-z0-9_-]{1,16}$", message="Mã gồm 1–16 chữ không dấu hoặc số."),
        ],
    )
    name = StringField(
        "Tên đơn vị",
        validators=[
            DataRequired("Hãy nhập tên đơn vị."),
            Length(max=200, message="Tên đơn vị dài tối đa 200 ký tự."),
        ],
    )
    is_specialised = BooleanField("Là cơ quan chuyên môn (thuộc “CQCM”)")
