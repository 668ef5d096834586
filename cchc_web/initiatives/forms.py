from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.storage import ACCEPT_ATTRIBUTE
from ..models.initiatives import INITIATIVE_FIELDS
from ..web.forms import DayMonthYearField, MultiCheckboxField, VNIntegerField, coerce_id
from ..web.inputs import db_int

AUTHOR_ROWS = 4


class AuthorForm(Form):
    user_id = SelectField("Cán bộ của đơn vị", coerce=coerce_id, validate_choice=False)
    external_name = StringField(
        "hoặc họ tên người ngoài đơn vị",
        validators=[Optional(), Length(max=120, message="Tối đa 120 ký tự.")],
    )
    share = VNIntegerField(
        "Tỷ lệ đóng góp (%)",
        validators=[
            Optional(),
            NumberRange(1, 100, message="Tỷ lệ đóng góp từ 1 đến 100 (%%)."),
        ],
    )
    date_of_birth = DayMonthYearField("Ngày sinh", validators=[Optional()])
    qualification = StringField(
        "Trình độ chuyên môn",
        validators=[Optional(), Length(max=120, message="Tối đa 120 ký tự.")],
    )


class InitiativeForm(FlaskForm):
    round_id = SelectField("Đợt sáng kiến", coerce=coerce_id, validate_choice=False)
    title = StringField(
        "Tên sáng kiến",
        validators=[
            DataRequired("Hãy nhập tên sáng kiến."),
            Length(max=300, message="Tên sáng kiến dài tối đa 300 ký tự."),
        ],
    )
    field = SelectField(
        "Lĩnh vực",
        choices=[("", "— Chọn lĩnh vực —"), *INITIATIVE_FIELDS.items()],
        validators=[DataRequired("Hãy chọn lĩnh vực.")],
        validate_choice=False,
    )
    authors = FieldList(FormField(AuthorForm), min_entries=AUTHOR_ROWS, max_entries=AUTHOR_ROWS)
    current_situation = TextAreaField("Giải pháp đã biết, thực trạng và hạn chế")
    solution = TextAreaField("Nội dung giải pháp: mục đích, các bước thực hiện")
    novelty = TextAreaField("Tính mới (áp dụng lần đầu hoặc áp dụng thử)")
    piloted = BooleanField("Đang áp dụng thử (chưa áp dụng chính thức)")
    first_applied_on = DayMonthYearField(
        "Ngày áp dụng lần đầu (hoặc áp dụng thử)", validators=[Optional()]
    )
    applied_where = TextAreaField("Nơi đã áp dụng")
    effectiveness = TextAreaField("Hiệu quả, lợi ích thu được (có số liệu)")
    replication = TextAreaField("Khả năng áp dụng, nhân rộng; những người có thể áp dụng")
    conditions = TextAreaField("Điều kiện cần thiết để áp dụng")
    evidence = MultipleFileField("Minh chứng", render_kw={"accept": ACCEPT_ATTRIBUTE})
    remove_evidence = MultiCheckboxField("Bỏ minh chứng", coerce=db_int, validate_choice=False)

    def validate_round_id(self, field) -> None:
        if field.data not in {v for v, _ in field.choices}:
            field.errors.append("Hãy chọn đợt sáng kiến.")


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        "Nội dung cần hoàn thiện",
        validators=[DataRequired("Hãy ghi nội dung cần hoàn thiện khi trả lại.")],
    )


class AcceptForm(FlaskForm):
    note = TextAreaField(
        "Lý do vẫn tiếp nhận khi chưa có minh chứng áp dụng",
        validators=[Length(max=2000, message="Lý do dài tối đa 2000 ký tự.")],
    )


class RoundForm(FlaskForm):
    year = VNIntegerField(
        "Năm",
        validators=[
            InputRequired("Hãy nhập năm."),
            NumberRange(2000, 2100, message="Năm không hợp lệ."),
        ],
    )
    title = StringField(
        "Tên đợt",
        validators=[
            DataRequired("Hãy nhập tên đợt."),
            Length(max=200, message="Tối đa 200 ký tự."),
        ],
    )
    submission_deadline = DayMonthYearField(
        "Hạn nộp sáng kiến", validators=[InputRequired("Hãy nhập hạn nộp.")]
    )
    decision_deadline = DayMonthYearField(
        "Hạn Quyết định công nhận", validators=[InputRequired("Hãy nhập hạn Quyết định.")]
    )
    open_fields = MultiCheckboxField(
        "Lĩnh vực nhận sáng kiến", choices=list(INITIATIVE_FIELDS.items()), validate_choice=False
    )
    pass_min_total = VNIntegerField(
        "Điểm trung bình tối thiểu để đề nghị công nhận",
        default=50,
        validators=[InputRequired("Hãy nhập điểm sàn."), NumberRange(0, 1000, "Không hợp lệ.")],
    )
    rubric = TextAreaField(
        "Thang điểm (mỗi dòng: mã | tiêu chí | điểm tối đa | mô tả mức điểm)",
        validators=[DataRequired("Hãy nhập thang điểm.")],
        render_kw={"rows": 6},
    )


class ReopenForm(FlaskForm):
    office_id = SelectField("Đơn vị", coerce=coerce_id, validate_choice=False)
    reason = TextAreaField("Lý do mở lại", validators=[DataRequired("Hãy nêu lý do mở lại.")])
    until = DayMonthYearField("Mở đến hết ngày", validators=[InputRequired("Hãy nhập ngày.")])

    def validate_office_id(self, field) -> None:
        if field.data not in {v for v, _ in field.choices}:
            field.errors.append("Hãy chọn đơn vị.")


class NominationForm(FlaskForm):
    """A leader picks the recognised initiatives the Tờ trình proposes to the city."""

    initiatives = MultiCheckboxField(
        "Sáng kiến đề nghị cấp thành phố", coerce=coerce_id, validate_choice=False
    )


class NominationReturnForm(FlaskForm):
    """The city sends a commune's nomination back, saying why."""

    comment = TextAreaField(
        "Lý do trả lại",
        validators=[
            DataRequired("Hãy ghi lý do trả lại để xã, phường biết cần bổ sung gì."),
            Length(max=2000, message="Lý do dài tối đa 2000 ký tự."),
        ],
    )
