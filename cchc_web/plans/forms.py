from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
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
    StopValidation,
    ValidationError,
)

from ..forms import DayMonthYearField, MultiCheckboxField
from ..inputs import db_int
from ..models.plans import (
    CAUSE_LABELS,
    COMPARISON_LABELS,
    FIELDS,
    TASK_STATUS_LABELS,
    Timing,
)

_INVALID = {
    "DateField": "Ngày không hợp lệ.",
    "IntegerField": "Hãy nhập một số nguyên.",
    "DecimalField": "Hãy nhập một số (ví dụ 95 hoặc 95,5).",
    "VNDecimalField": "Hãy nhập một số (ví dụ 95 hoặc 95,5).",
    "SelectField": "Hãy chọn một mục trong danh sách.",
    "RadioField": "Hãy chọn một mục trong danh sách.",
    "MultiCheckboxField": "Hãy chọn các mục trong danh sách.",
}
# How WTForms' own (English) messages start: "Not a valid integer value.", "Invalid Choice:
# could not coerce.", "Invalid choice(s): one or more data inputs could not be coerced."
_ENGLISH = ("Not a valid", "Invalid Choice", "Invalid choice")
# Numeric(12, 2) columns hold less than 10^10: at most 10 digits before the decimal point.
MAX_DIGITS = 10


class VNForm(FlaskForm):
    """WTForms' own coercion messages are English: replace them with Vietnamese ones."""

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in self:
            message = _INVALID.get(field.type)
            # (A DataRequired after an unreadable value replaces the English error with its
            # own "Hãy nhập ..." one: the coercion's error is still in process_errors.)
            english = [e for e in (*field.process_errors, *field.errors) if _is_english(e)]
            if message and field.errors and english:
                field.errors = [message]  # something was sent but could not be read
        return ok


def _is_english(error: object) -> bool:
    return any(marker in str(error) for marker in _ENGLISH)


class VNDecimalField(DecimalField):
    """A number typed the Vietnamese way, "92,5", as well as "92.5"; finite and small enough
    for its Numeric(12, 2) column (NaN, Infinity or 1E+999 are not numbers to a user)."""

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [v.replace(" ", "").replace(",", ".") for v in valuelist]
        super().process_formdata(valuelist)
        if self.data is None:
            return
        if self.data.is_zero():
            self.data = Decimal(0)  # "0E+999999999" too
        elif not self.data.is_finite() or self.data.adjusted() >= MAX_DIGITS:
            self.data = None
            raise ValueError("Hãy nhập một số nhỏ hơn 10 tỷ (ví dụ 95 hoặc 95,5).")


def _date_required(message: str):
    """Required, without hiding why a typed date was refused (DataRequired would)."""

    def check(form, field) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(message)

    check.field_flags = {"required": True}
    return check


def _date(label: str, required: bool = True, **kwargs) -> DayMonthYearField:
    validators = [_date_required(f"Hãy nhập {label.lower()}.")] if required else [Optional()]
    return DayMonthYearField(label, validators=validators, **kwargs)


class PlanForm(VNForm):
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


class TaskForm(VNForm):
    code = StringField(
        "Mã nhiệm vụ",
        validators=[
            DataRequired("Hãy nhập mã nhiệm vụ."),
            Length(max=20, message="Mã dài tối đa 20 ký tự."),
        ],
    )
    field = SelectField(
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
    timing = RadioField(
        "Thời gian",
        choices=[
            (Timing.MONTH.value, "Hoàn thành trong tháng"),
            (Timing.ONGOING.value, "Thường xuyên"),
            (Timing.NONE.value, "Không ghi thời gian"),
        ],
        default=Timing.ONGOING.value,
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


class ObjectiveForm(VNForm):
    code = StringField("Mã", validators=[DataRequired("Hãy nhập mã."), Length(max=20)])
    indicator = TextAreaField("Chỉ tiêu", validators=[DataRequired("Hãy nhập chỉ tiêu.")])
    comparison = SelectField("Phép so sánh", choices=list(COMPARISON_LABELS.items()))
    target = VNDecimalField(
        "Giá trị mục tiêu",
        places=None,
        validators=[InputRequired("Hãy nhập giá trị mục tiêu là một số.")],
    )
    unit = StringField("Đơn vị tính", validators=[Optional(), Length(max=30)])
    owner_office_id = SelectField("Đơn vị phụ trách", coerce=db_int, validate_choice=False)


class ObjectiveValueForm(VNForm):
    # Chosen among the plan's months (the route fills the choices); any other value is
    # refused by the service with its own message, not by the list.
    month = SelectField(
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


class TaskUpdateForm(VNForm):
    based_on = HiddenField()
    status = RadioField(
        "Tình trạng",
        choices=list(TASK_STATUS_LABELS.items()),
        validators=[InputRequired("Hãy chọn tình trạng thực hiện.")],
    )
    progress = IntegerField(
        "Tiến độ (%)",
        validators=[
            InputRequired("Hãy nhập tiến độ (0–100)."),
            NumberRange(0, 100, "Tiến độ là một số phần trăm từ 0 đến 100."),
        ],
    )
    result = TextAreaField(
        "Kết quả thực hiện",
        validators=[Optional(), Length(max=5000, message="Tối đa 5000 ký tự.")],
    )
    cause_type = RadioField(
        "Loại nguyên nhân", choices=list(CAUSE_LABELS.items()), validators=[Optional()]
    )
    cause = TextAreaField("Nguyên nhân", validators=[Optional(), Length(max=3000)])
    catchup_action = TextAreaField("Giải pháp khắc phục", validators=[Optional(), Length(max=3000)])
    catchup_deadline = DayMonthYearField("Thời hạn hoàn thành mới", validators=[Optional()])
    catchup_responsible = StringField(
        "Người chịu trách nhiệm", validators=[Optional(), Length(max=200)]
    )
    evidence = MultipleFileField("Minh chứng")


class ContributionForm(VNForm):
    """What a coordinating office did for a task it does not lead: no status, no percent."""

    kind = HiddenField(default="contribution")
    result = TextAreaField(
        "Phần việc đơn vị đã thực hiện",
        validators=[
            DataRequired("Hãy nêu phần việc đơn vị đã thực hiện."),
            Length(max=5000, message="Tối đa 5000 ký tự."),
        ],
    )
    evidence = MultipleFileField("Minh chứng")
