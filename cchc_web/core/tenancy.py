"""Tenancy: one deployment for a whole city, every commune its own tenant (issue 20, item 1).

The design
----------
A *commune-owned* table is an aggregate root that carries ``commune_id`` (a foreign key to
``communes``); every other table of a commune is a child, reached only through its root, and
carries no column of its own.

Roots (``commune_id`` NOT NULL unless said):
- ``offices``; ``users`` (NULL: an account of no tenant at all, which only the CLI could
  make; the city level's people belong to the city's own tenant, below);
- ``plans``; ``reports`` (the commune's own report has no office, so it cannot be reached
  through one);
- ``initiative_rounds``; ``initiatives`` (listed across rounds: the emulation page, the
  similarity search); ``councils``;
- ``decisions`` and their per-series counters ``decision_counters`` (the key becomes
  commune, year, symbol: every commune numbers its own 1/QĐ-UBND each year);
- ``par_index_sets``;
- the satisfaction survey's roots: ``sipas_procedure_fields``, ``sipas_counters``,
  ``sipas_kiosks``, ``sipas_versions``, ``sipas_receipts``, ``sipas_responses``,
  ``sipas_feedback``;
- ``signing_certificates`` (a commune's signers);
- ``audit_log`` (its actor's commune, else the request's. A row without an actor or a
  commune, e.g. a sign-in refused to an unknown name, goes to the first commune, whose
  administrator watches the sign-in).

Children, through their root: ``user_roles`` (user); tasks, task offices, task updates and
their files, objectives and their values and revisions (plan); report comments (report);
initiative authors, files and reopenings (initiative or round); council members and scores
(council); decision items (decision); PAR Index items, self-scores and appraisals (set); the
questionnaire's aspects and questions (version), answers and corrections (response), the
objective–field links (objective); ``attachments`` and ``stored_files`` (the row that links the
file). Checked with two communes (tests/test_tenancy.py), the routes do *not* all reach a child
through its root: many load it by its own id (``get_or_404(Task, task_id)``, a PAR Index item,
a self-score, a council member) and only then follow its parent, which answered 500 (the
scoped parent is None) or even 200 (a PAR item of another commune, reached by its own
relationships). So the children a route or a list looks up on their own are `CommuneChild`:
scoped, by the same event, through their parent (``plan_id IN (SELECT id FROM plans WHERE
commune_id = …)``, nested for grandchildren). Link tables and files stay reached through
their owners, whose routes check the link.

Unique keys that become per commune: the office code, the round's year, the PAR Index set's
year, the Decision number per (year, symbol), the counters above, the survey's procedure field
code, counter name, questionnaire number (and its one draft and one version in use), and the
receipt number; the report of an office per (kind, period). Still unique across the city:
user names (one sign-in page for the whole city), kiosk tokens, receipt codes and response
nonces (public pages find their commune through them), storage keys.

The city level
--------------
The city above the communes is a tenant too: a ``communes`` row of kind ``thanh_pho``, the
``parent_id`` of its communes (migration 0017). Its people (Sở Nội vụ, the city's council and
Chairman) belong to it, so every route shows them the city's own records (its round of
nominated initiatives, its council, its Decisions and certificates) and answers 404 for a
commune's id: a city user can edit no commune's data. Where the city has a say it reads its
communes through explicit city services, with `ALL_COMMUNES` and a filter on its communes; on
PostgreSQL a second, SELECT-only policy (``city_reads``) lets a session acting for the city
read the rows of the communes whose parent it is, and no more.

The mechanism
-------------
- The commune of the unit of work is ``session.info[COMMUNE_KEY]``: the web layer puts the
  signed-in user's commune there when it loads the user (`enter`); a CLI command or a test
  that works for one commune does the same with `acting_for`.
- One ``do_orm_execute`` event adds ``with_loader_criteria(CommuneOwned, commune_id = …)`` to
  every ORM SELECT, UPDATE and DELETE of the session when a commune is set, and the parent
  condition of each `CommuneChild` the statement selects: no view filters by hand. The CLI
  (no commune) sees every commune; a statement may ask for every commune with the execution
  option `ALL_COMMUNES` (the user-name check: names are the city's; the city's services).
- One ``before_flush`` event gives a new root its commune: its parent's (a report its
  office's …), else the session's, else the only commune (`set_fallback`, the CLI and the
  demo of a single-commune deployment). A root of another commune written in a session that
  acts for one commune is refused (`ForeignCommune`).
- On PostgreSQL, a second line of defence: row-level security on every root table (migration
  0016) lets a row through when ``commune_id`` equals ``current_setting('cchc.commune_id')``,
  or when that setting is empty (no commune: CLI, migrations). It is set with
  ``set_config(…, true)`` (SET LOCAL: it ends with the transaction, and a pooled connection
  never carries it to the next request): by the user loader's own statement for a request's
  first transaction (`database_key`: no statement of its own), by `enter`, and by every
  transaction the session begins afterwards (after a commit). The tables
  are FORCE ROW LEVEL SECURITY, so the policies hold even when the application connects as the
  tables' owner; only a superuser or a BYPASSRLS role (backups, maintenance) sees past them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import ForeignKey, String, cast, event, func, inspect, select, text
from sqlalchemy.orm import ORMExecuteState, Session, mapped_column, with_loader_criteria

from .errors import DomainError

COMMUNE_KEY = "cchc_commune_id"
ALL_COMMUNES = "cchc_all_communes"  # execution option: this statement reads every commune
# Execution option: the `CommuneChild` classes this statement reaches only joined to, or
# correlated with, their parent, itself scoped in the same statement (a task list's newest
# update per task): their own criteria would repeat the parent's, and on PostgreSQL the nested
# IN makes the planner hash every update of the commune to show one page of tasks.
THROUGH_PARENT = "cchc_through_parent"
SETTING = "cchc.commune_id"  # the PostgreSQL setting the row-level security policies read


class CommuneOwned:
    """Mixin of the aggregate roots: each declares its own ``commune_id`` column (NOT NULL, or
    nullable for users and the audit log). `commune_parents` names the relationships whose
    commune a new row takes (a report takes its office's)."""

    commune_parents: tuple[str, ...] = ()
    # Declared here too for `with_loader_criteria`, which reads it on the mixin itself; each
    # root declares its own (NOT NULL or not, part of its key or not), which is the one mapped.
    commune_id = mapped_column(ForeignKey("communes.id"), index=True)


class CommuneChild:
    """Mixin of a child that routes look up by its own id (a task, a PAR Index item, a council
    member …): `commune_through` names its many-to-one relationship to its parent, and its
    rows are scoped to those whose parent (a root, or a child scoped in turn) is of the
    session's commune. Link tables reached only through their parent need nothing."""

    commune_through: str = ""

    @classmethod
    def commune_scope(cls, commune: int):
        """SQL: this row's root is of `commune` (a subquery through the parent)."""
        mapper = inspect(cls)
        relationship = mapper.relationships[cls.commune_through]
        (local,) = relationship.local_columns
        (remote,) = relationship.remote_side
        parent = relationship.mapper.class_
        if issubclass(parent, CommuneChild):
            condition = parent.commune_scope(commune)
        else:
            condition = parent.commune_id == commune
        column = getattr(cls, mapper.get_property_by_column(local).key)
        return column.in_(select(remote).where(condition))


class ForeignCommune(DomainError):
    """A session acting for one commune was about to write another commune's row: refused
    like any rule of the services (rolled back, a Vietnamese message, nothing written)."""

    def __init__(self, row: object, commune: int | None, acting: int) -> None:
        super().__init__("Dữ liệu này không thuộc xã, phường của bạn: không lưu được thay đổi.")
        self.row, self.commune, self.acting = row, commune, acting


_fallback: Callable[[Session], int | None] = lambda session: None  # noqa: E731


def set_fallback(resolver: Callable[[Session], int | None]) -> None:
    """How to find the commune of a deployment with one commune (models/org.py registers it)."""
    global _fallback
    _fallback = resolver


def first_commune(session: Session) -> int | None:
    """The first commune (the deployment's only one before the city had several)."""
    return _fallback(session)


def commune_id(session: Session) -> int | None:
    """The tenant the session acts for, or None (CLI, anonymous)."""
    return session.info.get(COMMUNE_KEY)


def database_key(commune_column):
    """A column expression that sets the row-level security key of the transaction to
    `commune_column`'s value (empty for NULL) as a statement reads it: the user loader reads
    the user and sets the key in one statement (PostgreSQL only)."""
    value = func.coalesce(cast(commune_column, String), "")
    return func.set_config(SETTING, value, True).label("commune_key")


def enter(session: Session, commune: int | None, *, database_key_set: bool = False) -> None:
    """From now on `session` acts for `commune` (None: for no commune in particular).
    `database_key_set`: the current transaction's key was set already (`database_key`)."""
    if commune is None:
        session.info.pop(COMMUNE_KEY, None)
    else:
        session.info[COMMUNE_KEY] = commune
    if session.in_transaction() and not database_key_set:
        # The transaction began before (the user was loaded in it): set the row-level
        # security key on its connection now; every later transaction sets it on begin.
        _set_database_key(session.connection(), commune)


@contextmanager
def acting_for(session: Session, commune: int | None) -> Iterator[None]:
    """Work for one commune (a CLI command, a test building a second commune)."""
    had = COMMUNE_KEY in session.info
    before = session.info.get(COMMUNE_KEY)
    enter(session, commune)
    try:
        yield
    finally:
        enter(session, before if had else None)


def _set_database_key(connection, commune: int | None) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT set_config(:name, :value, true)"),
            {"name": SETTING, "value": "" if commune is None else str(commune)},
        )


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, transaction, connection) -> None:
    commune = session.info.get(COMMUNE_KEY)
    if commune is not None:
        _set_database_key(connection, commune)


