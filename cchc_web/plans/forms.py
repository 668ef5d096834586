from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from ..models.plans import (
    COMPARISON_LABELS,
    FIELDS,
    Timing,
)
from ..web.forms import (
    DayMonthYearField,
    MultiCheckboxField,
    VNDecimalField,
    VNRadioField,
    VNSelectField,
)
from ..web.inputs import db_int


def _date(label: str, required: bool = True, **kwargs) -> DayMonthYearField:
    validators = [InputRequired(f"Hãy nhập {label.lower()}.")] if required else [Optional()]
    return DayMonthYearField(label, validators=validators, **kwargs)


class PlanForm(FlaskForm):
    title = StringField(
        "Tên kế hoạch",
        validators=[
            DataRequired("Hãy nhập tên kế hoạch."),
            Length(max=300, message="Tên kế hoạch dài tối đa 300 ký tự."),
        ],
    )
    theme = TextAreaField("Chủ đề", validators=[Optional(), Length(max=2000)])
    period_start = _date("Từ ngày")
    period_end = _date("Đến ngày")
    doc_number = StringField(
        "Số văn bản",
        validators=[Optional(), Length(max=60, message="Số văn bản dài tối đa 60 ký tự.")],
    )
    doc_date = _date("Ngày ban hành", required=False)


class ImportForm(PlanForm):
    tasks_file = FileField("Tệp nhiệm vụ (CSV hoặc Excel)")
    objectives_file = FileField("Tệp mục tiêu (CSV hoặc Excel, không bắt buộc)")
    # After a clean preview the files travel back in the confirmation form (base64).
    tasks_blob = HiddenField()
    tasks_name = HiddenField()
    objectives_blob = HiddenField()
    objectives_name = HiddenField()


class TaskForm(FlaskForm):
    code = StringField(
        "Mã nhiệm vụ",
        validators=[
            DataRequired("Hãy nhập mã nhiệm vụ."),
            Length(max=20, message="Mã dài tối đa 20 ký tự."),
        ],
    )
    field = VNSelectField(
        "Lĩnh vực",
        choices=[("", "— Chọn lĩnh vực —"), *FIELDS.items()],
        validators=[DataRequired("Hãy chọn lĩnh vực.")],
    )
    content = TextAreaField(
        "Nội dung", validators=[DataRequired("Hãy nhập nội dung nhiệm vụ."), Length(max=5000)]
    )
    lead_office_ids = MultiCheckboxField("Đơn vị chủ trì", coerce=db_int, validate_choice=False)
    coordinating_office_ids = MultiCheckboxField(
        "Đơn vị phối hợp", coerce=db_int, validate_choice=False
    )
    timing = VNRadioField(
        "Thời gian",
        choices=[
            (Timing.MONTH, "Hoàn thành trong tháng"),
            (Timing.ONGOING, "Thường xuyên"),
            (Timing.NONE, "Không ghi thời gian"),
        ],
        default=Timing.ONGOING,
        validators=[InputRequired("Hãy chọn thời gian.")],
    )
    due_month = StringField("Tháng hoàn thành (ví dụ 07/2025)", validators=[Optional()])

    def validate_lead_office_ids(self, field) -> None:
        _only_listed(field)

    def validate_coordinating_office_ids(self, field) -> None:
        _only_listed(field)


def _only_listed(field) -> None:
    """Offices are checkboxes of the active offices: an id sent from anywhere else (0, a
    deleted office) would otherwise reach the database as a broken foreign key."""
    listed = {value for value, _label in field.choices or []}
    if any(value not in listed for value in field.data or []):
        raise ValidationError("Hãy chọn đơn vị trong danh sách.")


class ObjectiveForm(FlaskForm):
    code = StringField("Mã", validators=[DataRequired("Hãy nhập mã."), Length(max=20)])
    indicator = TextAreaField("Chỉ tiêu", validators=[DataRequired("Hãy nhập chỉ tiêu.")])
    comparison = VNSelectField("Phép so sánh", choices=list(COMPARISON_LABELS.items()))
    target = VNDecimalField(
        "Giá trị mục tiêu",
        places=None,
        validators=[InputRequired("Hãy nhập giá trị mục tiêu là một số.")],
    )
    unit = StringField("Đơn vị tính", validators=[Optional(), Length(max=30)])
    owner_office_id = VNSelectField("Đơn vị phụ trách", coerce=db_int, validate_choice=False)


class ObjectiveValueForm(FlaskForm):
    # Chosen among the plan's months (the route fills the choices); any other value is
    # refused by the service with its own message, not by the list.
    month = VNSelectField(
        "Tháng", validators=[DataRequired("Hãy chọn tháng.")], validate_choice=False
    )
    value = VNDecimalField(
        "Giá trị", places=None, validators=[InputRequired("Hãy nhập giá trị là một số.")]
    )
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=2000)])
    reason = TextAreaField(
        "Lý do sửa",
        validators=[Optional(), Length(max=2000, message="Tối đa 2000 ký tự.")],
    )
