"""The city level's work in the inbox: Sở Nội vụ appraises each commune's PAR Index."""

from __future__ import annotations

from datetime import date

from ..core.inbox import InboxItem, inbox_provider
from ..models import User
from . import services


@inbox_provider(order=62)
def city_par_to_appraise(user: User, today: date) -> list[InboxItem]:
    """One line per commune whose newest opened set has self-scores the city has not
    appraised (one statement for every commune of the city)."""
    if not user.is_secretariat or not user.at_city_level:
        return []
    return [
        InboxItem(
            key=f"city-par-appraise:{set_id}",
            kind="par",
            title=f"Thẩm định chỉ số CCHC năm {year} của {name}",
            detail=f"{count} điểm tự chấm của {name} chưa được Sở Nội vụ thẩm định.",
            action="Thẩm định",
            endpoint="city.par",
            args={"commune_id": commune_id, "year": year},
            remind=False,
        )
        for commune_id, name, year, set_id, count in services.appraisal_work(user.commune_id)
    ]
