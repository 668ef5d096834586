from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ReportTextForm(FlaskForm):
    direction = TextAreaField(
        "I. Công tác chỉ đạo, điều hành",
        validators=[Optional(), Length(max=20000, message="Tối đa 20.000 ký tự.")],
    )
    strengths_limits = TextAreaField(
        "III. Đánh giá chung: ưu điểm, hạn chế",
        validators=[Optional(), Length(max=20000, message="Tối đa 20.000 ký tự.")],
    )
    next_tasks = TextAreaField(
        "IV. Nhiệm vụ trọng tâm kỳ tới",
        validators=[Optional(), Length(max=20000, message="Tối đa 20.000 ký tự.")],
    )


class NewReportForm(FlaskForm):
    period = HiddenField(validators=[DataRequired("Hãy chọn kỳ báo cáo.")])


class DecisionForm(FlaskForm):
    comment = TextAreaField(
        "Ý kiến của Thường trực CCHC",
        validators=[Optional(), Length(max=5000, message="Tối đa 5000 ký tự.")],
    )
