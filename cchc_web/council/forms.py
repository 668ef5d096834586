from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..models.council import POSITION_LABELS
from ..web.forms import coerce_id


class NewCouncilForm(FlaskForm):
    round_id = SelectField("Đợt sáng kiến", coerce=coerce_id, validate_choice=False)

    def validate_round_id(self, field) -> None:
        if field.data not in {v for v, _ in field.choices}:
            field.errors.append("Hãy chọn đợt sáng kiến.")


class MemberForm(FlaskForm):
    user_id = SelectField("Người", coerce=coerce_id, validate_choice=False)
    position = SelectField(
        "Chức danh trong Hội đồng",
        choices=[(p.value, label) for p, label in POSITION_LABELS.items()],
        validate_choice=False,
    )

    def validate_user_id(self, field) -> None:
        if field.data not in {v for v, _ in field.choices if v}:
            field.errors.append("Hãy chọn một người trong danh sách.")


class ScoreForm(FlaskForm):
    """Points fields are added per criterion of the round's rubric (see routes._score_form)."""

    recommend = BooleanField("Đề nghị công nhận sáng kiến")
    comment = TextAreaField("Nhận xét", validators=[Length(max=4000, message="Tối đa 4000 ký tự.")])


class ReopenScoreForm(FlaskForm):
    reason = TextAreaField(
        "Lý do mở lại", validators=[DataRequired("Hãy ghi lý do mở lại phiếu chấm.")]
    )
