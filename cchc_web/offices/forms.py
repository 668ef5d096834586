"""Forms of the office workspace: a lead office's progress update, a coordinating office's
contribution."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..models.plans import CAUSE_LABELS, TASK_STATUS_LABELS
from ..web.forms import DayMonthYearField, VNIntegerField, VNRadioField


class TaskUpdateForm(FlaskForm):
    based_on = HiddenField()
    status = VNRadioField(
        "Tình trạng",
        choices=list(TASK_STATUS_LABELS.items()),
        validators=[InputRequired("Hãy chọn tình trạng thực hiện.")],
    )
    progress = VNIntegerField(
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
    cause_type = VNRadioField(
        "Loại nguyên nhân", choices=list(CAUSE_LABELS.items()), validators=[Optional()]
    )
    cause = TextAreaField("Nguyên nhân", validators=[Optional(), Length(max=3000)])
    catchup_action = TextAreaField("Giải pháp khắc phục", validators=[Optional(), Length(max=3000)])
    catchup_deadline = DayMonthYearField("Thời hạn hoàn thành mới", validators=[Optional()])
    catchup_responsible = StringField(
        "Người chịu trách nhiệm", validators=[Optional(), Length(max=200)]
    )
    evidence = MultipleFileField("Minh chứng")


class ContributionForm(FlaskForm):
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
