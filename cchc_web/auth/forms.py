from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..forms import confirm_password_field, new_password_field

# The password rule itself (length, username, common passwords) is auth/passwords.py, applied by
# the services so that the CLI and the forms agree; the forms only bound the length.
_HELP = (
    "Ít nhất 12 ký tự, không chứa tên đăng nhập, không dùng mật khẩu phổ biến; "
    "nên dùng một câu ngắn dễ nhớ gồm vài từ."
)
PASSWORD_HELP = _HELP


class LoginForm(FlaskForm):
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


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại",
        validators=[DataRequired("Hãy nhập mật khẩu hiện tại.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = new_password_field()
    confirm = confirm_password_field()
