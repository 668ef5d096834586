from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..web.forms import confirm_password_field, new_password_field

# The password rule itself (length, username, common passwords) is auth/passwords.py, applied by
# the services so that the CLI and the forms agree; the forms only bound the length.
_HELP = (
    "Ít nhất 12 ký tự, không chứa tên đăng nhập, không dùng mật khẩu phổ biến; "
    "nên dùng một câu ngắn dễ nhớ gồm vài từ."
)
PASSWORD_HELP = _HELP


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại",
        validators=[DataRequired("Hãy nhập mật khẩu hiện tại.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field()
    confirm = confirm_password_field()


class RemindersForm(FlaskForm):
    email = StringField(
        "E-mail",
        validators=[Optional(), Length(max=254, message="E-mail dài tối đa 254 ký tự.")],
        render_kw={"type": "email", "autocomplete": "email", "inputmode": "email"},
    )
    reminders_enabled = BooleanField("Nhận thư nhắc việc (mỗi sáng, khi có việc sắp đến hạn)")
