"""How an initiative fared before its round's council: the council package, which sits above
the initiatives and reads them, registers the one function that knows; the initiatives never
import the council (no package cycle), and show nothing when no council has registered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models import Initiative

ResultOf = Callable[[Initiative], Any]

_result_of: ResultOf | None = None


def register_result_of(function: ResultOf) -> ResultOf:
    """Name ``function`` (initiative → its council result, or None) as the one that knows."""
    global _result_of
    _result_of = function
    return function


def result_of(initiative: Initiative) -> Any:
    """The council's result for ``initiative`` (its points, rank, vote), once scoring has
    closed; None before, or when no council is installed."""
    return _result_of(initiative) if _result_of is not None else None
