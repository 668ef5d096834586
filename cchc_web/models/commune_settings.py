"""A commune's own settings (issue 20, item 2), read and written through this one module.

Every tenant keeps them in ``Commune.settings`` (JSON). Nothing else reads that dictionary's
keys: the pages, forms, services and documents ask `current()` (the request's commune) or
`of(commune)` for a typed `CommuneSettings`. A key that is absent (every commune before this
module, and a new one) means today's behaviour, so defaults change nothing:

- ``plan_fields``: the reform fields of the plans, ``[[code, label], …]`` in the order of
  the plan. Codes are the seven statutory fields of `models.plans.FIELDS` (the tasks table
  only accepts those); a commune may leave some out, reorder them and name them its way.
- ``initiative_fields``: the fields a round of initiatives may open (Xã Chí Minh's call lists
  six, Phường Gia Viên's a) to h)), ``[[code, label], …]``; codes are free (a–z, 0–9, _).
- ``former_fields``: ``{"plan": {code: label}, "initiative": {code: label}}``: the labels of
  fields taken out of the lists above, so that the records that still carry them keep showing
  their name (kept by `updated`, never edited by hand).
- ``report_start_day``: the day reporting periods start (2–28, the 15th by default) and
  ``report_deadline_day``: the day a report is due (from the start day to the 28th, the 20th
  by default: the deadline falls after the period's end).
- ``round_submission`` and ``round_decision``: ``[day, month]`` of a new round's deadlines
  (20/9 and 30/9 by default); a round keeps its own dates once created.
- ``rubric``: the score sheet a new round copies (`models.initiatives.DEFAULT_RUBRIC` by
  default); a round keeps its own copy, so changing it never rescores the past.
- ``issuer_lines``: the issuer lines of the committee's documents (ND 30), e.g.
  ``["ỦY BAN NHÂN DÂN", "ĐẶC KHU BẠCH LONG VĨ"]``; by default "ỦY BAN NHÂN DÂN" and the
  commune's name in capitals.
- ``secretariat_office``: the office code of the standing secretariat (VHXH, SNV at the city).

The name and the kind (xã / phường / đặc khu) are columns of `Commune`; the offices are rows
(Quản trị › Đơn vị), the signing certificates too (Quản trị › Chứng thư số): both are per
commune through core/tenancy.py.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..core import cache, tenancy
from ..core.extensions import db
from .initiatives import DEFAULT_RUBRIC, INITIATIVE_FIELDS
from .org import Commune
from .plans import FIELDS

COMMITTEE_LINE = "ỦY BAN NHÂN DÂN"
DEFAULT_REPORT_START_DAY = 15  # the Ministry's windows: 15/(M-1) → 14/M
DEFAULT_REPORT_DEADLINE_DAY = 20  # a report is due before the 20th (seed 004 §7)
DEFAULT_SUBMISSION = (20, 9)  # hạn nộp sáng kiến: 20/9 (Xã Chí Minh); Phường Gia Viên 25/9
DEFAULT_DECISION = (30, 9)  # hạn Quyết định công nhận: 30/9
MIN_START_DAY, MAX_START_DAY = 2, 28

KEYS = (
    "plan_fields",
    "initiative_fields",
    "former_fields",
    "report_start_day",
    "report_deadline_day",
    "round_submission",
    "round_decision",
    "rubric",
    "issuer_lines",
    "secretariat_office",
)


def _pairs(value: Any, fallback: dict[str, str]) -> dict[str, str]:
    if not isinstance(value, list) or not value:
        return dict(fallback)
    found = {}
    for item in value:
        pair = isinstance(item, list | tuple) and len(item) == 2
        if pair and all(isinstance(x, str) and x for x in item):
            found[item[0]] = item[1]
    return found or dict(fallback)


def _day_month(value: Any, fallback: tuple[int, int]) -> tuple[int, int]:
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(x, int) for x in value)
        and 1 <= value[1] <= 12
        and 1 <= value[0] <= calendar.monthrange(2001, value[1])[1]
    ):
        return value[0], value[1]
    return fallback


def day_in(year: int, day_month: tuple[int, int]) -> date:
    """The date of (day, month) in `year`; 29/2 of a common year is the 28th."""
    day, month = day_month
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class CommuneSettings:
    """What one commune has set, with today's behaviour wherever it has set nothing."""

    name: str = ""
    plan_fields: dict[str, str] = field(default_factory=lambda: dict(FIELDS))
    initiative_fields: dict[str, str] = field(default_factory=lambda: dict(INITIATIVE_FIELDS))
    former_plan_fields: dict[str, str] = field(default_factory=dict)
    former_initiative_fields: dict[str, str] = field(default_factory=dict)
    report_start_day: int = DEFAULT_REPORT_START_DAY
    report_deadline_day: int = DEFAULT_REPORT_DEADLINE_DAY
    round_submission: tuple[int, int] = DEFAULT_SUBMISSION
    round_decision: tuple[int, int] = DEFAULT_DECISION
    rubric: list[dict] = field(default_factory=lambda: [dict(c) for c in DEFAULT_RUBRIC])
    issuer_lines_set: tuple[str, ...] = ()
    secretariat_office: str = "VHXH"

    # -- fields ---------------------------------------------------------------------------
    def plan_field_label(self, code: str) -> str:
        """The name of a reform field, configured or not any more (a task of an old plan)."""
        return (
            self.plan_fields.get(code)
            or self.former_plan_fields.get(code)
            or FIELDS.get(code)
            or code
        )

    def initiative_field_label(self, code: str) -> str:
        return (
            self.initiative_fields.get(code)
            or self.former_initiative_fields.get(code)
            or INITIATIVE_FIELDS.get(code)
            or code
        )

    def plan_fields_with(self, codes) -> dict[str, str]:
        """The configured reform fields, then those of `codes` no longer configured (the
        records that carry them are still shown, under their name)."""
        shown = dict(self.plan_fields)
        for code in codes:
            if code not in shown:
                shown[code] = self.plan_field_label(code)
        return shown

    def initiative_fields_with(self, codes) -> dict[str, str]:
        shown = dict(self.initiative_fields)
        for code in codes:
            if code not in shown:
                shown[code] = self.initiative_field_label(code)
        return shown

    def plan_field_numbers(self) -> dict[str, int]:
        return {code: n for n, code in enumerate(self.plan_fields, start=1)}

    # -- rounds -----------------------------------------------------------------------------
    def round_deadlines(self, year: int) -> tuple[date, date]:
        """A new round's submission and decision deadlines in `year`."""
        return day_in(year, self.round_submission), day_in(year, self.round_decision)

    # -- documents --------------------------------------------------------------------------
    @property
    def issuer_lines(self) -> list[str]:
        """The committee as issuer: "ỦY BAN NHÂN DÂN / XÃ CHÍ MINH", or the lines set."""
        if self.issuer_lines_set:
            return list(self.issuer_lines_set)
        return [COMMITTEE_LINE, self.name.upper()] if self.name else [COMMITTEE_LINE]

    @property
    def issuer_name(self) -> str:
        """What the documents print after "ỦY BAN NHÂN DÂN" (the authority line, an office's
        parent line): the commune's name, or the lines set after the committee's."""
        lines = self.issuer_lines_set
        if not lines:
            return self.name
        if len(lines) > 1 and lines[0].upper() == COMMITTEE_LINE:
            return " ".join(lines[1:])
        return " ".join(lines)


