"""The editable content of a Decision, as plain data: what texts build and providers return."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Competence


@dataclass
class DraftContent:
    """The editable content of a Decision; every list holds plain strings (appendix rows:
    lists of str/int/float cells). The first ``locked_articles`` articles and the appendix
    are built from the subject's data and are not edited by hand."""

    summary: str = ""
    addressee: str = ""  # a Tờ trình's "Kính gửi"
    bases: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    appendix_title: str = ""
    appendix_columns: list[str] = field(default_factory=list)
    appendix_widths: list[float] = field(default_factory=list)
    appendix_rows: list[list] = field(default_factory=list)
    competence: Competence = Competence.CHAIRMAN
    symbol: str = "QĐ-UBND"
    locked_articles: int = 0
