from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models.org import COMMUNE_KIND_LABELS
from ..web.forms import AccountFields, VNIntegerField, VNSelectField
from .services import COMMUNE_KINDS

KIND_CHOICES = [(k.value, COMMUNE_KIND_LABELS[k]) for k in COMMUNE_KINDS]


class SettingsForm(FlaskForm):
    name = StringField(
        "Tên xã, phường",
        validators=[
            DataRequired("Hãy nhập tên xã, phường."),
            Length(max=120, message="Tên dài tối đa 120 ký tự."),
        ],
    )
    kind = SelectField("Loại đơn vị hành chính", choices=KIND_CHOICES, validate_choice=False)
    plan_fields = TextAreaField(
        "Lĩnh vực cải cách hành chính của kế hoạch (mỗi dòng: mã | tên lĩnh vực)",
        render_kw={"rows": 8},
    )
    initiative_fields = TextAreaField(
        "Lĩnh vực nhận sáng kiến (mỗi dòng: mã | tên lĩnh vực)", render_kw={"rows": 9}
    )
    report_start_day = VNIntegerField(
        "Ngày bắt đầu kỳ báo cáo",
        validators=[
            InputRequired("Hãy nhập ngày bắt đầu kỳ báo cáo."),
            NumberRange(2, 28, "Ngày bắt đầu kỳ báo cáo là một ngày từ 2 đến 28."),
        ],
    )
    report_deadline_day = VNIntegerField(
        "Hạn nộp báo cáo (ngày trong tháng)",
        validators=[
            InputRequired("Hãy nhập hạn nộp báo cáo."),
            NumberRange(2, 28, "Hạn nộp báo cáo là một ngày từ 2 đến 28."),
        ],
    )
    round_submission = StringField(
        "Hạn nộp sáng kiến mặc định (ngày/tháng)",
        validators=[DataRequired("Hãy nhập ngày/tháng, ví dụ 20/9.")],
    )
    round_decision = StringField(
        "Hạn Quyết định công nhận mặc định (ngày/tháng)",
        validators=[DataRequired("Hãy nhập ngày/tháng, ví dụ 30/9.")],
    )
    rubric = TextAreaField(
        "Thang điểm mặc định của đợt mới (mỗi dòng: mã | tiêu chí | điểm tối đa | mô tả)",
        validators=[DataRequired("Hãy nhập thang điểm.")],
        render_kw={"rows": 6},
    )
    issuer_lines = TextAreaField(
        "Dòng tên cơ quan ban hành trên văn bản (để trống: “ỦY BAN NHÂN DÂN” và tên xã, phường)",
        validators=[Optional()],
        render_kw={"rows": 3},
    )
    secretariat_office = VNSelectField("Đơn vị Thường trực CCHC", choices=[])


class NewCommuneForm(FlaskForm):
    code = StringField(
        "Mã xã, phường",
        validators=[
            DataRequired("Hãy nhập mã."),
            Length(max=32, message="Mã dài tối đa 32 ký tự."),
        ],
    )
    name = StringField(
        "Tên xã, phường",
        validators=[
            DataRequired("Hãy nhập tên xã, phường."),
            Length(max=120, message="Tên dài tối đa 120 ký tự."),
        ],
    )
    kind = VNSelectField("Loại", choices=KIND_CHOICES)
    province = StringField(
        "Tỉnh, thành phố",
        validators=[Optional(), Length(max=120, message="Tối đa 120 ký tự.")],
    )
    offices_file = FileField("Tệp đơn vị (CSV hoặc Excel, không bắt buộc)")
    users_file = FileField("Tệp người dùng (CSV hoặc Excel, không bắt buộc)")


class AdminAccountForm(AccountFields):
    email = StringField(
        "E-mail",
        validators=[Optional(), Length(max=254, message="E-mail dài tối đa 254 ký tự.")],
        render_kw={"type": "email", "autocomplete": "off", "inputmode": "email"},
    )
