"""The city-scale data set (issue 20, item 6): 114 communes, wards and special zones under one
city tenant, each with the one-commune bench's volumes scaled to its size, on PostgreSQL.

Built fast: every row is written by PostgreSQL ``COPY … FROM STDIN`` through psycopg 3
(`cursor.copy`), with the ids assigned here (no ORM object, no read-back), one password hash
for every account, the folded `search_key` of each searchable row computed with the
application's own `search_key` (models/search.py), the foreign-key triggers off while loading
(``session_replication_role = replica``, superuser only) and the big tables' secondary indexes
rebuilt once at the end. The loader connects as a superuser (``COPY FROM`` is refused on a
table with row-level security for any other role); the application then runs as the tables'
owner, a role that is neither a superuser nor BYPASSRLS (bench/city.py).

Sizes: a commune's size factor is drawn from a log-normal spread (wards a little larger, the two
special zones small, Bạch Long Vĩ tiny), normalised to a mean of 1; at factor 1 a commune has
14 offices, 54 users, 120 tasks a year, about 25 progress updates per task, 90 initiatives a
year. In all: ≥ 6,000 users, ≥ 40,000 tasks, ≥ 1,000,000 task updates, ≥ 30,000 initiatives
(`build` checks), plus monthly reports of every office and of the commune, objectives with
monthly values, councils and scores, recognition and nomination Decisions, the PAR Index sets
of last year (closed, self-scored and appraised) and this year (open, partly self-scored), and
the audit log.

The three years are the current one and the two before (plans of past years closed, this
year's active); every date is in the past of the day the set is built.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from werkzeug.security import generate_password_hash

from cchc_web.models.initiatives import DEFAULT_RUBRIC, INITIATIVE_FIELDS
from cchc_web.models.org import code_from_name
from cchc_web.models.plans import FIELDS
from cchc_web.models.search import search_key

#: Bump when the data set's contents change: a cached database of another version is rebuilt.
VERSION = 2
PASSWORD = "Bench@2025"  # noqa: S105 - benchmark accounts in a throwaway database
TARGETS = {"users": 6_000, "tasks": 40_000, "task_updates": 1_000_000, "initiatives": 30_000}
# Volumes of a commune of size factor 1 (the mean).
PER_COMMUNE = {
    "extra_offices": 7,
    "users": 54,
    "tasks_per_year": 120,
    "updates_per_task": 25,
    "initiatives_per_year": 90,
    "audit": 800,
}
DEFAULT_OFFICES = (
    ("VP", "Văn phòng HĐND và UBND", False),
    ("KT", "Phòng Kinh tế", True),
    ("VHXH", "Phòng Văn hóa - Xã hội", True),
    ("HCC", "Trung tâm Phục vụ hành chính công", False),
    ("VHTT", "Trung tâm Văn hóa, Thông tin và Thể thao", False),
    ("CA", "Công an xã", False),
    ("QS", "Ban Chỉ huy Quân sự xã", False),
)
SYLLABLES = [
    "An",
    "Bình",
    "Cát",
    "Đông",
    "Gia",
    "Hòa",
    "Hưng",
    "Kiến",
    "Lạc",
    "Long",
    "Minh",
    "Nam",
    "Ngọc",
    "Phú",
    "Quang",
    "Tân",
    "Thái",
    "Thanh",
    "Thủy",
    "Tiên",
    "Trung",
    "Vĩnh",
    "Việt",
    "Xuân",
    "Đại",
    "Hồng",
    "Kim",
    "Lê",
    "Mỹ",
    "Phong",
    "Hải",
    "Hà",
    "Lương",
    "Tú",
    "Sơn",
    "Dương",
]
FIRST_NAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
]
MIDDLE_NAMES = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quốc", "Hải", "Ngọc"]
GIVEN_NAMES = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hạnh",
    "Hùng",
    "Lan",
    "Linh",
    "Mai",
    "Nam",
    "Phương",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
]
INITIATIVE_STATES_OPEN = (
    "draft",
    "submitted",
    "accepted",
    "scored",
    "recommended",
    "not_recommended",
)
# A closed round: what the council and the Chairman decided (nominated: recognised, then sent up).
INITIATIVE_STATES_CLOSED = (
    "recognised",
    "not_recognised",
    "recognised",
    "draft",
    "nominated",
    "recognised",
    "not_recognised",
    "recognised",
    "not_recommended",
    "recognised",
)
DECIDED = {"recognised", "not_recognised", "nominated"}


def utc(d: date, hour: int = 9) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


@dataclass
class CommunePlan:
    """One commune's place in the set: its name, kind, size and the ids it was given."""

    id: int
    name: str
    code: str
    kind: str
    factor: float
    offices: list[int] = field(default_factory=list)
    office_codes: dict[int, str] = field(default_factory=dict)
    users: list[int] = field(default_factory=list)
    user_office: dict[int, int] = field(default_factory=dict)
    usernames: dict[int, str] = field(default_factory=dict)
    accounts: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)


