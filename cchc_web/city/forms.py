"""The city's appraisal of one criterion: accept the commune's self-score, or adjust it with a
reason (the same choices as the commune's own appraisal, par_index/forms.py); the range and
the reason are checked by the service (city/services.py `appraise`)."""

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..web.forms import VNDecimalField, VNRadioField


class CityAppraiseForm(FlaskForm):
    decision = VNRadioField(
        "Kết quả thẩm định",
        choices=[("accept", "Đồng ý với điểm tự chấm"), ("adjust", "Điều chỉnh điểm")],
        default="accept",
        validators=[DataRequired("Hãy chọn kết quả thẩm định.")],
    )
    adjusted_score = VNDecimalField(
        "Điểm thẩm định",
        places=None,
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    reason = TextAreaField(
        "Lý do điều chỉnh",
        validators=[Length(max=2000, message="Lý do dài tối đa 2000 ký tự.")],
    )
