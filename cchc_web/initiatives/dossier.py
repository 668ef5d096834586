"""The nomination dossier sent to the city (hồ sơ đề nghị công nhận cấp thành phố): the signed
Tờ trình, the signed recognition Decision, each initiative's description report and the
council's signed minutes — as one ZIP of the original files (each keeps its signatures) and as
one merged PDF to read and print (merging re-writes the files, so its copies carry no valid
signature: the ZIP holds the originals)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter

from ..documents import render
from ..models import Decision
from ..records import attachments
from . import documents


@dataclass(frozen=True)
class DossierFile:
    name: str  # file name inside the ZIP
    title: str  # bookmark in the merged PDF
    pdf: bytes


def _slug(text: str, limit: int = 60) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:limit].strip("-") or "tai-lieu"


def files(nomination: Decision) -> list[DossierFile]:
    """The dossier's documents in the order the city reads them."""
    out = [
        DossierFile(
            f"01-To-trinh-{nomination.number:02d}-{nomination.year}.pdf",
            f"Tờ trình số {nomination.number_symbol}",
            nomination.pdf,
        )
    ]
    initiatives = [item.initiative for item in nomination.items]
    recognitions = {i.recognition_decision.id: i.recognition_decision for i in initiatives}
    for decision in recognitions.values():
        out.append(
            DossierFile(
                f"02-Quyet-dinh-cong-nhan-{decision.number:02d}-{decision.year}.pdf",
                f"Quyết định số {decision.number_symbol} công nhận sáng kiến",
                decision.pdf,
            )
        )
    for n, initiative in enumerate(initiatives, start=1):
        out.append(
            DossierFile(
                f"03-{n:02d}-Bao-cao-mo-ta-{_slug(initiative.title)}.pdf",
                f"Báo cáo mô tả: {initiative.title}",
                render(documents.description(initiative)).pdf,
            )
        )
    councils = {i.round.council.id: i.round.council for i in initiatives if i.round.council}
    for council in councils.values():
        if council.minutes is not None:
            out.append(
                DossierFile(
                    f"04-Bien-ban-Hoi-dong-{council.round.year}.pdf",
                    f"Biên bản họp Hội đồng năm {council.round.year}",
                    attachments.read_attachment(council.minutes),
                )
            )
    return out


def as_zip(dossier: list[DossierFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in dossier:
            archive.writestr(item.name, item.pdf)
    return buffer.getvalue()


def as_pdf(dossier: list[DossierFile]) -> bytes:
    """One PDF, a bookmark per document."""
    writer = PdfWriter()
    for item in dossier:
        start = len(writer.pages)
        for page in PdfReader(io.BytesIO(item.pdf)).pages:
            writer.add_page(page)
        writer.add_outline_item(title=item.title, page_number=start)
    writer.add_metadata({"/Title": dossier[0].title if dossier else "Hồ sơ"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
