"""E-mail addresses as users type them: checked once, stored trimmed (ASCII ones in lower
case), refused with a Vietnamese message that says what a good one looks like."""

from __future__ import annotations

import re

from .errors import DomainError

# Practical, not RFC 5322 in full: one @, a dot in the domain, no spaces or control characters.
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f.]+(\.[^@\s\x00-\x1f\x7f.]+)+$")
INVALID = "Địa chỉ e-mail không hợp lệ. Hãy nhập dạng ten.nguoidung@chiminh.gov.vn."


def clean_email(text: str | None) -> str:
    """The address to store ("" for none), or a DomainError on the `email` field."""
    address = (text or "").strip()
    if not address:
        return ""
    if len(address) > 254 or not EMAIL.match(address):
        raise DomainError(INVALID, field="email")
    return address.lower() if address.isascii() else address


def valid_email(text: str | None) -> bool:
    try:
        return bool(clean_email(text))
    except DomainError:
        return False
