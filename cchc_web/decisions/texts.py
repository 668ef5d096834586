"""Default texts of the Decisions (SPEC §6), built from plain data.

The functions take names and lists of dicts, not models, so that the module that owns the
data (initiatives, councils) only maps its rows to dicts and calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..models import Competence
from ..models.org import CommuneKind, kind_from_name
from .content import DraftContent

BASIS_LOCAL_GOVERNMENT = "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;"
BASIS_DECREE_13 = (
    "Căn cứ Nghị định số 13/2012/NĐ-CP ngày 02 tháng 3 năm 2012 của Chính phủ "
    "ban hành Điều lệ Sáng kiến;"
)
BASIS_CIRCULAR_18 = (
    "Căn cứ Thông tư số 18/2013/TT-BKHCN ngày 01 tháng 8 năm 2013 của Bộ trưởng Bộ Khoa học "
    "và Công nghệ hướng dẫn thi hành một số quy định của Điều lệ Sáng kiến ban hành theo "
    "Nghị định số 13/2012/NĐ-CP ngày 02 tháng 3 năm 2012 của Chính phủ;"
)
STANDING_OFFICE = "Trưởng phòng Văn hóa - Xã hội"
#: Up to this many recognised initiatives are also named in Điều 1 (the appendix has all).
LISTED_IN_ARTICLE = 20
RECOGNITION_COLUMNS = ["TT", "Tên sáng kiến", "Tác giả", "Đơn vị", "Lĩnh vực", "Điểm"]
RECOGNITION_WIDTHS = [0.8, 5.2, 3.4, 3, 3, 1.4]


CITY_STANDING_OFFICE = "Giám đốc Sở Nội vụ"
UNIT_WORDS = {
    CommuneKind.XA: "xã",
    CommuneKind.PHUONG: "phường",
    CommuneKind.DAC_KHU: "đặc khu",
    CommuneKind.CITY: "thành phố",
}


def _place(commune_name: str) -> str:
    """ "xã Chí Minh" from "Xã Chí Minh": the commune as it reads inside a sentence."""
    return commune_name[:1].lower() + commune_name[1:] if commune_name else ""


def _is_city(commune_name: str) -> bool:
    return bool(commune_name) and kind_from_name(commune_name) == CommuneKind.CITY


def unit_word(commune_name: str) -> str:
    """The tenant's own word: "xã", "phường", "đặc khu" or "thành phố" (from its name, as
    `Commune.kind` is filled)."""
    return UNIT_WORDS[kind_from_name(commune_name)] if commune_name else "xã"


def level_word(commune_name: str) -> str:
    """The level a recognition is of: "cấp xã" (a xã, phường or đặc khu: the commune level
    of the law) or "cấp thành phố"."""
    return "cấp thành phố" if _is_city(commune_name) else "cấp xã"


def standing_office(commune_name: str) -> str:
    """Who proposes (Thường trực CCHC): the head of Phòng Văn hóa - Xã hội, or at the city
    the Director of Sở Nội vụ."""
    return CITY_STANDING_OFFICE if _is_city(commune_name) else STANDING_OFFICE


def _archive(commune_name: str) -> str:
    return "Lưu: VT, SNV" if _is_city(commune_name) else "Lưu: VT, VHXH"


def _leaders(commune_name: str) -> str:
    return f"Chủ tịch, các PCT UBND {unit_word(commune_name)}"


def _executors(commune_name: str, who: str) -> str:
    if _is_city(commune_name):
        office = f"Chánh Văn phòng UBND {_place(commune_name)}"
    else:
        office = f"Chánh Văn phòng HĐND và UBND {_place(commune_name)}"
    return (
        f"{office}, {standing_office(commune_name)}, "
        f"Thủ trưởng các cơ quan, đơn vị có liên quan và {who} "
        "chịu trách nhiệm thi hành Quyết định này./."
    )


def blank_content(commune_name: str) -> DraftContent:
    """A Decision written from scratch: the usual basis, the closing articles; the
    secretariat writes the summary and the deciding article(s) above them."""
    return DraftContent(
        bases=[BASIS_LOCAL_GOVERNMENT],
        articles=[
            "Quyết định này có hiệu lực kể từ ngày ký.",
            _executors(commune_name, "các cá nhân có liên quan"),
        ],
        recipients=["Như Điều 3", "Lưu: VT"],
    )


def recognition_content(
    commune_name: str,
    year: int,
    initiatives: Sequence[dict[str, Any]],
    *,
    council_decision: str | None = None,
) -> DraftContent:
    """The recognition Decision (Quyết định công nhận sáng kiến) of ``year``.

    ``initiatives``: dicts with ``title``, ``authors`` (str or list), ``office``, ``field``
    and ``score`` (a number or None), in the order of the appendix.
    ``council_decision``: e.g. "Quyết định số 03/QĐ-UBND ngày 10/9/2025 của Chủ tịch UBND
    xã về việc thành lập Hội đồng ..." becomes a basis when given.
    """
    rows = []
    for i, item in enumerate(initiatives, start=1):
        authors = item.get("authors", "")
        if not isinstance(authors, str):
            authors = ", ".join(authors)
        score = item.get("score")
        rows.append(
            [
                i,
                item.get("title", ""),
                authors,
                item.get("office", ""),
                item.get("field", ""),
                # A number, not text: the table aligns it right and gives every score
                # the same decimals (80,0 beside 80,5).
                round(float(score), 2) if score is not None else "",
            ]
        )
    city = _is_city(commune_name)
    level = level_word(commune_name)
    bases = [BASIS_LOCAL_GOVERNMENT, BASIS_DECREE_13, BASIS_CIRCULAR_18]
    if council_decision:
        bases.append(f"Căn cứ {council_decision};")
    bases.append(
        "Theo đề nghị của Hội đồng đánh giá sáng kiến cải cách hành chính "
        f"{_place(commune_name)} và {standing_office(commune_name)}."
    )
    count = f"{len(rows):02d}"
    listed = ""
    if len(rows) <= LISTED_IN_ARTICLE:
        # A short list is named in the article itself, as offices write it.
        listed = ", gồm: " + "; ".join(f"“{row[1]}” ({row[3]})" for row in rows)
    if city:
        # The city recognises what the communes nominated: its use is to spread them.
        use = (
            f"Các sáng kiến được công nhận là căn cứ để xét thi đua, khen thưởng năm {year}; "
            "các xã, phường, đặc khu trên địa bàn thành phố nghiên cứu, nhân rộng áp dụng. "
            "Quyết định này có hiệu lực kể từ ngày ký."
        )
        who = "Chủ tịch UBND các xã, phường, đặc khu và các tác giả có sáng kiến tại Điều 1"
    else:
        use = (
            "Các sáng kiến được công nhận là căn cứ để xét thi đua, khen thưởng năm "
            f"{year} và để lựa chọn đề nghị công nhận sáng kiến cấp thành phố theo quy định. "
            "Quyết định này có hiệu lực kể từ ngày ký."
        )
        who = "các tác giả có sáng kiến tại Điều 1"
    columns = list(RECOGNITION_COLUMNS)
    if city:
        columns[3] = "Đơn vị đề nghị"
    return DraftContent(
        summary=f"Về việc công nhận sáng kiến cải cách hành chính {level} năm {year}",
        bases=bases,
        articles=[
            f"Công nhận {count} sáng kiến cải cách hành chính {level} năm {year} "
            f"(có danh sách kèm theo){listed}.",
            use,
            _executors(commune_name, who),
        ],
        recipients=[
            "Như Điều 3",
            _leaders(commune_name),
            _archive(commune_name),
        ],
        appendix_title=(
            f"DANH SÁCH SÁNG KIẾN CẢI CÁCH HÀNH CHÍNH {level.upper()} ĐƯỢC CÔNG NHẬN NĂM {year}"
            if city
            else f"DANH SÁCH SÁNG KIẾN CẢI CÁCH HÀNH CHÍNH ĐƯỢC CÔNG NHẬN NĂM {year}"
        ),
        appendix_columns=columns,
        appendix_widths=list(RECOGNITION_WIDTHS),
        appendix_rows=rows,
        locked_articles=1,
    )


def council_establishment_content(
    commune_name: str, year: int, members: Sequence[dict[str, Any]]
) -> DraftContent:
    """The Decision establishing the evaluation council (Hội đồng đánh giá sáng kiến).

    ``members``: dicts with ``name``, ``position`` (chức vụ) and ``role`` ("Chủ tịch Hội
    đồng", "Thư ký", "Ủy viên" ...), in the order they are listed in Điều 1.
    """
    council = f"Hội đồng đánh giá sáng kiến cải cách hành chính {_place(commune_name)} năm {year}"
    proposers = (
        "Ủy ban nhân dân các xã, phường, đặc khu"
        if _is_city(commune_name)
        else "các cơ quan, đơn vị"
    )
    lines = [
        f"{i}. Ông (bà) {m.get('name', '')}"
        + (f", {m['position']}" if m.get("position") else "")
        + f" - {m.get('role', '')};"
        for i, m in enumerate(members, start=1)
    ]
    if lines:
        lines[-1] = lines[-1].rstrip(";") + "."
    return DraftContent(
        summary=f"Về việc thành lập {council}",
        bases=[
            BASIS_LOCAL_GOVERNMENT,
            BASIS_DECREE_13,
            BASIS_CIRCULAR_18,
            f"Theo đề nghị của {standing_office(commune_name)}.",
        ],
        articles=[
            f"Thành lập {council} (sau đây gọi tắt là Hội đồng), gồm các ông (bà) có tên "
            "sau:\n" + "\n".join(lines),
            "Hội đồng có nhiệm vụ đánh giá hiệu quả áp dụng và khả năng nhân rộng của các "
            f"sáng kiến do {proposers} đề nghị; tổng hợp kết quả, đề xuất Chủ tịch Ủy "
            f"ban nhân dân {unit_word(commune_name)} xem xét, công nhận theo quy định. Hội đồng "
            "tự giải thể sau khi hoàn thành nhiệm vụ. Quyết định này có hiệu lực kể từ ngày ký.",
            _executors(commune_name, "các ông (bà) có tên tại Điều 1"),
        ],
        recipients=["Như Điều 3", _leaders(commune_name), _archive(commune_name)],
        locked_articles=1,
    )


NOMINATION_COLUMNS = [
    "TT",
    "Tên sáng kiến",
    "Tác giả",
    "Đơn vị",
    "Lĩnh vực",
    "Nội dung, giải pháp",
    "Hiệu quả, khả năng nhân rộng",
]


def nomination_content(
    commune_name: str,
    city_name: str,
    year: int,
    initiatives: Sequence[dict[str, Any]],
    *,
    recognition_decision: str | None = None,
) -> DraftContent:
    """The Tờ trình to the city asking it to recognise the commune's best initiatives (seed
    002: "lựa chọn những sáng kiến tiêu biểu ... trình công nhận ... cấp thành phố").

    ``initiatives``: dicts with ``title``, ``authors`` (str or list), ``office``, ``field``,
    ``solution`` and ``effectiveness`` (the description's texts). ``city_name``: e.g.
    "Thành phố Hải Phòng". ``recognition_decision``: e.g. "Quyết định số 12/QĐ-UBND ngày
    30/9/2025 của Chủ tịch UBND xã ..." (the commune-level recognition), cited when given.
    """
    rows = []
    for i, item in enumerate(initiatives, start=1):
        authors = item.get("authors", "")
        if not isinstance(authors, str):
            authors = ", ".join(authors)
        rows.append(
            [
                i,
                item.get("title", ""),
                authors,
                item.get("office", ""),
                item.get("field", ""),
                item.get("solution", ""),
                item.get("effectiveness", ""),
            ]
        )
    place = _place(commune_name)
    city = city_name[:1].lower() + city_name[1:] if city_name else "thành phố"
    bases = [BASIS_DECREE_13]
    if recognition_decision:
        bases.append(f"Căn cứ {recognition_decision}")
    count = f"{len(rows):02d}"
    recognised = (
        f"theo {recognition_decision}" if recognition_decision else "theo quyết định của Chủ tịch"
    )
    return DraftContent(
        summary=(
            "Về việc đề nghị công nhận hiệu quả áp dụng và khả năng nhân rộng của sáng kiến "
            f"cải cách hành chính năm {year}"
        ),
        addressee=f"Ủy ban nhân dân {city}",
        bases=bases,
        articles=[
            f"Thực hiện chỉ đạo của Ủy ban nhân dân {city} về nghiên cứu, đề xuất sáng kiến "
            f"cải cách hành chính, Ủy ban nhân dân {place} đã tổ chức đánh giá và công nhận "
            f"sáng kiến cải cách hành chính cấp xã năm {year} {recognised}.",
            f"Trên cơ sở kết quả đánh giá của Hội đồng, Ủy ban nhân dân {place} lựa chọn "
            f"{count} sáng kiến tiêu biểu, có hiệu quả áp dụng và khả năng nhân rộng (báo cáo "
            "mô tả tóm tắt tại Phụ lục kèm theo).",
            f"Ủy ban nhân dân {place} kính trình Ủy ban nhân dân {city} xem xét, công nhận "
            "hiệu quả áp dụng và khả năng nhân rộng cấp thành phố đối với các sáng kiến "
            "nêu trên./.",
        ],
        recipients=["Như trên", "Sở Nội vụ", _leaders(commune_name), "Lưu: VT, VHXH"],
        appendix_title="MÔ TẢ TÓM TẮT CÁC SÁNG KIẾN ĐỀ NGHỊ CÔNG NHẬN CẤP THÀNH PHỐ",
        appendix_columns=list(NOMINATION_COLUMNS),
        appendix_rows=rows,
        competence=Competence.COMMITTEE,
        symbol="TTr-UBND",
        locked_articles=2,
    )


QUOTES = "“”\"' "
PLAN_COLUMNS = ["Mã", "Nội dung nhiệm vụ", "Chủ trì", "Phối hợp", "Thời gian"]
PLAN_WIDTHS = [1.1, 7.5, 2.4, 3, 2]


def plan_content(
    commune_name: str,
    title: str,
    theme: str,
    objectives: Sequence[str],
    tasks: Sequence[Sequence[str]],
) -> DraftContent:
    """The CCHC plan (Kế hoạch, seed 001) issued by the committee: its theme and objectives
    in the text, its tasks (code, content, lead, coordinating offices, time) in the appendix.

    ``title``: e.g. "Cải cách hành chính nhà nước 6 tháng cuối năm 2025 trên địa bàn xã Chí
    Minh"; ``objectives``: their texts, in order.
    """
    place = _place(commune_name)
    locked = ["I. MỤC TIÊU"]
    locked += [f"{i}. {text.strip().rstrip('.')}." for i, text in enumerate(objectives, start=1)]
    locked += [
        "II. NHIỆM VỤ CỤ THỂ",
        "Các nhiệm vụ cụ thể, đơn vị chủ trì, đơn vị phối hợp và thời gian thực hiện "
        f"({len(tasks)} nhiệm vụ) tại Phụ lục kèm theo Kế hoạch này.",
    ]
    bases = [
        f"Ủy ban nhân dân {place} ban hành Kế hoạch {title[:1].lower() + title[1:]} như sau:",
    ]
    theme = theme.strip().strip(QUOTES)
    if theme:
        bases.append(f"Chủ đề: “{theme}”.")
    return DraftContent(
        summary=title,
        bases=bases,
        articles=[
            *locked,
            "III. TỔ CHỨC THỰC HIỆN",
            "Thủ trưởng các cơ quan, đơn vị căn cứ Kế hoạch này xây dựng kế hoạch của đơn vị, "
            "tổ chức thực hiện, cập nhật tiến độ từng nhiệm vụ trên hệ thống CCHC Web và báo cáo "
            "kết quả hằng tháng trước ngày 20 về Phòng Văn hóa - Xã hội để tổng hợp.",
            f"Trên đây là Kế hoạch {title[:1].lower() + title[1:]}, yêu cầu thủ trưởng các cơ "
            "quan, đơn vị nghiêm túc triển khai thực hiện./.",
        ],
        recipients=[
            "Sở Nội vụ",
            f"Chủ tịch; các Phó Chủ tịch UBND {unit_word(commune_name)}",
            f"Cơ quan chuyên môn, TT phục vụ HCC {unit_word(commune_name)}",
            "Lưu: VT; VHXH",
        ],
        appendix_title="NHIỆM VỤ CỤ THỂ",
        appendix_columns=list(PLAN_COLUMNS),
        appendix_widths=list(PLAN_WIDTHS),
        appendix_rows=[list(row) for row in tasks],
        competence=Competence.COMMITTEE,
        symbol="KH-UBND",
        locked_articles=len(locked),
    )
