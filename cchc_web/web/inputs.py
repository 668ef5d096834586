"""What the app accepts from a request before any view sees it.

* NUL and the other C0 control characters except tab, line feed and carriage return are
  dropped from query and form keys and values: PostgreSQL cannot store NUL in text ("A string
  literal cannot contain NUL (0x00) characters"), Excel and XML files cannot hold the others
  (openpyxl's IllegalCharacterError in every export), and no user types them.
* Keys and values are NFC (what some keyboards send decomposed is stored composed; the
  models store every string NFC too, models/search.py).
* Ids are database integers: ``<int:...>`` URL parts, ``request.args.get(..., type=int)`` and
  :func:`db_int` refuse what a 32-bit INTEGER column cannot hold, so 99999999999999999999
  is a 404 or "not chosen" rather than an overflow in the driver (SQLite) or the server
  (PostgreSQL).
* A URL part with a NUL in it matches no route (404).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, UnicodeConverter

from ..text import nfc

#: What text typed by a person never contains, and an .xlsx/.docx cannot store.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_DB_INT = 2**31 - 1
MIN_DB_INT = -(2**31)


def in_db_range(value: int) -> bool:
    return MIN_DB_INT <= value <= MAX_DB_INT


def db_int(value: Any) -> int:
    """``int(value)`` for a value bound for an INTEGER column; ValueError if it cannot be one
    (not a number, or out of range)."""
    number = int(value)
    if not in_db_range(number):
        raise ValueError(f"{value!r} is outside the database integer range")
    return number


def optional_db_int(text: str | None) -> int | None:
    """The id written in a hidden field or a key ("12"), or None if it is not one."""
    try:
        return db_int(text) if text and text.isdecimal() else None
    except ValueError:
        return None


def strip_control(text: str) -> str:
    """``text`` without NUL and the C0 control characters other than tab, LF and CR."""
    return CONTROL_CHARACTERS.sub("", text)


def _clean(value: Any) -> Any:
    """NFC without control characters (cchc_web/text): what is typed in decomposed Unicode
    (NFD, sent by some Vietnamese keyboards) reaches every form and query as NFC."""
    return nfc(strip_control(value)) if isinstance(value, str) else value


class InputDict(ImmutableMultiDict):
    """Query and form parameters without control characters; an int-typed ``get`` that only returns
    values a database INTEGER holds (anything else gives the default, like a non-number)."""

    def __init__(self, mapping=None) -> None:
        if mapping is not None and not isinstance(mapping, dict):  # MultiDict is a dict
            mapping = [(_clean(k), _clean(v)) for k, v in mapping]
        super().__init__(mapping)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and value is not default:
            return value if in_db_range(value) else default
        return value


class InputRequest(Request):
    parameter_storage_class = InputDict


class IdConverter(IntegerConverter):
    """``<int:...>``: a positive id that fits an INTEGER column, else no match (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_DB_INT, signed=False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits, min, max, signed)


class TextConverter(UnicodeConverter):
    """The default ``<name>`` converter, refusing NUL."""

    def __init__(self, map, minlength=1, maxlength=None, length=None) -> None:
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]", 1)


def init_app(app: Flask) -> None:
    """Before any route is added: the converters are bound when a rule is."""
    app.request_class = InputRequest
    app.url_map.converters.update(int=IdConverter, default=TextConverter, string=TextConverter)
