"""Forms of the satisfaction survey. The answer form itself is built from the questionnaire
version in the page (its questions are data), and read by `submission_from`."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..models.sipas import MAX_QUESTION
from ..web.forms import DayMonthYearField, MultiCheckboxField, VNRadioField, VNSelectField
from ..web.inputs import db_int, optional_db_int
from .services import QuestionnaireData, Submission


def _optional_id(value) -> int | None:
    if value in (None, "", "None"):
        return None
    return db_int(value)


class ReceiptForm(FlaskForm):
    number = StringField(
        "Số biên nhận hồ sơ",
        validators=[DataRequired("Hãy nhập số biên nhận hồ sơ."), Length(max=60)],
    )
    procedure_field_id = VNSelectField(
        "Lĩnh vực", coerce=_optional_id, validators=[DataRequired("Hãy chọn lĩnh vực.")]
    )
    procedure = StringField(
        "Tên thủ tục (không bắt buộc)", validators=[Optional(), Length(max=300)]
    )
    received_on = DayMonthYearField(
        "Ngày tiếp nhận", validators=[DataRequired("Hãy nhập ngày tiếp nhận hồ sơ.")]
    )
    counter_id = VNSelectField("Quầy", coerce=_optional_id, validators=[Optional()])


class FieldForm(FlaskForm):
    name = StringField("Tên lĩnh vực", validators=[DataRequired("Hãy nhập tên."), Length(max=120)])
    office_id = VNSelectField("Đơn vị trả lời kiến nghị", coerce=_optional_id)
    active = BooleanField("Đang dùng", default=True)


class CounterForm(FlaskForm):
    name = StringField("Tên quầy", validators=[DataRequired("Hãy nhập tên."), Length(max=120)])
    active = BooleanField("Đang dùng", default=True)


class KioskForm(FlaskForm):
    name = StringField("Tên máy", validators=[DataRequired("Hãy nhập tên."), Length(max=120)])
    counter_id = VNSelectField("Đặt tại quầy", coerce=_optional_id, validators=[Optional()])
    active = BooleanField("Đang dùng", default=True)


class QuestionEntry(Form):
    text = TextAreaField("Nội dung câu hỏi", validators=[Optional(), Length(max=MAX_QUESTION)])
    required = BooleanField("Bắt buộc trả lời")


class AspectEntry(Form):
    code = HiddenField()
    title = StringField("Tên khía cạnh", validators=[Optional(), Length(max=200)])
    questions = FieldList(FormField(QuestionEntry), min_entries=0)


class QuestionnaireForm(FlaskForm):
    title = StringField(
        "Tên phiếu", validators=[DataRequired("Hãy nhập tên phiếu."), Length(max=200)]
    )
    intro = TextAreaField("Lời mở đầu", validators=[Optional(), Length(max=2000)])
    scale_1 = StringField("Mức 1", validators=[Length(max=60)])
    scale_2 = StringField("Mức 2", validators=[Length(max=60)])
    scale_3 = StringField("Mức 3", validators=[Length(max=60)])
    scale_4 = StringField("Mức 4", validators=[Length(max=60)])
    scale_5 = StringField("Mức 5", validators=[Length(max=60)])
    aspects = FieldList(FormField(AspectEntry), min_entries=0)

    def load(self, data: QuestionnaireData, blank_questions: int = 1) -> None:
        """Fill the form from `data`, with blank slots to add a question to each aspect and
        one blank aspect: adding needs no script, an empty slot is ignored on save."""
        self.title.data, self.intro.data = data.title, data.intro
        for n, label in enumerate(data.scale, start=1):
            getattr(self, f"scale_{n}").data = label
        while self.aspects.entries:
            self.aspects.pop_entry()
        for aspect in [*data.aspects, None]:
            entry = self.aspects.append_entry()
            entry.form.code.data = aspect.code if aspect else ""
            entry.form.title.data = aspect.title if aspect else ""
            questions = aspect.questions if aspect else []
            for question in questions:
                q = entry.form.questions.append_entry()
                q.form.text.data, q.form.required.data = question.text, question.required
            for _ in range(blank_questions if aspect else 2):
                q = entry.form.questions.append_entry()
                q.form.required.data = True

    def to_data(self) -> QuestionnaireData:
        from .services import AspectData, QuestionData

        return QuestionnaireData(
            title=self.title.data or "",
            intro=self.intro.data or "",
            scale=[(getattr(self, f"scale_{n}").data or "") for n in range(1, 6)],
            aspects=[
                AspectData(
                    title=entry.form.title.data or "",
                    code=entry.form.code.data or "",
                    questions=[
                        QuestionData(q.form.text.data or "", bool(q.form.required.data))
                        for q in entry.form.questions
                    ],
                )
                for entry in self.aspects
            ],
        )


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        "Nội dung trả lời",
        validators=[DataRequired("Hãy nhập nội dung trả lời."), Length(max=5000)],
    )


class RerouteForm(FlaskForm):
    office_id = VNSelectField("Chuyển cho đơn vị", coerce=_optional_id)


class CorrectionForm(FlaskForm):
    excluded = BooleanField("Không tính phiếu này vào kết quả")
    procedure_field_id = VNSelectField("Tính vào lĩnh vực", coerce=_optional_id)
    reason = TextAreaField(
        "Lý do hiệu chỉnh", validators=[DataRequired("Hãy ghi lý do hiệu chỉnh."), Length(max=2000)]
    )


class LinkForm(FlaskForm):
    scope = VNRadioField(
        "Nguồn số liệu",
        choices=[
            ("", "Nhập tay hằng tháng (đơn vị phụ trách nhập)"),
            ("overall", "Tính từ mọi phiếu khảo sát sự hài lòng"),
            ("fields", "Tính từ phiếu khảo sát của các lĩnh vực chọn dưới đây"),
        ],
        default="",
        validators=[Optional()],
    )
    field_ids = MultiCheckboxField("Lĩnh vực", coerce=db_int, validate_choice=False)


def submission_from(form: Mapping[str, str], ratings: Mapping[int, str]) -> Submission:
    """What a person posted, as the service reads it (nothing trusted yet)."""
    return Submission(
        version_id=optional_db_int(form.get("version_id", "")),
        ratings=ratings,
        suggestion=form.get("suggestion", "") or "",
        phone=(form.get("phone", "") or "")[:40],
        phone_consent=form.get("phone_consent") in ("1", "y", "on", "true"),
        nonce=(form.get("nonce", "") or "")[:60],
        procedure_field_id=optional_db_int(form.get("procedure_field_id", "")),
    )
