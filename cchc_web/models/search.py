"""What is stored is NFC, and every searchable record carries its folded search key.

One mechanism for the whole application, on every flush of every session (forms, importers,
the command line, the demo): each new or changed string of a record (its JSON lists too) is
stored in NFC, and a `Searchable` record whose searched fields changed gets its `search_key`
again: " <title words> ~ <other words> ", folded and with the abbreviations spelt out
(cchc_web/text). The key starts and ends with a space, so `LIKE '% word%'` finds a word by its
beginning; "~" (never in a folded text) separates the title from the rest, so
`LIKE '% word% ~%'` tells a title match. PostgreSQL indexes the key with trigrams
(migration 0012_search); on SQLite the LIKE runs over the one column inside the database.

Bulk inserts (`insert(Model)` with rows) pass no flush event: call `refresh_keys` after them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Select,
    String,
    Text,
    and_,
    case,
    event,
    false,
    inspect,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..text import Query, canonical, nfc, nfc_deep

#: Folded characters kept of the text besides the title: enough for a few pages of solution.
REST_LIMIT = 4000
SEPARATOR = "~"


def search_key(title: str, rest: str = "") -> str:
    """The stored form: " title words ~ other words "."""
    rest_words = canonical(rest)
    if len(rest_words) > REST_LIMIT:
        rest_words = rest_words[:REST_LIMIT].rsplit(" ", 1)[0]  # no word cut in two
    return " ".join(["", canonical(title), SEPARATOR, rest_words, ""]).replace("  ", " ")


class Searchable:
    """A record found by the search boxes: `search_parts` says what its title and its other
    searched text are, from the columns named in `search_fields`."""

    search_fields: tuple[str, ...] = ()
    search_key: Mapped[str] = mapped_column(Text, default=" ~ ", server_default=" ~ ")

    def search_parts(self) -> tuple[str, str]:
        raise NotImplementedError

    def refresh_search_key(self) -> None:
        title, rest = self.search_parts()
        self.search_key = search_key(title, rest)


def _string_columns(mapper) -> list[str]:
    names = []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if attr.key != "search_key" and isinstance(column.type, String | Text | JSON):
            names.append(attr.key)
    return names


_COLUMNS: dict[type, list[str]] = {}


@event.listens_for(Session, "before_flush")
def _normalise_and_index(session: Session, _context, _instances) -> None:
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        if state.mapper.class_ not in _COLUMNS:
            _COLUMNS[state.mapper.class_] = _string_columns(state.mapper)
        new = state.key is None
        for name in _COLUMNS[state.mapper.class_]:
            if not new and not state.attrs[name].history.added:
                continue
            value = state.dict.get(name)
            if type(value) is str or isinstance(value, list | dict):
                normal = nfc(value) if type(value) is str else nfc_deep(value)
                if normal != value:
                    setattr(obj, name, normal)
        if isinstance(obj, Searchable) and (
            new or any(state.attrs[f].history.has_changes() for f in obj.search_fields)
        ):
            obj.refresh_search_key()


def refresh_keys(session: Session, model: type[Searchable], *, batch: int = 500) -> int:
    """Every row's key again (after a bulk insert, or by the migration's data step)."""
    count = 0
    last = 0
    while True:
        rows = session.scalars(
            select(model).where(model.id > last).order_by(model.id).limit(batch)
        ).all()
        if not rows:
            return count
        for row in rows:
            row.refresh_search_key()
        session.flush()
        count += len(rows)
        last = rows[-1].id


# -- querying ----------------------------------------------------------------------------------
def _like(text: str) -> str:
    """`text` for a LIKE pattern: its wildcards and the escape character taken literally
    (a folded term has none, but a pattern is never built from unescaped text)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches(model: type[Searchable], query: Query):
    """(condition, rank) of a query on a model's key: every term found at the start of a word;
    the whole query as typed in the title first, then in the rest, then the number of terms
    found in the title."""
    key = model.search_key
    if not query.terms:
        return false(), literal(0)

    def word(term: str) -> str:
        """A term as a whole word, or the beginning of one for the last word typed."""
        return f"{_like(term)}%" if term == query.prefix else f"{_like(term)} %"

    conditions = [key.like(f"% {word(t)}", escape="\\") for t in query.terms]
    phrase = " ".join(_like(t) for t in query.terms[:-1]) + " " + word(query.terms[-1])
    rank = case(
        (key.like(f"% {phrase.strip()}{SEPARATOR}%", escape="\\"), 20),
        (key.like(f"% {phrase.strip()}", escape="\\"), 10),
        else_=0,
    )
    for term in query.terms:
        rank = rank + case((key.like(f"% {word(term)}{SEPARATOR}%", escape="\\"), 1), else_=0)
    return and_(*conditions), rank


def searched(stmt: Select, model: type[Searchable], query: Query | None) -> Select:
    """`stmt` narrowed to what the query finds, best first (unchanged without a query; nothing
    for a query refused as it was typed)."""
    if query is None or (not query.terms and not query.error):
        return stmt
    condition, rank = matches(model, query)
    return stmt.where(condition).order_by(None).order_by(rank.desc(), model.id.desc())
