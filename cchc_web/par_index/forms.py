from datetime import datetime

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
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

from ..inputs import db_int
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


class YearField(IntegerField):
    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and str(valuelist[0]).strip():
            try:
                self.data = int(str(valuelist[0]).strip())
            except ValueError as err:
                raise ValueError("Năm phải là số, ví dụ 2025.") from err


class VietnameseDateField(DateField):
    """A date from the date picker (yyyy-mm-dd) or typed as 20/09/2025."""

    def process_formdata(self, valuelist):
        self.data = None
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            return
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        raise ValueError("Ngày không hợp lệ; hãy nhập dạng 20/09/2025.")


class IdListField(SelectMultipleField):
    """Ids of checked rows; anything that is not a number is refused in Vietnamese."""

    def process_formdata(self, valuelist):
        try:
            self.data = [db_int(v) for v in valuelist]
        except ValueError as err:
            self.data = []
            raise ValueError(f"Lựa chọn “{self.label.text}” không hợp lệ.") from err

    def pre_validate(self, form):
        pass


SOURCE_CHOICES = [
    ("default", "Bộ chỉ số mặc định (8 lĩnh vực, 100 điểm)"),
    ("copy", "Sao chép bộ chỉ số của năm trước"),
    ("file", "Nhập từ tệp CSV hoặc Excel (.xlsx)"),
]


class NewSetForm(FlaskForm):
    year = YearField(
        "Năm",
        validators=[
            InputRequired("Hãy nhập năm (ví dụ 2025)."),
            NumberRange(2000, 2100, "Năm phải từ 2000 đến 2100."),
        ],
    )
    title = StringField(
        "Tên bộ chỉ số",
        validators=[Optional(), Length(max=300, message="Tên dài tối đa 300 ký tự.")],
    )
    deadline = VietnameseDateField("Hạn tự chấm điểm", validators=[Optional()])
    source = RadioField(
        "Lấy nội dung từ",
        choices=SOURCE_CHOICES,
        default="default",
        validators=[DataRequired("Hãy chọn nguồn.")],
        validate_choice=False,
    )
    file = FileField("Tệp bộ chỉ số")

    def validate_source(self, field) -> None:
        _one_of(field)

    with_offices = BooleanField("Áp dụng phân công đơn vị có trong nguồn", default=True)


class SettingsForm(FlaskForm):
    deadline = VietnameseDateField("Hạn tự chấm điểm", validators=[Optional()])
    survey_score = PointsField("Điểm điều tra xã hội học", required=False)
    bonus_points = PointsField("Điểm thưởng", required=False)
    penalty_points = PointsField("Điểm trừ", required=False)


class AssignForm(FlaskForm):
    items = IdListField("Tiêu chí")
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
    remove_evidence = IdListField("Bỏ minh chứng đã gửi")


class AppraiseForm(FlaskForm):
    decision = RadioField(
        "Kết quả thẩm định",
        choices=[("accept", "Đồng ý với điểm tự chấm"), ("adjust", "Điều chỉnh điểm")],
        default="accept",
        validators=[DataRequired("Hãy chọn kết quả thẩm định.")],
        validate_choice=False,
    )
    adjusted_score = PointsField("Điểm thẩm định", required=False)
    reason = TextAreaField(
        "Lý do điều chỉnh",
        validators=[Length(max=2000, message="Lý do dài tối đa 2000 ký tự.")],
    )

    def validate_decision(self, field) -> None:
        _one_of(field)


def _one_of(field) -> None:
    """WTForms' own check answers in English; ours in Vietnamese."""
    if field.data not in {value for value, _ in field.choices}:
        raise ValidationError("Hãy chọn một mục trong danh sách.")


class ConfirmForm(FlaskForm):
    """Only the CSRF token of a one-button POST."""
