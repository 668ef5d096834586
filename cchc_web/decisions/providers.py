"""Decision kinds: how a draft of each kind is built from its subject, and what signing does.

This module knows nothing about councils, initiatives or plans. The module that owns a subject
registers its kind once, at import time, with everything the kind needs in one place::

    register_draft_provider(DraftProvider(
        kind=DecisionKind.COUNCIL_ESTABLISHMENT,
        label="Thành lập Hội đồng đánh giá sáng kiến",
        subject_column="council_id",
        subjects=lambda: [(council.id, "Hội đồng năm 2025"), ...],
        build=lambda council_id, selection: Draft(...),    # content from the data
        fingerprint=lambda decision: "...",                # the data as it is now
        validate=lambda decision: None,                    # raise DomainError to refuse
        apply=lambda decision, signer: ...,                # the state change on signing
    ))

``apply`` runs inside the approval's transaction, after the document is numbered and signed:
it is THE place where signing changes what the Decision decides (an initiative becomes
recognised, a council established, a plan active). If it raises, nothing is numbered.
A provider for the kind "other" (a blank Decision, no subject) is registered here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..models import DecisionKind, Role
from .content import DraftContent

if TYPE_CHECKING:
    from ..models import Decision, User


@dataclass(frozen=True)
class Selection:
    """Which of the subject's initiatives a draft names: ``picked`` (a nomination: what the
    leader chose; None: all the subject offers) minus ``dropped`` (id → written reason)."""

    picked: tuple[int, ...] | None = None
    dropped: Mapping[int, str] = field(default_factory=dict)


@dataclass
class Draft:
    """What a provider builds: the content, and the initiatives named, in order, with the
    council's mean score (recognition) when there is one."""

    content: DraftContent
    items: list[tuple[int, float | None]] = field(default_factory=list)
    fingerprint: str = ""
    year: int | None = None


def fingerprint_of(data) -> str:
    """A stable hash of plain data: what a draft was built from."""
    raw = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class DraftProvider:
    kind: DecisionKind
    label: str
    #: Builds the draft of one subject (``None`` when the kind has none).
    build: Callable[[int | None, Selection], Draft]
    #: The Decision's column naming the subject: "council_id", "plan_id", "round_id" or None.
    subject_column: str | None = None
    #: The subjects a new draft may be about: ``[(id, label), ...]``.
    subjects: Callable[[], list[tuple[int, str]]] | None = None
    #: The subject's data now (compared with the draft's ``source_fingerprint``).
    fingerprint: Callable[[Decision], str] | None = None
    #: Raises DomainError when the subject no longer allows the Decision (submit, approval).
    validate: Callable[[Decision], None] | None = None
    #: The state change of signing, in the approval's transaction.
    apply: Callable[[Decision, User], None] | None = None
    #: Who may draft this kind: the secretariat; a nomination also the leaders.
    drafters: frozenset[Role] = frozenset({Role.SECRETARIAT})
    #: The items of the draft may be dropped (with a reason) by the secretariat.
    droppable_items: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", DecisionKind(self.kind))

    def subject_choices(self) -> list[tuple[int, str]]:
        return self.subjects() if self.subjects else []

    def subject_id(self, decision: Decision) -> int | None:
        return getattr(decision, self.subject_column) if self.subject_column else None


_PROVIDERS: dict[str, DraftProvider] = {}


def register_draft_provider(provider: DraftProvider) -> DraftProvider:
    """Register (or replace) the provider of ``provider.kind``; the last registration wins."""
    _PROVIDERS[provider.kind.value] = provider
    return provider


def unregister_draft_provider(kind: DecisionKind | str) -> None:
    _PROVIDERS.pop(DecisionKind(kind).value, None)


def draft_provider(kind: DecisionKind | str) -> DraftProvider | None:
    return _PROVIDERS.get(str(kind))


def draft_providers() -> list[DraftProvider]:
    order = list(DecisionKind)
    return sorted(_PROVIDERS.values(), key=lambda p: order.index(p.kind))


def _blank(_subject_id: int | None, _selection: Selection) -> Draft:
    from ..models import Commune
    from .texts import blank_content

    commune = Commune.current()
    return Draft(blank_content(commune.name if commune else ""))


register_draft_provider(DraftProvider(DecisionKind.OTHER, "Quyết định khác", _blank))