def commune_names(rng: random.Random) -> list[tuple[str, str]]:
    """114 (name, kind): 67 xã, 45 phường, 2 đặc khu, the seeds' three among them."""
    names = [("Xã Chí Minh", "xa"), ("Phường Gia Viên", "phuong"), ("Xã Đường An", "xa")]
    names += [("Đặc khu Cát Hải", "dac_khu"), ("Đặc khu Bạch Long Vĩ", "dac_khu")]
    pairs = [f"{a} {b}" for a, b in itertools.permutations(SYLLABLES, 2)]
    rng.shuffle(pairs)
    taken = {code_from_name(n) for n, _ in names}
    wanted = {"xa": 67 - 2, "phuong": 45 - 1}
    for place in pairs:
        kind = "xa" if wanted["xa"] >= wanted["phuong"] and wanted["xa"] else "phuong"
        if not wanted[kind]:
            break
        name = f"{'Xã' if kind == 'xa' else 'Phường'} {place}"
        code = code_from_name(name)
        if code in taken:
            continue
        taken.add(code)
        names.append((name, kind))
        wanted[kind] -= 1
    return names


def size_factors(names: list[tuple[str, str]], rng: random.Random) -> list[float]:
    raw = []
    for name, kind in names:
        if name == "Đặc khu Bạch Long Vĩ":
            weight = 0.2
        elif name == "Đặc khu Cát Hải":
            weight = 0.8
        else:
            weight = math.exp(rng.gauss(0, 0.5)) * (1.2 if kind == "phuong" else 1.0)
        raw.append(min(max(weight, 0.2), 3.0))
    mean = sum(raw) / len(raw)
    return [w / mean for w in raw]


# -- COPY -------------------------------------------------------------------------------------
def _value(value):
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "value") and isinstance(value, str):  # StrEnum
        return value.value
    return value


