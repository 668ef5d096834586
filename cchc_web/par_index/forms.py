from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..web.forms import DayMonthYearField, MultiCheckboxField, VNIntegerField, VNRadioField
from ..web.inputs import db_int
from .tabular import PointsError, parse_points, points


class PointsField(StringField):
    """Points typed as "14,5" or "14.5" → Decimal; what the user typed is shown back."""

    def __init__(self, label=None, validators=None, required: bool = True, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.required = required

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            if self.required:
                raise ValueError("Hãy nhập điểm.")
            return
        try:
            self.data = parse_points(valuelist[0])
        except PointsError as err:
            raise ValueError(err.message) from err

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return points(self.data) if self.data is not None else ""


SOURCE_CHOICES = [
    ("default", "Bộ chỉ số mặc định (8 lĩnh vực, 100 điểm)"),
    ("copy", "Sao chép bộ chỉ số của năm trước"),
    ("file", "Nhập từ tệp CSV hoặc Excel (.xlsx)"),
]


class NewSetForm(FlaskForm):
    year = VNIntegerField(
        "Năm",
        invalid="Năm phải là số, ví dụ 2025.",
        validators=[
            InputRequired("Hãy nhập năm (ví dụ 2025)."),
            NumberRange(2000, 2100, "Năm phải từ 2000 đến 2100."),
        ],
    )
    title = StringField(
        "Tên bộ chỉ số",
        validators=[Optional(), Length(max=300, message="Tên dài tối đa 300 ký tự.")],
    )
    deadline = DayMonthYearField("Hạn tự chấm điểm", validators=[Optional()])
    source = VNRadioField(
        "Lấy nội dung từ",
        choices=SOURCE_CHOICES,
        default="default",
        validators=[DataRequired("Hãy chọn nguồn.")],
    )
    file = FileField("Tệp bộ chỉ số")
    with_offices = BooleanField("Áp dụng phân công đơn vị có trong nguồn", default=True)


class SettingsForm(FlaskForm):
    deadline = DayMonthYearField("Hạn tự chấm điểm", validators=[Optional()])
    survey_score = PointsField("Điểm điều tra xã hội học", required=False)
    bonus_points = PointsField("Điểm thưởng", required=False)
    penalty_points = PointsField("Điểm trừ", required=False)


class AssignForm(FlaskForm):
    items = MultiCheckboxField("Tiêu chí", coerce=db_int, validate_choice=False)
    office = SelectField("Giao cho đơn vị", coerce=str, validate_choice=False)

    def validate_office(self, field) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Hãy chọn một đơn vị trong danh sách.")


class ScoreForm(FlaskForm):
    score = PointsField("Điểm tự chấm")
    explanation = TextAreaField(
        "Giải trình",
        validators=[Length(max=5000, message="Giải trình dài tối đa 5000 ký tự.")],
    )
    evidence = MultipleFileField("Thêm minh chứng")
    remove_evidence = MultiCheckboxField(
        "Bỏ minh chứng đã gửi", coerce=db_int, validate_choice=False
    )


class AppraiseForm(FlaskForm):
    decision = VNRadioField(
        "Kết quả thẩm định",
        choices=[("accept", "Đồng ý với điểm tự chấm"), ("adjust", "Điều chỉnh điểm")],
        default="accept",
        validators=[DataRequired("Hãy chọn kết quả thẩm định.")],
    )
    adjusted_score = PointsField("Điểm thẩm định", required=False)
    reason = TextAreaField(
        "Lý do điều chỉnh",
        validators=[Length(max=2000, message="Lý do dài tối đa 2000 ký tự.")],
    )
