"""The password rule applied wherever a password is set: the change form, an administrator's
create or reset, and `flask create-user` (the demo seeder alone keeps its published password).

At least PASSWORD_MIN_LENGTH (12) characters, at most 128; not containing the username; not one
of the common passwords shipped in `data/` (20,000 from Django's list and Vietnamese office
stems), also when only digits and punctuation were added around one (`matkhau@2025!!`); not a
run like 123456789012; at least five different characters.
"""

from __future__ import annotations

import gzip
import string
from functools import lru_cache
from pathlib import Path

from flask import has_app_context

from ..core.settings import setting

DATA = Path(__file__).parent / "data"
MAX_LENGTH = 128
MIN_DISTINCT = 5
_DECORATION = string.digits + string.punctuation + " "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(DATA / "common-passwords.txt.gz", "rt", encoding="utf-8") as f:
        words = {line.strip() for line in f}
    for line in (DATA / "common-passwords-vi.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            words.add(line.strip())
    words.discard("")
    return frozenset(words)


def min_length() -> int:
    return setting("PASSWORD_MIN_LENGTH") if has_app_context() else 12


def password_problem(password: str, username: str = "") -> str | None:
    """Why `password` may not be used (Vietnamese, for the form), or None."""
    shortest = min_length()
    if len(password) < shortest:
        return f"Mật khẩu phải có ít nhất {shortest} ký tự."
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự."
    lowered = password.lower()
    name = username.strip().lower()
    if len(name) >= 3 and (name in lowered or name[::-1] in lowered):
        return "Mật khẩu không được chứa tên đăng nhập."
    core = lowered.strip(_DECORATION)
    common = common_passwords()
    if lowered in common or (core and core in common) or lowered.replace(" ", "") in common:
        return (
            "Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác, ví dụ một câu ngắn "
            "dễ nhớ gồm vài từ."
        )
    if _is_sequence(lowered):
        return "Mật khẩu là một dãy liên tiếp (như 123456789012), rất dễ đoán."
    if len(set(lowered)) < MIN_DISTINCT:
        return f"Mật khẩu cần ít nhất {MIN_DISTINCT} ký tự khác nhau."
    return None


def _is_sequence(text: str) -> bool:
    """1234567890123, 987654321098, abcdefghijklm: every step the same +1 or -1."""
    if text.isdigit():
        steps = {(int(b) - int(a)) % 10 for a, b in zip(text, text[1:], strict=False)}
        return steps in ({1}, {9})
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return steps in ({1}, {-1})
