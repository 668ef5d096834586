"""Who issues and who signs (Nghị định 30/2020/NĐ-CP, Phụ lục I): the issuer lines at the top
left and the capacity lines of the signature block, for every document of the system.

Plain strings in, plain strings out: the callers pass the commune's and the office's names.
"""

from __future__ import annotations

#: The competences of SPEC §6 (the values of ``models.Competence``).
CHAIRMAN = "chairman"  # the Chairman decides in his own competence: "CHỦ TỊCH"
COMMITTEE = "committee"  # the committee's collective documents: "TM. ỦY BAN NHÂN DÂN"

COMMITTEE_LINE = "ỦY BAN NHÂN DÂN"
#: An issuer line longer than this is broken in two (the left column holds about 26 capitals
#: of 13 pt bold): "VĂN PHÒNG HĐND VÀ UBND" fits, a long office name is balanced on two lines.
LINE_WIDTH = 26
_LOCAL_UNITS = ("XÃ", "PHƯỜNG", "THỊ TRẤN", "ĐẶC KHU")


def committee_issuer(commune_name: str) -> list[str]:
    """ "ỦY BAN NHÂN DÂN / XÃ CHÍ MINH": the People's Committee as issuer."""
    return [COMMITTEE_LINE, commune_name.upper()] if commune_name else [COMMITTEE_LINE]


def _balanced(text: str) -> list[str]:
    """One line if it fits, else two at the word break nearest the middle (before "VÀ" when
    there is one: "VĂN PHÒNG HĐND / VÀ UBND")."""
    if len(text) <= LINE_WIDTH:
        return [text]
    words = text.split()
    if "VÀ" in words[1:]:
        cut = words.index("VÀ", 1)
        return [" ".join(words[:cut]), " ".join(words[cut:])]
    best = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return [" ".join(words[:best]), " ".join(words[best:])]


def office_issuer(office_name: str, commune_name: str) -> tuple[list[str], list[str]]:
    """(parent lines, issuer lines) of an office's own document: "UBND XÃ CHÍ MINH" above
    the office in bold. The office's trailing "xã" ("Văn phòng HĐND và UBND xã") is dropped:
    the line above already names the commune."""
    name = office_name.upper().strip()
    for unit in _LOCAL_UNITS:
        if name.endswith(" " + unit):
            name = name[: -len(unit) - 1].rstrip()
    parent = [f"UBND {commune_name.upper()}"] if commune_name else [COMMITTEE_LINE]
    return parent, _balanced(name)


def authority_title(competence: str, commune_name: str) -> str:
    """The line above "QUYẾT ĐỊNH:": "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ CHÍ MINH" for the Chairman's
    own competence, "ỦY BAN NHÂN DÂN XÃ CHÍ MINH" for the committee's."""
    body = f"{COMMITTEE_LINE} {commune_name.upper()}".strip()
    return f"CHỦ TỊCH {body}" if competence == CHAIRMAN else body


def capacity_lines(competence: str, by_vice_chairman: bool) -> list[str]:
    """The signature block's capacity lines (SPEC §6): "CHỦ TỊCH"; a Vice-Chairman signing for
    the Chairman "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"; a committee document starts "TM. ỦY BAN NHÂN
    DÂN" (seed 001 ends "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")."""
    own = ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"] if by_vice_chairman else ["CHỦ TỊCH"]
    if competence == COMMITTEE:
        return [f"TM. {COMMITTEE_LINE}", *own]
    return own


def head_of_office_lines() -> list[str]:
    """An office's report is signed by its head."""
    return ["THỦ TRƯỞNG ĐƠN VỊ"]