class Loader:
    """Writes rows with COPY through one psycopg connection and counts them."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.counts: dict[str, int] = {}

    def copy(
        self, table: str, columns: Iterable[str], rows: Iterable[tuple], *, raw: bool = False
    ) -> None:
        """`raw`: the rows hold plain values only (no JSON, no enum): written as they are."""
        columns = list(columns)
        n = 0
        with self.conn.cursor() as cur:
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            with cur.copy(sql) as copy:
                write = copy.write_row
                for row in rows:
                    write(row if raw else [_value(v) for v in row])
                    n += 1
        self.counts[table] = self.counts.get(table, 0) + n


class Ids:
    """Ids assigned here, one counter per table."""

    def __init__(self) -> None:
        self._next: dict[str, Iterator[int]] = {}

    def __call__(self, table: str) -> int:
        if table not in self._next:
            self._next[table] = itertools.count(1)
        return next(self._next[table])


# -- the build ----------------------------------------------------------------------------------
def build(
    conn, *, seed: int = 2026, today: date | None = None, communes: int = 114, log=print
) -> dict:
    """Fill an empty, migrated database through `conn` (psycopg, a superuser); returns the
    accounts and ids the bench uses, and the row counts. `communes`: fewer than the city's
    114 for a test (the volume targets are then not checked)."""
    today = today or date.today()
    rng = random.Random(seed)
    started = time.perf_counter()
    load = Loader(conn)
    ids = Ids()
    password_hash = generate_password_hash(PASSWORD)
    years = (today.year - 2, today.year - 1, today.year)
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no FK triggers while loading
    names = commune_names(rng)[:communes]
    factors = size_factors(names, rng)
    city_id = len(names) + 1
    communes = []
    for (name, kind), factor in zip(names, factors, strict=True):
        communes.append(
            CommunePlan(
                id=ids("communes"), name=name, code=code_from_name(name), kind=kind, factor=factor
            )
        )
    now = utc(today - timedelta(days=1))
    load.copy(
        "communes",
        ("id", "name", "province", "settings", "created_at", "code", "kind", "parent_id"),
        [
            (
                city_id,
                "Thành phố Hải Phòng",
                "Thành phố Hải Phòng",
                {"bench": True},
                now,
                "HAIPHONG",
                "thanh_pho",
                None,
            )
        ]
        + [
            (c.id, c.name, "Thành phố Hải Phòng", {"bench": True}, now, c.code, c.kind, city_id)
            for c in communes
        ],
    )
    _organisation(load, ids, communes, rng, password_hash, now)
    city = _city(load, ids, city_id, password_hash, now)
    log(f"  organisation: {time.perf_counter() - started:.1f} s", flush=True)
    _plans(load, ids, communes, rng, years, today)
    log(f"  plans, tasks, updates: {time.perf_counter() - started:.1f} s", flush=True)
    _reports(load, ids, communes, rng, years, today)
    _initiatives(load, ids, communes, rng, years, today)
    log(f"  reports, initiatives, decisions: {time.perf_counter() - started:.1f} s", flush=True)
    _par_index(load, ids, communes, rng, years, today)
    _audit(load, ids, communes, rng, years, today)
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = DEFAULT")
    conn.commit()
    log(f"  par index, audit: {time.perf_counter() - started:.1f} s", flush=True)
    totals = {
        "users": load.counts["users"],
        "tasks": load.counts["tasks"],
        "task_updates": load.counts["task_updates"],
        "initiatives": load.counts["initiatives"],
    }
    short = {k: v for k, v in totals.items() if v < TARGETS[k]}
    if short and communes == len(commune_names(random.Random(seed))):
        raise RuntimeError(f"city data set below its targets: {short}")
    return {
        "version": VERSION,
        "built_on": today.isoformat(),
        "years": list(years),
        "city": city,
        "communes": [
            {
                "id": c.id,
                "name": c.name,
                "code": c.code,
                "kind": c.kind,
                "factor": round(c.factor, 3),
                "counts": c.counts,
                "accounts": c.accounts,
            }
            for c in communes
        ],
        "rows": dict(sorted(load.counts.items())),
    }


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"


def _organisation(load, ids, communes, rng, password_hash, now) -> None:
    offices, users, roles = [], [], []
    for c in communes:
        extra = max(0, round(PER_COMMUNE["extra_offices"] * c.factor))
        specs = list(DEFAULT_OFFICES) + [
            (f"P{i:02d}", f"Tổ công tác chuyên môn số {i + 1}", i % 2 == 0) for i in range(extra)
        ]
        for order, (code, name, specialised) in enumerate(specs, start=1):
            office_id = ids("offices")
            c.offices.append(office_id)
            c.office_codes[office_id] = code
            offices.append((office_id, code, name, specialised, True, order, c.id))
        # The measured accounts hold the one-commune bench's roles (every user is staff):
        # 0 admin, 1 secretariat (Phòng VH-XH), 2 chairman, 3 vice chairman, 4-10 the council,
        # 11 the staff member; the next user of each office is its head.
        n_off = len(c.offices)
        n_users = max(12 + n_off, round(PER_COMMUNE["users"] * c.factor))
        vhxh = c.offices[2]
        prefix = c.code.lower()[:20]
        for i in range(n_users):
            user_id = ids("users")
            if i == 1:
                office = vhxh
            elif i < 4:
                office = c.offices[0]
            else:
                office = c.offices[i % n_off]
            username = f"{prefix}.u{i:03d}"
            full_name = _person(rng)
            position = {0: "Công chức", 1: "Công chức", 2: "Chủ tịch", 3: "Phó Chủ tịch"}.get(
                i, "Chuyên viên"
            )
            users.append(
                (
                    user_id,
                    username,
                    full_name,
                    position,
                    office,
                    password_hash,
                    True,
                    now,
                    search_key(f"{full_name} {username}", position),
                    c.id,
                )
            )
            c.users.append(user_id)
            c.user_office[user_id] = office
            c.usernames[user_id] = username
            mine = {
                "staff",
                {0: "admin", 1: "secretariat", 2: "chairman", 3: "vice_chairman"}.get(i, "staff"),
            }
            if 12 <= i < 12 + n_off:
                mine.add("head")
            roles += [(user_id, role) for role in sorted(mine)]
        c.accounts.update(
            admin=c.usernames[c.users[0]],
            secretariat=c.usernames[c.users[1]],
            chairman=c.usernames[c.users[2]],
        )
        c.counts.update(offices=len(c.offices), users=n_users)
    load.copy(
        "offices",
        ("id", "code", "name", "is_specialised", "active", "sort_order", "commune_id"),
        offices,
    )
    load.copy(
        "users",
        (
            "id",
            "username",
            "full_name",
            "position_title",
            "office_id",
            "password_hash",
            "active",
            "created_at",
            "search_key",
            "commune_id",
        ),
        users,
    )
    load.copy("user_roles", ("user_id", "role"), roles)


def _city(load, ids, city_id, password_hash, now) -> dict:
    """The city's own tenant: Sở Nội vụ, its office and four accounts (like the demo's tp.*)."""
    specs = (
        ("SNV", "Sở Nội vụ", True),
        ("VP", "Văn phòng UBND thành phố", False),
        ("KHCN", "Sở Khoa học và Công nghệ", True),
    )
    office_ids = {}
    rows = []
    for order, (code, name, specialised) in enumerate(specs, start=1):
        office_ids[code] = ids("offices")
        rows.append((office_ids[code], code, name, specialised, True, order, city_id))
    load.copy(
        "offices",
        ("id", "code", "name", "is_specialised", "active", "sort_order", "commune_id"),
        rows,
    )
    accounts = (
        ("city.admin", "Quản trị thành phố", None, ("admin",)),
        ("city.chutich", "Chủ tịch UBND thành phố", "VP", ("chairman",)),
        (
            "city.snv.lanhdao",
            "Giám đốc Sở Nội vụ",
            "SNV",
            ("head", "secretariat", "council_member", "staff"),
        ),
        ("city.snv.canbo", "Chuyên viên Sở Nội vụ", "SNV", ("staff", "secretariat")),
    )
    users, roles = [], []
    for username, name, office, mine in accounts:
        user_id = ids("users")
        users.append(
            (
                user_id,
                username,
                name,
                name,
                office_ids.get(office),
                password_hash,
                True,
                now,
                search_key(f"{name} {username}", name),
                city_id,
            )
        )
        roles += [(user_id, role) for role in mine]
    load.copy(
        "users",
        (
            "id",
            "username",
            "full_name",
            "position_title",
            "office_id",
            "password_hash",
            "active",
            "created_at",
            "search_key",
            "commune_id",
        ),
        users,
    )
    load.copy("user_roles", ("user_id", "role"), roles)
    return {"id": city_id, "accounts": [a[0] for a in accounts]}


def _plans(load, ids, communes, rng, years, today) -> None:
    fields = list(FIELDS)
    plans, tasks, links, objectives, values = [], [], [], [], []
    updates_of: list[tuple] = []  # (task id, lead office, year, due month, users, final state)
    this_month = date(today.year, today.month, 1)
    for c in communes:
        per_year = max(25, round(PER_COMMUNE["tasks_per_year"] * c.factor))
        n_off = len(c.offices)
        office_users: dict[int, list[int]] = {}
        for user_id in c.users:
            office_users.setdefault(c.user_office[user_id], []).append(user_id)
        latest_plan = None
        for year in years:
            plan_id = ids("plans")
            current = year == today.year
            plans.append(
                (
                    plan_id,
                    f"Kế hoạch cải cách hành chính năm {year} của Ủy ban nhân dân {c.name}",
                    "Đẩy mạnh chuyển đổi số, lấy người dân làm trung tâm",
                    date(year, 1, 1),
                    date(year, 12, 31),
                    f"{10 + year % 100}/KH-UBND",
                    date(year, 1, 10),
                    "active" if current else "closed",
                    utc(date(year, 1, 10)),
                    c.id,
                )
            )
            latest_plan = plan_id
            for i in range(per_year):
                task_id = ids("tasks")
                code = f"{i // 30 + 1}.{i % 30 + 1}"
                field_ = fields[i % len(fields)]
                content = (
                    f"Rà soát, đơn giản hóa thủ tục hành chính nhóm {i} "
                    f"và công khai kết quả trên Cổng thông tin điện tử của {c.name}"
                )
                monthly = i % 3 != 0
                due = date(year, i % 12 + 1, 1) if monthly else None
                tasks.append(
                    (
                        task_id,
                        plan_id,
                        code,
                        field_,
                        content,
                        "month" if monthly else "ongoing",
                        due,
                        i,
                        search_key(f"{code} {content}", FIELDS[field_]),
                    )
                )
                lead = c.offices[i % n_off]
                links.append((task_id, lead, "lead"))
                other = c.offices[(i * 7 + 3) % n_off]
                if other != lead:
                    links.append((task_id, other, "coordinating"))
                if not current:
                    final = "done" if rng.random() < 0.9 else "late"
                elif due is not None and due < this_month:
                    r = rng.random()
                    final = "done" if r < 0.7 else ("late" if r < 0.9 else "in_progress")
                else:
                    final = "in_progress"
                people = office_users.get(lead) or c.users
                updates_of.append((task_id, lead, year, due, people, final))
                if (
                    current
                    and "task_id" not in c.accounts
                    and lead == c.user_office.get(c.users[11])
                ):
                    c.accounts["task_id"] = task_id
            for k in range(10):
                objective_id = ids("objectives")
                objectives.append(
                    (
                        objective_id,
                        plan_id,
                        f"MT{k + 1}",
                        f"Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn nhóm {k + 1}",
                        ">=",
                        95,
                        "%",
                        c.offices[k % n_off],
                        k,
                    )
                )
                for month in range(1, 13):
                    when = date(year, month, 1)
                    if when >= this_month:
                        break
                    values.append(
                        (
                            ids("objective_values"),
                            objective_id,
                            when,
                            rng.randint(85, 100),
                            "",
                            utc(when + timedelta(days=27)),
                        )
                    )
        staff = c.users[11]
        c.accounts.update(
            plan_id=latest_plan,
            staff=c.usernames[staff],
            staff_office=c.office_codes[c.user_office[staff]].lower(),
        )
        c.counts["tasks"] = per_year * len(years)
    load.copy(
        "plans",
        (
            "id",
            "title",
            "theme",
            "period_start",
            "period_end",
            "doc_number",
            "doc_date",
            "status",
            "created_at",
            "commune_id",
        ),
        plans,
    )
    load.copy(
        "tasks",
        (
            "id",
            "plan_id",
            "code",
            "field",
            "content",
            "timing",
            "due_month",
            "sort_order",
            "search_key",
        ),
        tasks,
    )
    load.copy("task_offices", ("task_id", "office_id", "role"), links)
    load.copy(
        "objectives",
        (
            "id",
            "plan_id",
            "code",
            "indicator",
            "comparison",
            "target",
            "unit",
            "owner_office_id",
            "sort_order",
        ),
        objectives,
    )
    load.copy(
        "objective_values",
        ("id", "objective_id", "month", "value", "note", "entered_at"),
        values,
    )
    for c in communes:
        if "task_id" not in c.accounts:
            raise RuntimeError(f"{c.name}: no task led by the bench's staff member's office")
    load.copy(
        "task_updates",
        (
            "id",
            "task_id",
            "office_id",
            "author_id",
            "created_at",
            "status",
            "progress",
            "result",
            "cause_type",
            "cause",
            "catchup_action",
            "catchup_deadline",
            "catchup_responsible",
            "kind",
        ),
        _updates(ids, updates_of, rng, today),
        raw=True,
    )


def _updates(ids, updates_of, rng, today) -> Iterator[tuple]:
    """About 25 progress updates per task, spread over its year up to yesterday."""
    mean = PER_COMMUNE["updates_per_task"]
    last_day = today - timedelta(days=1)
    randint, choice = rng.randint, rng.choice
    results = [f"Đã triển khai, hoàn thành {p}% khối lượng công việc." for p in range(101)]
    for task_id, office, year, due, people, final in updates_of:
        # A late task's catch-up deadline: six weeks after the month it was due (some passed:
        # overdue), else mid-December.
        catchup = due + timedelta(days=45) if due else date(year, 12, 15)
        n = randint(mean - 12, mean + 12)
        start = datetime(year, 1, 5, 8, tzinfo=UTC)
        end = min(
            datetime(year, 12, 20, 16, tzinfo=UTC),
            datetime(last_day.year, last_day.month, last_day.day, 16, tzinfo=UTC),
        )
        span = (end - start).total_seconds()
        ceiling = 100 if final == "done" else randint(30, 90)
        for k in range(n):
            last = k == n - 1
            progress = min(ceiling, (k + 1) * ceiling // n)
            if last:
                status = final
                if final == "done":
                    progress = 100
            else:
                status = "late" if k % 17 == 5 else "in_progress"
            late = status == "late"
            yield (
                ids("task_updates"),
                task_id,
                office,
                choice(people),
                start + timedelta(seconds=span * (k + 1) / (n + 1)),
                status,
                progress,
                results[progress],
                "objective" if late else None,
                "Chờ hướng dẫn của cấp trên" if late else "",
                "Tăng cường phối hợp, đôn đốc" if late else "",
                catchup if late else None,
                "Trưởng phòng" if late else "",
                "progress",
            )


def _reports(load, ids, communes, rng, years, today) -> None:
    """Every office's monthly report and the commune's (no office), for each month whose
    deadline (the 20th) has passed; a commune's share of late reports is its own."""
    rows = []
    keys: dict[date, str] = {}
    direction = "Ban hành kế hoạch, văn bản chỉ đạo điều hành."
    for c in communes:
        late_share = rng.uniform(0.0, 0.3)
        n = 0
        for year in years:
            for month in range(1, 13):
                deadline = date(year, month, 20)
                if deadline >= today:
                    break
                end = date(year, month, 14)
                start = date(year - 1, 12, 15) if month == 1 else date(year, month - 1, 15)
                if end not in keys:
                    keys[end] = search_key(f"Báo cáo tháng {month}/{year}", f"{direction}  ")
                for office in (*c.offices, None):
                    late = rng.random() < late_share
                    submitted = utc(
                        date(year, month, rng.randint(21, 26) if late else rng.randint(12, 19))
                    )
                    if office is None:
                        status = "accepted"  # the commune's report, sent to the city
                    else:
                        status = "accepted" if month % 5 else "returned"
                    rows.append(
                        (
                            ids("reports"),
                            office,
                            "month",
                            start,
                            end,
                            deadline,
                            status,
                            direction,
                            "",
                            "",
                            submitted,
                            submitted,
                            keys[end],
                            c.id,
                        )
                    )
                    n += 1
        c.counts["reports"] = n
    load.copy(
        "reports",
        (
            "id",
            "office_id",
            "kind",
            "period_start",
            "period_end",
            "deadline",
            "status",
            "direction",
            "strengths_limits",
            "next_tasks",
            "created_at",
            "submitted_at",
            "search_key",
            "commune_id",
        ),
        rows,
    )


