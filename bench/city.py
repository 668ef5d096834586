"""`make bench`, city section (issue 20, item 6): the commune pages and the city dashboard on a
city-scale data set of 114 communes (bench/city_dataset.py), on PostgreSQL, as the application
really runs there: connected as the tables' owner, a role that is neither a superuser nor
BYPASSRLS, so the FORCE'd row-level security policies hold on every statement.

- The data set is cached: the database ``bench_city_v<VERSION>`` is reused when it holds the
  same data-set version, was built this year and is at the migrations' heads; else it is
  dropped and rebuilt (`--rebuild` forces it). Its description (accounts, sizes, row counts,
  build time) is the database's comment.
- Pages: every page of the one-commune bench (bench/run.py `PAGES`), cold, signed in as the
  same roles in communes of different sizes (the smallest, a quarter, the median, the largest);
  p50 / p95 by the wall clock and the thread's CPU, PostgreSQL's CPU per request (its
  backends' /proc times), and the statements of each page, shown beside the one-commune
  bench's (bench/results.json of the same `make bench`).
- The city dashboard (`city.dashboard`, GET /city/) signed in as a city-level user, cold;
  "not available" while the application has no such page.
- The aggregate queries a city dashboard needs, across the 114 communes, run in a session
  acting for the city (row-level security's `city_reads`), timed (bench/city_queries.py).
- Two gunicorn servers on the city database, wrk on each: requests/s, errors, and the CPU per
  request of the app servers and of PostgreSQL (the README's scale-out figures).

Targets: every commune page p95 ≤ 50 ms; a page's statements the same in the communes from a
quarter of the sizes up (a count that grows with the commune is a query per row; differences
with the one-commune data set, which lacks some kinds of records, are listed); the city
dashboard p95 ≤ 200 ms. Writes bench/city.json; exits non-zero when a target is missed.

Environment: BENCH_CITY_SERVER (default postgresql://postgres@127.0.0.1:5432, a superuser:
it creates the role and the database and loads the data with COPY). The application's role
signs in without a password, as local connections do on the development machines (trust).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import city_dataset  # noqa: E402
from bench.run import PAGES, _cold, _p95, logged_in_client  # noqa: E402
from cchc_web import create_app  # noqa: E402
from cchc_web.core.extensions import db  # noqa: E402

SERVER = os.environ.get("BENCH_CITY_SERVER", "postgresql://postgres@127.0.0.1:5432")
DATABASE = f"bench_city_v{city_dataset.VERSION}"
APP_ROLE = "bench_city_app"
TARGET_P95_MS = 50
TARGET_CITY_P95_MS = 200
CITY_ENDPOINT = "city.dashboard"
CITY_URL = "/city/"


def _dsn(database: str, user: str | None = None) -> str:
    url = make_url(SERVER).set(drivername="postgresql", database=database)
    if user:
        url = url.set(username=user, password=None)
    return url.render_as_string(hide_password=False)


def app_url(database: str = DATABASE) -> str:
    """The application's connection: the tables' owner, not a superuser."""
    return (
        make_url(_dsn(database, APP_ROLE))
        .set(drivername="postgresql+psycopg")
        .render_as_string(hide_password=False)
    )


def server_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(_dsn("postgres"), connect_timeout=3) as conn:
            return bool(
                conn.execute(
                    "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                ).fetchone()[0]
            )
    except Exception:  # noqa: BLE001 - no PostgreSQL: the city section is skipped
        return False


def _scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config)


def _heads() -> set[str]:
    return set(_scripts().get_heads())


def _revisions() -> list[str]:
    """Every migration with the one it follows: a head of the same name may sit on another
    chain (branches merged, a migration added before it), which the head alone would miss."""
    return sorted(f"{r.revision}<{r.down_revision}" for r in _scripts().walk_revisions())


def cached_description() -> dict | None:
    """The cached database's description when it can be reused as it is."""
    import psycopg

    with psycopg.connect(_dsn("postgres"), autocommit=True) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (DATABASE,),
        ).fetchone()
    if row is None or not row[0]:
        return None
    try:
        meta = json.loads(row[0])
    except ValueError:
        return None
    if (
        meta.get("version") != city_dataset.VERSION
        or meta.get("years", [0])[-1] != date.today().year
    ):
        return None
    with psycopg.connect(_dsn(DATABASE)) as conn:
        versions = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
    if meta.get("revisions") != _revisions():
        return None
    return meta if versions == _heads() else None