_CACHE = "_typed_settings"


def of(commune: Commune | None) -> CommuneSettings:
    """The typed settings of `commune` (None: every default). Asked for every row of a list
    (a task's field name): remembered on the commune until its settings or name change
    (settings are replaced, never edited in place: `updated`)."""
    if commune is None:
        return CommuneSettings()
    raw, about = commune.settings, (commune.name, commune.kind)
    cached = commune.__dict__.get(_CACHE)
    if cached is not None and cached[0] is raw and cached[1] == about:
        return cached[2]
    found = _parse(commune)
    commune.__dict__[_CACHE] = (raw, about, found)  # holds `raw`: its identity stays its own
    return found


def _parse(commune) -> CommuneSettings:
    raw = commune.settings or {}
    former = raw.get("former_fields") if isinstance(raw.get("former_fields"), dict) else {}
    day = raw.get("report_start_day")
    day = day if isinstance(day, int) and MIN_START_DAY <= day <= MAX_START_DAY else None
    due = raw.get("report_deadline_day")
    start = day or DEFAULT_REPORT_START_DAY
    due = due if isinstance(due, int) and start <= due <= MAX_START_DAY else None
    rubric = raw.get("rubric")
    lines = raw.get("issuer_lines")
    return CommuneSettings(
        name=commune.name,
        plan_fields={
            c: label for c, label in _pairs(raw.get("plan_fields"), FIELDS).items() if c in FIELDS
        }
        or dict(FIELDS),
        initiative_fields=_pairs(raw.get("initiative_fields"), INITIATIVE_FIELDS),
        former_plan_fields=dict(former.get("plan") or {}),
        former_initiative_fields=dict(former.get("initiative") or {}),
        report_start_day=start,
        report_deadline_day=due or max(DEFAULT_REPORT_DEADLINE_DAY, start),
        round_submission=_day_month(raw.get("round_submission"), DEFAULT_SUBMISSION),
        round_decision=_day_month(raw.get("round_decision"), DEFAULT_DECISION),
        rubric=[dict(c) for c in rubric]
        if isinstance(rubric, list) and rubric and all(isinstance(c, dict) for c in rubric)
        else [dict(c) for c in DEFAULT_RUBRIC],
        issuer_lines_set=tuple(x for x in lines if isinstance(x, str) and x.strip())
        if isinstance(lines, list)
        else (),
        secretariat_office=commune.secretariat_office_code,
    )