def _initiatives(load, ids, communes, rng, years, today) -> None:
    fields = list(INITIATIVE_FIELDS)
    codes = [c["code"] for c in DEFAULT_RUBRIC]
    rubric = [dict(c) for c in DEFAULT_RUBRIC]
    rounds, councils, members, initiatives, authors, scores = [], [], [], [], [], []
    decisions, items, counters = [], [], []
    solution = "Tiếp nhận hồ sơ trực tuyến, trả kết quả qua bưu chính công ích."
    title_key: dict[tuple[str, int], str] = {}
    for c in communes:
        per_year = max(4, round(PER_COMMUNE["initiatives_per_year"] * c.factor))
        council_users = c.users[4:11]
        office_users: dict[int, list[int]] = {}
        for user_id in c.users:
            office_users.setdefault(c.user_office[user_id], []).append(user_id)
        chairman = c.users[2]
        number = 0
        for year in years:
            closed = year < today.year
            round_id, council_id = ids("initiative_rounds"), ids("councils")
            rounds.append(
                (
                    round_id,
                    year,
                    f"Đợt xét công nhận sáng kiến cải cách hành chính năm {year}",
                    date(year, 9, 20),
                    date(year, 9, 30),
                    list(INITIATIVE_FIELDS),
                    rubric,
                    50,
                    "novelty",
                    2,
                    3,
                    2,
                    3,
                    utc(date(year, 3, 1)),
                    c.id,
                )
            )
            councils.append(
                (
                    council_id,
                    round_id,
                    "closed" if closed else "scoring",
                    utc(date(year, 9, 22)) if closed else None,
                    utc(date(year, 9, 1)),
                    f"{year % 100}/QĐ-UBND ngày 01/09/{year}",
                    c.id,
                )
            )
            member_ids = []
            for k, user_id in enumerate(council_users):
                member_id = ids("council_members")
                member_ids.append(member_id)
                position = "chair" if k == 0 else ("secretary" if k == 1 else "member")
                members.append((member_id, council_id, user_id, position))
            recognition = nomination = None
            if closed:
                number += 1
                recognition = ids("decisions")
                number += 1
                nomination = ids("decisions")
            recognised, nominated = [], []
            states = INITIATIVE_STATES_CLOSED if closed else INITIATIVE_STATES_OPEN
            for i in range(per_year):
                initiative_id = ids("initiatives")
                state = states[i % len(states)]
                office = c.offices[i % len(c.offices)]
                people = office_users.get(office) or c.users
                field_ = fields[i % len(fields)]
                title = f"Ứng dụng chuyển đổi số trong giải quyết thủ tục hành chính số {i}"
                if (title, i % len(fields)) not in title_key:
                    title_key[(title, i % len(fields))] = search_key(
                        title, f"{INITIATIVE_FIELDS[field_]} {solution}"
                    )
                handed_in = state != "draft"
                initiatives.append(
                    (
                        initiative_id,
                        round_id,
                        office,
                        state,
                        title,
                        field_,
                        "Người dân phải đi lại nhiều lần để nộp hồ sơ giấy.",
                        solution,
                        "Lần đầu áp dụng tại địa phương.",
                        False,
                        "",
                        "",
                        "",
                        "Giảm 40% thời gian giải quyết hồ sơ.",
                        people[0],
                        utc(date(year, 8, 1)),
                        utc(date(year, 9, 15)),
                        utc(date(year, 9, 15)) if handed_in else None,
                        people[0] if handed_in else None,
                        "",
                        utc(date(year, 9, 17)) if handed_in and state != "submitted" else None,
                        recognition if state in DECIDED else None,
                        nomination if state == "nominated" else None,
                        title_key[(title, i % len(fields))],
                        c.id,
                    )
                )
                authors.append((ids("initiative_authors"), initiative_id, people[0], "", "", 100))
                if state in ("recognised", "nominated"):
                    recognised.append(initiative_id)
                if state == "nominated":
                    nominated.append(initiative_id)
                if handed_in and state not in ("submitted",):
                    for member_id in member_ids[:5]:
                        points = {code: rng.randint(5, 30) for code in codes}
                        scores.append(
                            (
                                ids("scores"),
                                member_id,
                                initiative_id,
                                points,
                                sum(points.values()),
                                points[codes[0]] > 15,
                                "Sáng kiến có tính mới, hiệu quả rõ.",
                                utc(date(year, 9, 21)),
                                False,
                                "",
                            )
                        )
                if not closed and state == "recommended" and "initiative_id" not in c.accounts:
                    c.accounts.update(
                        initiative_id=initiative_id,
                        round_id=round_id,
                        council_id=council_id,
                        member=c.usernames[council_users[2]],
                        office_code=c.office_codes[c.offices[0]],
                    )
            if closed:
                place = c.name.split(" ", 1)[1]
                header = ["ỦY BAN NHÂN DÂN", c.name.upper()]
                for decision_id, kind, num, summary, chosen in (
                    (
                        recognition,
                        "initiative_recognition",
                        number - 1,
                        f"Về việc công nhận sáng kiến cải cách hành chính năm {year}",
                        recognised,
                    ),
                    (
                        nomination,
                        "nomination_dossier",
                        number,
                        f"Về việc đề nghị Thành phố công nhận sáng kiến năm {year}",
                        nominated,
                    ),
                ):
                    issued = date(year, 9, 28)
                    appendix = "Danh sách sáng kiến"
                    decisions.append(
                        (
                            decision_id,
                            kind,
                            "approved",
                            "chairman",
                            year,
                            "QĐ-UBND",
                            num,
                            issued,
                            place,
                            header,
                            "CHỦ TỊCH",
                            summary,
                            "",
                            [],
                            ["Điều 1. Công nhận các sáng kiến tại Phụ lục kèm theo."],
                            ["Như Điều 3", "Lưu: VT"],
                            appendix,
                            ["STT", "Tên sáng kiến"],
                            [10, 90],
                            [],
                            chairman,
                            utc(issued),
                            utc(issued),
                            chairman,
                            utc(issued, 10),
                            "Chủ tịch",
                            ["CHỦ TỊCH"],
                            hashlib.sha256(f"{c.id}-{decision_id}".encode()).hexdigest(),
                            council_id if kind == "initiative_recognition" else None,
                            round_id,
                            search_key(f"{num}/QĐ-UBND {summary}", appendix),
                            c.id,
                        )
                    )
                    for position, initiative_id in enumerate(chosen, start=1):
                        items.append(
                            (
                                ids("decision_items"),
                                decision_id,
                                initiative_id,
                                position,
                                80.0,
                                False,
                                "",
                            )
                        )
                counters.append((c.id, year, "QĐ-UBND", number))
        c.counts["initiatives"] = per_year * len(years)
        if "initiative_id" not in c.accounts:
            raise RuntimeError(f"{c.name}: no recommended initiative in this year's round")
    load.copy(
        "initiative_rounds",
        (
            "id",
            "year",
            "title",
            "submission_deadline",
            "decision_deadline",
            "open_fields",
            "rubric",
            "pass_min_total",
            "novelty_code",
            "vote_num",
            "vote_den",
            "quorum_num",
            "quorum_den",
            "created_at",
            "commune_id",
        ),
        rounds,
    )
    load.copy(
        "councils",
        ("id", "round_id", "state", "closed_at", "created_at", "legacy_decision_ref", "commune_id"),
        councils,
    )
    load.copy("council_members", ("id", "council_id", "user_id", "position"), members)
    load.copy(
        "decisions",
        (
            "id",
            "kind",
            "state",
            "competence",
            "year",
            "symbol",
            "number",
            "issued_on",
            "place",
            "issuer_lines",
            "issuer_authority",
            "summary",
            "addressee",
            "bases",
            "articles",
            "recipients",
            "appendix_title",
            "appendix_columns",
            "appendix_widths",
            "appendix_rows",
            "created_by_id",
            "created_at",
            "updated_at",
            "approved_by_id",
            "approved_at",
            "signer_name",
            "authority_lines",
            "pdf_sha256",
            "council_id",
            "round_id",
            "search_key",
            "commune_id",
        ),
        decisions,
    )
    load.copy("decision_counters", ("commune_id", "year", "symbol", "last_number"), counters)
    load.copy(
        "initiatives",
        (
            "id",
            "round_id",
            "office_id",
            "state",
            "title",
            "field",
            "current_situation",
            "solution",
            "novelty",
            "piloted",
            "applied_where",
            "conditions",
            "replication",
            "effectiveness",
            "created_by_id",
            "created_at",
            "updated_at",
            "submitted_at",
            "submitted_by_id",
            "return_comment",
            "accepted_at",
            "recognition_decision_id",
            "nomination_decision_id",
            "search_key",
            "commune_id",
        ),
        initiatives,
    )
    load.copy(
        "initiative_authors",
        ("id", "initiative_id", "user_id", "external_name", "qualification", "share"),
        authors,
    )
    load.copy(
        "decision_items",
        ("id", "decision_id", "initiative_id", "position", "score", "dropped", "drop_reason"),
        items,
    )
    load.copy(
        "scores",
        (
            "id",
            "member_id",
            "initiative_id",
            "points",
            "total",
            "recommend",
            "comment",
            "submitted_at",
            "reopened",
            "reopen_reason",
        ),
        scores,
    )