def rebuild(database: str = DATABASE, communes: int = 114) -> dict:
    """Drop and create the database (owned by the application's role), migrate it as that
    role, load the data set as the superuser, describe it in the database's comment."""
    import flask_migrate
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(_dsn("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
        if not exists:
            conn.execute(
                f"CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
            )
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if database == DATABASE:  # the data sets of earlier versions are never read again
            for version in range(1, city_dataset.VERSION):
                conn.execute(f'DROP DATABASE IF EXISTS "bench_city_v{version}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}" OWNER {APP_ROLE}')
    with tempfile.TemporaryDirectory(prefix="cchc-city-") as work:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=app_url(database), UPLOAD_DIR=work)
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
    migrated = time.perf_counter()
    print(f"  migrated as {APP_ROLE}: {migrated - started:.1f} s", flush=True)
    with psycopg.connect(_dsn(database)) as conn:
        meta = city_dataset.build(conn, communes=communes)
        city_dataset.finish(conn)
    meta["build_seconds"] = round(time.perf_counter() - started, 1)
    meta["revisions"] = _revisions()
    with psycopg.connect(_dsn("postgres"), autocommit=True) as conn:
        text = json.dumps(meta, ensure_ascii=False).replace("'", "''")
        conn.execute(f"COMMENT ON DATABASE \"{database}\" IS '{text}'")
    print(f"  built in {meta['build_seconds']} s: {meta['rows']}", flush=True)
    return meta


def ensure_database(force: bool = False) -> dict:
    meta = None if force else cached_description()
    if meta is not None:
        print(
            f"  reusing {DATABASE} (built {meta['built_on']} in {meta['build_seconds']} s)",
            flush=True,
        )
        return meta
    print(f"Building {DATABASE}…", flush=True)
    return rebuild()


# -- measurements -------------------------------------------------------------------------------
def measured_communes(meta: dict) -> list[dict]:
    """The smallest commune, one at a quarter, the median and the largest, by size."""
    ranked = sorted(meta["communes"], key=lambda c: c["factor"])
    picks = [0, len(ranked) // 4, len(ranked) // 2, len(ranked) - 1]
    return [ranked[i] for i in picks]


class DatabaseCpu:
    """The CPU time the PostgreSQL backends serving the application's role have used (from
    /proc, when the server runs on this machine): what a page costs the database, which the
    wall clock mixes with the waiting a shared machine adds."""

    def __init__(self, database: str = DATABASE) -> None:
        import psycopg

        self.database = database
        try:
            self.conn = psycopg.connect(_dsn("postgres"), autocommit=True)
        except Exception:  # noqa: BLE001 - no figure rather than no bench
            self.conn = None

    def seconds(self) -> float | None:
        from bench.soak import cpu_seconds

        if self.conn is None:
            return None
        pids = [
            r[0]
            for r in self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND usename = %s",
                (self.database, APP_ROLE),
            )
        ]
        if not pids or not Path(f"/proc/{pids[0]}/stat").exists():
            return None
        return cpu_seconds(pids)


def _time(client, url: str, name: str, requests: int, warmup: int = 5, database=None) -> dict:
    for _ in range(warmup):
        assert client.get(url).status_code == 200, (name, url)
    samples, cpu = [], []
    db_before = database.seconds() if database else None
    for _ in range(requests):
        _cold(name)
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (name, url, response.status_code)
    db_after = database.seconds() if database else None
    db_ms = None
    if db_before is not None and db_after is not None:
        db_ms = round((db_after - db_before) * 1000 / requests, 2)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": _p95(samples),
        "cpu_p50_ms": round(statistics.median(cpu), 2),
        "cpu_p95_ms": _p95(cpu),
        # PostgreSQL's CPU per request (a mean: /proc counts in 10 ms ticks).
        "db_cpu_ms": db_ms,
    }


