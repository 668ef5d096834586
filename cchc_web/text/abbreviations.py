"""The abbreviations of Vietnamese administrative writing, folded, with their words.

Built from the seed documents (the commune's call for initiatives, its CCHC plan, the PAR
Index assignment and the catch-up directive) and the names of the offices and systems they
cite: each of these appears there, abbreviated or spelt out. Only letters that are never a
word of their own: "ai" (who), "kh" or "tt" would turn ordinary words into noise.
"""

from __future__ import annotations

ABBREVIATIONS: dict[str, str] = {
    "tthc": "thu tuc hanh chinh",
    "cchc": "cai cach hanh chinh",
    "cds": "chuyen doi so",
    "dvc": "dich vu cong",
    "dvctt": "dich vu cong truc tuyen",
    "hcc": "hanh chinh cong",
    "ttpvhcc": "trung tam phuc vu hanh chinh cong",
    "bpmc": "bo phan mot cua",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "mttq": "mat tran to quoc",
    "cntt": "cong nghe thong tin",
    "qppl": "quy pham phap luat",
    "vbqppl": "van ban quy pham phap luat",
    "cbcc": "can bo cong chuc",
    "cbccvc": "can bo cong chuc vien chuc",
    "vhxh": "van hoa xa hoi",
    "ktxh": "kinh te xa hoi",
    "csdl": "co so du lieu",
    "ioc": "trung tam dieu hanh thong minh",
}

# The longest expansions first: "dich vu cong truc tuyen" is DVCTT, not DVC + "truc tuyen".
_BY_LENGTH = sorted(ABBREVIATIONS.items(), key=lambda item: -len(item[1]))


def expand(folded: str) -> str:
    """A folded text with every abbreviation replaced by its words."""
    return " ".join(ABBREVIATIONS.get(word, word) for word in folded.split())


def abbreviate(folded: str) -> str:
    """A folded text with every spelt-out phrase replaced by its abbreviation (the other
    direction, used to show both in a highlighted result)."""
    text = f" {folded} "
    for short, words in _BY_LENGTH:
        text = text.replace(f" {words} ", f" {short} ")
    return text.strip()