PAR_FIELDS = (
    "Công tác chỉ đạo, điều hành cải cách hành chính",
    "Xây dựng và tổ chức thực hiện văn bản quy phạm pháp luật",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy hành chính",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
)


def _par_index(load, ids, communes, rng, years, today) -> None:
    """Last year's set (closed: every leaf self-scored and appraised, the survey entered) and
    this year's (open: about 70 % of the leaves self-scored)."""
    sets, items, self_scores, appraisals = [], [], [], []
    guidance = "Căn cứ văn bản, báo cáo, minh chứng kèm theo; chấm theo mức độ hoàn thành."
    keys: dict[tuple[str, str], str] = {}

    def key(code: str, title: str) -> str:
        if (code, title) not in keys:
            keys[(code, title)] = search_key(f"{code} {title}", guidance)
        return keys[(code, title)]

    for c in communes:
        for year in years[1:]:
            closed = year < today.year
            set_id = ids("par_index_sets")
            sets.append(
                (
                    set_id,
                    year,
                    f"Bộ chỉ số cải cách hành chính năm {year} của {c.name}",
                    date(year, 11, 30),
                    "closed" if closed else "open",
                    Decimal("8.50") if closed else None,
                    Decimal("0"),
                    Decimal("0"),
                    utc(date(year, 2, 1)),
                    c.id,
                )
            )
            order = 0
            for f, field_title in enumerate(PAR_FIELDS, start=1):
                field_id = ids("par_index_items")
                order += 1
                items.append(
                    (
                        field_id,
                        set_id,
                        None,
                        str(f),
                        field_title,
                        Decimal("12"),
                        guidance,
                        "self",
                        1,
                        order,
                        None,
                        key(str(f), field_title),
                    )
                )
                for k in range(1, 4):
                    criterion_id = ids("par_index_items")
                    code = f"{f}.{k}"
                    title = f"Tiêu chí {code} về {field_title.lower()}"
                    order += 1
                    items.append(
                        (
                            criterion_id,
                            set_id,
                            field_id,
                            code,
                            title,
                            Decimal("4"),
                            guidance,
                            "self",
                            2,
                            order,
                            None,
                            key(code, title),
                        )
                    )
                    for j in range(1, 3):
                        leaf_id = ids("par_index_items")
                        leaf_code = f"{code}.{j}"
                        leaf_title = f"Tiêu chí thành phần {leaf_code}"
                        office = c.offices[(f + k + j) % len(c.offices)]
                        order += 1
                        items.append(
                            (
                                leaf_id,
                                set_id,
                                criterion_id,
                                leaf_code,
                                leaf_title,
                                Decimal("2"),
                                guidance,
                                "self",
                                3,
                                order,
                                office,
                                key(leaf_code, leaf_title),
                            )
                        )
                        if closed or rng.random() < 0.7:
                            score = Decimal(rng.choice(("1.00", "1.50", "2.00")))
                            score_id = ids("par_self_scores")
                            when = utc(date(year, 10, rng.randint(1, 28)))
                            self_scores.append(
                                (
                                    score_id,
                                    leaf_id,
                                    score,
                                    "Đã hoàn thành, có minh chứng.",
                                    c.users[4],
                                    when,
                                )
                            )
                            if closed:
                                accepted = rng.random() < 0.85
                                appraisals.append(
                                    (
                                        ids("par_appraisals"),
                                        score_id,
                                        accepted,
                                        score if accepted else score - Decimal("0.50"),
                                        "" if accepted else "Minh chứng chưa đầy đủ.",
                                        c.users[1],
                                        when + timedelta(days=20),
                                    )
                                )
            survey_id = ids("par_index_items")
            order += 1
            title = "Đo lường sự hài lòng của người dân, tổ chức"
            items.append(
                (
                    survey_id,
                    set_id,
                    None,
                    "8",
                    title,
                    Decimal("10"),
                    guidance,
                    "survey",
                    1,
                    order,
                    None,
                    key("8", title),
                )
            )
    load.copy(
        "par_index_sets",
        (
            "id",
            "year",
            "title",
            "deadline",
            "status",
            "survey_score",
            "bonus_points",
            "penalty_points",
            "created_at",
            "commune_id",
        ),
        sets,
    )
    load.copy(
        "par_index_items",
        (
            "id",
            "set_id",
            "parent_id",
            "code",
            "title",
            "max_points",
            "guidance",
            "method",
            "level",
            "sort_order",
            "office_id",
            "search_key",
        ),
        items,
    )
    load.copy(
        "par_self_scores",
        ("id", "item_id", "score", "explanation", "scored_by_id", "scored_at"),
        self_scores,
    )
    load.copy(
        "par_appraisals",
        ("id", "self_score_id", "accepted", "score", "reason", "appraised_by_id", "appraised_at"),
        appraisals,
    )