def _statements(app, client, url: str, name: str) -> int:
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    client.get(url)
    _cold(name)
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def time_commune_pages(
    app, meta: dict, requests: int, warmup: int = 5, database: str = DATABASE
) -> dict:
    results: dict = {}
    database_cpu = DatabaseCpu(database)
    for commune in measured_communes(meta):
        accounts = commune["accounts"]
        rows = {}
        for name, account, url in PAGES:
            url = url.format(**accounts)
            client = logged_in_client(app, accounts[account])
            rows[name] = _time(client, url, name, requests, warmup, database_cpu)
            rows[name]["statements"] = _statements(app, client, url, name)
        results[commune["name"]] = {
            "factor": commune["factor"],
            "counts": commune["counts"],
            "pages": rows,
        }
        print(f"  {commune['name']} (size {commune['factor']}): timed", flush=True)
    return results


def time_city_dashboard(app, meta: dict, requests: int) -> dict:
    if CITY_ENDPOINT not in app.view_functions:
        return {"available": False}
    from cchc_web.core.cache import fragments

    for username in meta["city"]["accounts"]:
        client = logged_in_client(app, username)
        if client.get(CITY_URL).status_code == 200:
            break
    else:
        return {"available": True, "error": "no city account may open /city/"}
    samples, cpu = [], []
    for _ in range(5):
        client.get(CITY_URL)
    for _ in range(requests):
        fragments.clear()
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(CITY_URL)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    fragments.clear()
    return {
        "available": True,
        "account": username,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": _p95(samples),
        "cpu_p95_ms": _p95(cpu),
        "statements": _statements(app, client, CITY_URL, "city"),
    }


SCALE_OUT_PAGES = (
    "dashboard",
    "plans",
    "plan",
    "reports",
    "initiatives",
    "initiative",
    "council_results",
    "search_everywhere",
)


