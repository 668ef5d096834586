"""The one way an enum-valued column is declared.

``enum_column(State, length=16)`` maps a StrEnum: members in Python (``plan.status`` is a
``PlanStatus``, equal to its value as a string), their values in the database, a VARCHAR of
the same length as before (no DDL of its own); ``one_of("status", State)`` writes the CHECK
constraint the table declares with it, so the database itself refuses any other value.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Enum
from sqlalchemy.orm import MappedColumn, mapped_column


def _values(enum_cls: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in enum_cls]


def enum_column(enum_cls: type[enum.StrEnum], *, length: int, **kwargs: Any) -> MappedColumn:
    """A column holding ``enum_cls`` members: stored as their values (never their names),
    checked by the table's CHECK constraint (``one_of``), not by a type of the database."""
    return mapped_column(
        Enum(
            enum_cls,
            native_enum=False,
            create_constraint=False,  # the table's named CHECK constraint says it
            length=length,
            values_callable=_values,
            # A filter typed into a URL (?status=x) compares as plain text and finds nothing;
            # storing such a value is refused by the CHECK constraint.
            validate_strings=False,
        ),
        **kwargs,
    )


def one_of(column: str, values: Iterable[Any]) -> str:
    """``status IN ('draft', 'active')``: the SQL of a CHECK constraint on a closed list."""
    return f"{column} IN (" + ", ".join(f"'{getattr(v, 'value', v)}'" for v in values) + ")"