def _audit(load, ids, communes, rng, years, today) -> None:
    start = datetime(years[0], 1, 1, tzinfo=UTC)
    span = (datetime(today.year, today.month, today.day, tzinfo=UTC) - start).total_seconds()

    def rows():
        for c in communes:
            for _ in range(round(PER_COMMUNE["audit"] * c.factor)):
                yield (
                    ids("audit_log"),
                    start + timedelta(seconds=rng.random() * span),
                    rng.choice(c.users),
                    "user.update",
                    "User",
                    str(rng.choice(c.users)),
                    {"full_name": "A"},
                    {"full_name": "B"},
                    c.id,
                )

    load.copy(
        "audit_log",
        (
            "id",
            "at",
            "actor_id",
            "action",
            "object_type",
            "object_id",
            "before",
            "after",
            "commune_id",
        ),
        rows(),
    )


def finish(conn, log=print) -> None:
    """Sequences after the ids given here, then statistics for the planner."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT c.table_name FROM information_schema.columns c "
            "WHERE c.table_schema = 'public' AND c.column_name = 'id' "
            "AND pg_get_serial_sequence(quote_ident(c.table_name), 'id') IS NOT NULL"
        )
        for (table,) in cur.fetchall():
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
            )
    conn.commit()
    started = time.perf_counter()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.autocommit = False
    log(f"  vacuum analyze: {time.perf_counter() - started:.1f} s", flush=True)