def scale_out(meta: dict, seconds: int) -> dict:
    """Two gunicorn servers (gunicorn.conf.py, one worker of 8 threads each) on the city
    database as the application's role, as behind a load balancer: wrk sends each one the
    secretariat pages of a different commune (a round robin over `SCALE_OUT_PAGES`) for
    `seconds`; requests/s, latency, errors, and the CPU time per request of the app servers
    and of the PostgreSQL backends serving them (what one primary must supply per request)."""
    import re
    import shutil
    import subprocess
    from contextlib import ExitStack

    import psycopg

    from bench.run import _login_cookie
    from bench.soak import cpu_seconds, free_port, gunicorn, process_tree, server_env

    wrk = shutil.which("wrk")
    if wrk is None:
        return {"skipped": "wrk missing"}
    communes = measured_communes(meta)[2:]  # the median and the largest
    with tempfile.TemporaryDirectory(prefix="cchc-city-scale-") as work, ExitStack() as stack:
        work = Path(work)
        servers = []
        for k, commune in enumerate(communes):
            env = {**server_env(app_url(), work / str(k)), "GUNICORN_WORKERS": "1"}
            (work / str(k)).mkdir()
            port = free_port()
            pid = stack.enter_context(gunicorn(env, port, work / str(k) / "gunicorn.log", 1))
            base = f"http://127.0.0.1:{port}"
            accounts = commune["accounts"]
            paths = [url.format(**accounts) for n, _, url in PAGES if n in SCALE_OUT_PAGES]
            script = work / f"paths{k}.lua"
            script.write_text(
                "paths = {" + ", ".join(f'"{p}"' for p in paths) + "}\n"
                "i = 0\n"
                "request = function()\n  i = i + 1\n"
                '  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n'
            )
            cookie = _login_cookie(base, accounts["secretariat"])
            servers.append((pid, base, cookie, script, paths))
        # Warm each server (its pool's connections open), then find their backends.
        for _, base, cookie, _, paths in servers:
            for path in paths:
                request = urllib.request.Request(base + path, headers={"Cookie": cookie})
                urllib.request.urlopen(request, timeout=30).read()
        with psycopg.connect(_dsn("postgres"), autocommit=True) as conn:
            backends = [
                r[0]
                for r in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND usename = %s",
                    (DATABASE, APP_ROLE),
                )
            ]
        app_pids = [p for pid, *_ in servers for p in process_tree(pid)]
        app_before, db_before = cpu_seconds(app_pids), cpu_seconds(backends)
        runs = [
            subprocess.Popen(
                [
                    wrk,
                    "-t1",
                    "-c8",
                    f"-d{seconds}s",
                    "--latency",
                    "-s",
                    str(script),
                    "-H",
                    f"Cookie: {cookie}",
                    base,
                ],
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for _, base, cookie, script, _ in servers
        ]
        outputs = [run.communicate()[0] for run in runs]
        app_cpu = cpu_seconds(app_pids) - app_before
        db_cpu = cpu_seconds(backends) - db_before
    total = errors = 0
    latencies = []
    for out in outputs:
        total += int(re.search(r"(\d+) requests in", out).group(1))
        if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
            errors += int(match.group(1))
        if match := re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
        ):
            errors += sum(int(g) for g in match.groups())
        latencies.append(
            {q: re.search(rf"\s{q}%\s+([\d.]+\w+)", out).group(1) for q in ("50", "90", "99")}
        )
    return {
        "servers": len(servers),
        "seconds": seconds,
        "requests": total,
        "rps": round(total / seconds, 1),
        "errors": errors,
        "latency_per_server": latencies,
        "app_cpu_ms_per_request": round(app_cpu * 1000 / max(total, 1), 2),
        "db_cpu_ms_per_request": round(db_cpu * 1000 / max(total, 1), 2),
        "pages": list(SCALE_OUT_PAGES),
        "communes": [c["name"] for c in communes],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--scale-out-seconds", type=int, default=20)
    args = parser.parse_args()
    if not server_available():
        print(f"(PostgreSQL superuser at {SERVER} unavailable: city section skipped)")
        return 0
    started = time.perf_counter()
    meta = ensure_database(args.rebuild)
    if args.build_only:
        return 0
    from bench import city_queries

    with tempfile.TemporaryDirectory(prefix="cchc-city-") as work:
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=app_url(), UPLOAD_DIR=work)
        with app.app_context():
            role = db.session.execute(
                db.text(
                    "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
                )
            ).one()
        print("Commune pages on the city data set…", flush=True)
        communes = time_commune_pages(app, meta, args.requests)
        load_after_pages = os.getloadavg()
        print("City dashboard…", flush=True)
        city = time_city_dashboard(app, meta, args.requests)
        print("City aggregate queries…", flush=True)
        aggregates = city_queries.measure(app, meta["city"]["id"], args.requests)
        with app.app_context():
            db.engine.dispose()
    print("Two app servers on one PostgreSQL (gunicorn + wrk)…", flush=True)
    servers = scale_out(meta, args.scale_out_seconds) if args.scale_out_seconds else {}
    one_commune = {}
    results_path = ROOT / "bench" / "results.json"
    if results_path.exists():
        one = json.loads(results_path.read_text())
        one_commune = {n: r.get("statements_1x") for n, r in one.get("pages", {}).items()}
    results = {
        "database": DATABASE,
        "role": {"name": role[0], "superuser": role[1], "bypassrls": role[2]},
        "built_on": meta["built_on"],
        "build_seconds": meta["build_seconds"],
        "rows": meta["rows"],
        "loadavg_after_pages": [round(x, 2) for x in load_after_pages],
        "cpus": os.cpu_count(),
        "communes": communes,
        "one_commune_statements": one_commune,
        "city_dashboard": city,
        "aggregates": aggregates,
        "scale_out": servers,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (ROOT / "bench" / "city.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return report(results)


def report(results: dict) -> int:
    failures = []
    rows = results["rows"]
    print(
        f"\nCity data set {results['database']}: {len(results['communes'])} communes measured of "
        f"114; users {rows['users']:,}, tasks {rows['tasks']:,}, task updates "
        f"{rows['task_updates']:,}, initiatives {rows['initiatives']:,}, reports {rows['reports']:,}; "
        f"measured as role {results['role']['name']} (superuser {results['role']['superuser']}, "
        f"bypassrls {results['role']['bypassrls']})"
    )
    names = list(results["communes"])
    print(
        "\nper commune: p50 / p95 ms by the wall clock, CPU: the request's own p95 + PostgreSQL's"
        " mean (ms), statements"
    )
    print(f"{'page':24}" + "".join(f" {n[:30]:>31}" for n in names) + f" {'SQL 1 commune':>14}")
    reference = results["one_commune_statements"]
    notes = []
    for page, *_ in PAGES:
        cells, counts = [], []
        for name in names:
            row = results["communes"][name]["pages"][page]
            db_ms = row.get("db_cpu_ms")
            cpu = f"{row['cpu_p95_ms']:5.1f}+{db_ms:4.1f}" if db_ms is not None else "     "
            cells.append(f"{row['p50_ms']:6.1f}/{row['p95_ms']:6.1f} {cpu} {row['statements']:3}")
            counts.append(row["statements"])
            if row["p95_ms"] > TARGET_P95_MS:
                failures.append(f"{page} in {name}: p95 {row['p95_ms']} ms > {TARGET_P95_MS} ms")
        # The communes from a quarter of the sizes up (a 4x spread of volume) must run the same
        # statements: a count that grows with the commune's size is a query per row. The
        # smallest may run fewer (lists shorter than a page need no count).
        if len(set(counts[1:])) > 1:
            failures.append(f"{page}: statements vary with the commune's size: {counts}")
        expected = reference.get(page)
        mark = ""
        if expected is not None and max(counts) != expected:
            mark = " ≠"
            notes.append(f"{page}: {counts} statements, one-commune bench {expected}")
        print(f"{page:24}" + "".join(f" {c:>24}" for c in cells) + f" {str(expected) + mark:>14}")
    for note in notes:
        print(f"  differs from the one-commune data set (README: kinds of records): {note}")
    for name, data in results["communes"].items():
        print(f"  {name}: size {data['factor']}, {data['counts']}")
    city = results["city_dashboard"]
    if not city["available"]:
        print("\ncity dashboard (/city/): not available (no city.dashboard endpoint in this build)")
    elif "error" in city:
        failures.append(f"city dashboard: {city['error']}")
    else:
        print(
            f"\ncity dashboard (/city/, {city['account']}): p50 {city['p50_ms']} ms, "
            f"p95 {city['p95_ms']} ms, CPU p95 {city['cpu_p95_ms']} ms, {city['statements']} statements"
        )
        if city["p95_ms"] > TARGET_CITY_P95_MS:
            failures.append(f"city dashboard: p95 {city['p95_ms']} ms > {TARGET_CITY_P95_MS} ms")
    print("\ncity aggregate queries (114 communes, a session acting for the city):")
    for name, row in results["aggregates"].items():
        print(
            f"  {name:28} p50 {row['p50_ms']:7.2f} ms  p95 {row['p95_ms']:7.2f} ms  rows {row['rows']}"
        )
    total = sum(r["p95_ms"] for r in results["aggregates"].values())
    print(f"  all four, p95 summed: {total:.1f} ms")
    print(f"\ntwo app servers on one PostgreSQL: {results['scale_out']}")
    print(
        f"\nload average after the pages: {results['loadavg_after_pages']} on {results['cpus']} CPUs; "
        f"city section {results['seconds']} s (data set built in {results['build_seconds']} s)"
    )
    print(
        "\n" + ("\n".join(f"MISSED {f}" for f in failures) if failures else "All city targets met.")
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