@event.listens_for(Session, "do_orm_execute")
def _scope(state: ORMExecuteState) -> None:
    if state.is_insert:
        _fill_commune_of_bulk_insert(state)
        return
    commune = state.session.info.get(COMMUNE_KEY)
    if commune is None or state.execution_options.get(ALL_COMMUNES):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        # Deferred columns and relationships of rows already scoped: their own commune.
        return
    options = [
        with_loader_criteria(
            CommuneOwned, lambda cls: cls.commune_id == commune, include_aliases=True
        )
    ]
    joined = state.execution_options.get(THROUGH_PARENT, ())
    for mapper in state.all_mappers:
        if issubclass(mapper.class_, CommuneChild) and mapper.class_ not in joined:
            child = mapper.class_
            options.append(
                with_loader_criteria(child, child.commune_scope(commune), include_aliases=True)
            )
    state.statement = state.statement.options(*options)


def _fill_commune_of_bulk_insert(state: ORMExecuteState) -> None:
    """`session.execute(insert(Office), [{...}, ...])` (bulk loads, the benchmark's data set):
    rows that name no commune get the session's, else the first commune, as `before_flush`
    gives them to new objects. A statement with `.values(...)` says what it inserts itself."""
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, CommuneOwned):
        return
    rows = state.parameters
    rows = [rows] if isinstance(rows, dict) else rows
    missing = [row for row in rows or () if row and "commune_id" not in row]
    if missing:
        commune = state.session.info.get(COMMUNE_KEY) or _fallback(state.session)
        for row in missing:
            row["commune_id"] = commune


def _parent_commune(obj: CommuneOwned) -> int | None:
    for name in obj.commune_parents:
        parent = getattr(obj, name, None)
        if parent is not None and parent.commune_id is not None:
            return parent.commune_id
    return None


def _explicitly_none(obj: CommuneOwned) -> bool:
    """`commune_id=None` was set on purpose (an account of no tenant), not merely left unset."""
    return bool(inspect(obj).attrs.commune_id.history.added)


@event.listens_for(Session, "before_flush")
def _give_commune(session: Session, flush_context, instances) -> None:
    acting = session.info.get(COMMUNE_KEY)
    for obj in session.new:
        if not isinstance(obj, CommuneOwned):
            continue
        if obj.commune_id is None and not _explicitly_none(obj):
            found = _parent_commune(obj)
            if found is None:
                found = acting if acting is not None else _fallback(session)
            obj.commune_id = found
    if acting is None:
        return
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, CommuneOwned) and obj.commune_id not in (None, acting):
            raise ForeignCommune(obj, obj.commune_id, acting)