_SESSION_KEY = "cchc_commune_settings"


def current() -> CommuneSettings:
    """The settings of the request's commune (`Commune.current()`). Asked on most pages (a
    field's name, the report day): kept per data version and commune in the fragment cache
    (core/cache.py), so a page reads no commune row for them, and per unit of work in its
    session. A unit of work that has written reads them afresh."""
    session = db.session()
    version = cache.current_version()
    wrote = session.info.get(cache.WROTE_KEY)
    key = (tenancy.commune_id(session), version)
    remembered = session.info.get(_SESSION_KEY)
    if remembered is not None and remembered[0] == key and not wrote:
        return remembered[1]
    if version is None or wrote:
        found = of(Commune.current())
    else:
        found = cache.fragments.get_or_build(("commune-settings",), lambda: of(Commune.current()))
    session.info[_SESSION_KEY] = (key, found)
    return found


def updated(commune: Commune, **values: Any) -> dict:
    """`commune.settings` with `values` set (a value None removes its key: the default
    again), keeping the labels of fields taken out of the lists (``former_fields``). The
    caller assigns the result (a new dictionary: JSON columns see replacement, not edits)."""
    unknown = set(values) - set(KEYS)
    if unknown:
        raise KeyError(f"unknown commune settings: {sorted(unknown)}")
    before = of(commune)
    result = dict(commune.settings or {})
    former = {k: dict(v) for k, v in (result.get("former_fields") or {}).items()}
    for key, value in values.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    after = _parse(_Detached(commune.name, commune.kind, result))
    for kind, old, new in (
        ("plan", before.plan_fields, after.plan_fields),
        ("initiative", before.initiative_fields, after.initiative_fields),
    ):
        kept = former.setdefault(kind, {})
        for code, label in old.items():
            if code not in new:
                kept[code] = label
        for code in new:
            kept.pop(code, None)
    former = {k: v for k, v in former.items() if v}
    if former:
        result["former_fields"] = former
    else:
        result.pop("former_fields", None)
    return result


@dataclass
class _Detached:
    """Enough of a commune to read settings that are not saved yet."""

    name: str
    kind: Any
    settings: dict

    @property
    def secretariat_office_code(self) -> str:
        return self.settings.get("secretariat_office") or (
            "SNV" if self.kind == "thanh_pho" else "VHXH"
        )


def as_json(settings: CommuneSettings) -> dict:
    """The settings as stored (every key explicit): the audit log's before/after."""
    return {
        "plan_fields": [[c, label] for c, label in settings.plan_fields.items()],
        "initiative_fields": [[c, label] for c, label in settings.initiative_fields.items()],
        "report_start_day": settings.report_start_day,
        "report_deadline_day": settings.report_deadline_day,
        "round_submission": list(settings.round_submission),
        "round_decision": list(settings.round_decision),
        "rubric": settings.rubric,
        "issuer_lines": list(settings.issuer_lines_set),
        "secretariat_office": settings.secretariat_office,
    }
