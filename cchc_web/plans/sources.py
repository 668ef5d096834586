"""Objectives whose monthly values nobody types: a package that computes them (the
satisfaction survey, `sipas/`) sits above the plans and registers how it describes its link;
the plan pages show that description and never import the package (no package cycle)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..models.plans import Objective

Describe = Callable[[Objective], Any]

_describers: list[Describe] = []


def register_source(describe: Describe) -> Describe:
    """``describe(objective)`` → what computes its values (with a ``label``), or None."""
    _describers.append(describe)
    return describe


def source_of(objective: Objective) -> Any:
    """What computes the objective's values, as its package describes it; None when typed."""
    if not objective.is_computed:
        return None
    return next((found for d in _describers if (found := d(objective)) is not None), None)
