"""Draft providers: what a new Decision of each kind is pre-filled with.

This module knows nothing about initiatives or councils. The module that does registers a
provider for its kind at import time, e.g. the initiatives module (a ten-line adapter)::

    register_draft_provider(
        DecisionKind.INITIATIVE_RECOGNITION, "Công nhận sáng kiến",
        build=lambda round_id: texts.recognition_content(..., initiatives=[...]),
        subject_type="initiative_round", subjects=lambda: [(r.id, r.label) for r in rounds],
    )

A provider for the kind "other" (a blank Decision) is registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import Competence, DecisionKind


@dataclass
class DraftContent:
    """The editable content of a Decision; every list holds plain strings (appendix rows:
    lists of str/int/float cells)."""

    summary: str = ""
    addressee: str = ""  # a Tờ trình's "Kính gửi"
    bases: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    appendix_title: str = ""
    appendix_columns: list[str] = field(default_factory=list)
    appendix_widths: list[float] = field(default_factory=list)
    appendix_rows: list[list] = field(default_factory=list)
    competence: Competence = Competence.CHAIRMAN
    symbol: str = "QĐ-UBND"


@dataclass(frozen=True)
class DraftProvider:
    kind: DecisionKind
    label: str
    #: Builds the content for one subject (``None`` when the kind has no subject).
    build: Callable[[int | None], DraftContent]
    #: What ``subject_id`` points at ("council", "initiative_round"); None: no subject.
    subject_type: str | None = None
    #: The subjects the secretariat may choose from: ``[(id, label), ...]``.
    subjects: Callable[[], list[tuple[int, str]]] | None = None

    def subject_choices(self) -> list[tuple[int, str]]:
        return self.subjects() if self.subjects else []


_PROVIDERS: dict[str, DraftProvider] = {}


def register_draft_provider(
    kind: DecisionKind | str,
    label: str,
    build: Callable[[int | None], DraftContent],
    *,
    subject_type: str | None = None,
    subjects: Callable[[], list[tuple[int, str]]] | None = None,
) -> DraftProvider:
    """Register (or replace) the provider of ``kind``; the last registration wins."""
    provider = DraftProvider(DecisionKind(kind), label, build, subject_type, subjects)
    _PROVIDERS[provider.kind.value] = provider
    return provider


def unregister_draft_provider(kind: DecisionKind | str) -> None:
    _PROVIDERS.pop(DecisionKind(kind).value, None)


def draft_provider(kind: DecisionKind | str) -> DraftProvider | None:
    return _PROVIDERS.get(str(kind))


def draft_providers() -> list[DraftProvider]:
    order = list(DecisionKind)
    return sorted(_PROVIDERS.values(), key=lambda p: order.index(p.kind))


def _blank(_subject_id: int | None) -> DraftContent:
    from ..models import Commune
    from .texts import blank_content

    commune = Commune.current()
    return blank_content(commune.name if commune else "")


register_draft_provider(DecisionKind.OTHER, "Quyết định khác", _blank)
