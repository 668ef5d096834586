"""`make bench`: server time per main page, SQL statements per page at 1× and 10× data, a bare
Flask + Jinja baseline, and a load test of gunicorn with wrk. Writes bench/results.json.

Targets (Quality issue): p95 ≤ 50 ms and ≤ 3× the baseline; the same statement count at 1× and
10×, at most 15; ≥ 300 requests/s with 0 errors on the dashboard.

Each request and each baseline render is timed twice: by the wall clock (the targets) and by
the CPU time of the thread (`time.thread_time()`), which other processes on a shared machine do
not inflate, so the two columns say how much of a p95 was waiting for the CPU.

Every page is timed as the server renders it for every reader: there is no whole-page cache
(issue 16 measured that it did not raise throughput on the mixed `make soak` workload); only
the dashboard's body is cached per data version (cchc_web/core/cache.py).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from flask import Flask
from sqlalchemy import event

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402
from cchc_web import create_app  # noqa: E402
from cchc_web.core.extensions import db  # noqa: E402

# name, account (key in dataset accounts), url
# The url's {placeholders} are filled from what dataset.build returns.
PAGES: list[tuple[str, str, str]] = [
    ("home", "staff", "/"),
    # The inbox is kept per data version like the dashboard's body; these three are measured
    # as after a write (the cache emptied before every request): the providers' real cost.
    ("inbox_secretariat", "secretariat", "/"),
    ("inbox_member", "member", "/"),
    ("inbox_chairman", "chairman", "/"),
    ("dashboard", "secretariat", "/dashboard/"),
    ("dashboard_late_tasks", "secretariat", "/dashboard/tasks?status=late"),
    ("office_workspace", "staff", "/offices/{staff_office}/"),
    ("task_history", "staff", "/offices/{staff_office}/tasks/{task_id}"),
    ("plans", "secretariat", "/plans/"),
    ("plan", "secretariat", "/plans/{plan_id}"),
    ("reports", "secretariat", "/reports/"),
    ("initiatives", "secretariat", "/initiatives/"),
    ("initiative", "secretariat", "/initiatives/{initiative_id}"),
    ("emulation", "chairman", "/initiatives/emulation"),
    ("council_results", "secretariat", "/council/{council_id}/results"),
    ("council_to_score", "member", "/council/{council_id}/score"),
    ("decisions", "chairman", "/decisions/"),
    ("admin_users", "admin", "/admin/users"),
    ("admin_users_search", "admin", "/admin/users?q=th%E1%BB%AD&status=active"),
    ("admin_audit", "admin", "/admin/audit"),
    # Search (issue 17): the global search and the boxes where records live. The dataset's
    # texts are alike on purpose: "thủ tục hành chính" is in every task and initiative.
    ("search_everywhere", "secretariat", "/search?q=th%E1%BB%A7+t%E1%BB%A5c+h%C3%A0nh+ch%C3%ADnh"),
    ("search_accent_free", "staff", "/search?q=don+gian+hoa+nhom+7"),
    ("search_abbreviation", "admin", "/search?q=TTHC"),
    ("plan_search", "secretariat", "/plans/{plan_id}?q=TTHC+nhom+1"),
    ("office_search", "staff", "/offices/{staff_office}/?q=ra+soat"),
    ("initiatives_search", "secretariat", "/initiatives/?q=chuyen+doi+so"),
    ("decisions_search", "chairman", "/decisions/?q=sang+kien"),
    ("reports_search", "secretariat", "/reports/?q=van+ban+chi+dao"),
    ("par_search", "staff", "/par-index/?q=TTHC"),
]
LOAD_PAGE = ("dashboard", "secretariat", "/dashboard/")

TARGET_P95_MS = 50
TARGET_RATIO = 3
TARGET_STATEMENTS = 15
TARGET_RPS = 300


def make_app(url: str, uploads: Path):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(uploads))


def prepare_database(url: str, uploads: Path, scale: int) -> dict:
    import flask_migrate

    app = make_app(url, uploads)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        flask_migrate.upgrade()
        started = time.perf_counter()
        accounts = dataset.build(scale)
        print(f"  dataset ×{scale} built in {time.perf_counter() - started:.1f} s", flush=True)
    return accounts


def logged_in_client(app, username: str):
    from cchc_web.models import User

    client = app.test_client()
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.username == username))
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True
    return client


def _cold(name: str) -> None:
    """Empty the fragment cache before a request of a page measured uncached."""
    if name.startswith("inbox_"):
        from cchc_web.core.cache import fragments

        fragments.clear()


def time_pages(app, accounts: dict, requests: int) -> dict:
    results = {}
    for name, account, url in PAGES:
        url = url.format(**accounts)
        client = logged_in_client(app, accounts[account])
        for _ in range(5):
            assert client.get(url).status_code == 200, (name, url)
        samples, cpu = [], []
        for _ in range(requests):
            _cold(name)
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = client.get(url)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, url, response.status_code)
        results[name] = {
            "p50_ms": round(statistics.median(samples), 2),
            "p95_ms": _p95(samples),
            "cpu_p50_ms": round(statistics.median(cpu), 2),
            "cpu_p95_ms": _p95(cpu),
        }
    return results


def count_statements(app, accounts: dict) -> dict:
    """Statements per page: the queries a page really makes."""
    counts = {}
    with app.app_context():
        engine = db.engine
    for name, account, url in PAGES:
        url = url.format(**accounts)
        client = logged_in_client(app, accounts[account])
        seen: list[str] = []

        def count(conn, cursor, statement, *args, seen=seen):
            seen.append(statement)

        client.get(url)  # warm caches that a real server keeps between requests
        _cold(name)
        event.listen(engine, "before_cursor_execute", count)
        try:
            client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[name] = len(seen)
    return counts


def _p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return round(samples[max(int(len(samples) * 0.95) - 1, 0)], 2)


def capture_contexts(app, accounts: dict) -> dict:
    """Each page's template and the context it was rendered with (what the view built from
    the database, plus the context processors' values), captured from one real request."""
    from flask import template_rendered

    captured = {}
    for name, account, url in PAGES:
        url = url.format(**accounts)
        client = logged_in_client(app, accounts[account])
        seen: list = []

        def record(sender, template, context, seen=seen, **extra):
            seen.append((template, dict(context)))

        template_rendered.connect(record, app)
        try:
            client.get(url)
        finally:
            template_rendered.disconnect(record, app)
        # The first template rendered is the page; later ones are includes done by hand.
        captured[name] = (url, accounts[account], *seen[0])
    return captured


def baseline(app, accounts: dict, requests: int) -> dict:
    """The same pages rendered by Flask + Jinja from prebuilt data: each page's own template
    re-rendered from its captured context, with no database, ORM loading, login or view code,
    plus what a bare Flask app costs to answer one request. No SQL may run while it renders:
    a statement would mean the baseline still reads the database, and it fails the bench."""
    from flask_login import login_user

    from cchc_web.models import User

    bare = Flask("baseline")
    body = "x" * 50_000

    @bare.get("/")
    def bare_page():
        return body

    bare_client = bare.test_client()
    for _ in range(5):
        bare_client.get("/")
    bare_samples, bare_cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.thread_time()
        bare_client.get("/")
        bare_cpu.append((time.thread_time() - started_cpu) * 1000)
        bare_samples.append((time.perf_counter() - started) * 1000)
    bare_p95, bare_cpu_p95 = _p95(bare_samples), _p95(bare_cpu)

    captured = capture_contexts(app, accounts)
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    results = {}
    for name, (url, username, template, context) in captured.items():
        with app.test_request_context(url):
            login_user(db.session.scalar(db.select(User).where(User.username == username)))
            event.listen(engine, "before_cursor_execute", count)
            try:
                for _ in range(5):
                    template.render(context)
                samples, cpu = [], []
                for _ in range(requests):
                    started, started_cpu = time.perf_counter(), time.thread_time()
                    template.render(context)
                    cpu.append((time.thread_time() - started_cpu) * 1000)
                    samples.append((time.perf_counter() - started) * 1000)
            finally:
                event.remove(engine, "before_cursor_execute", count)
        if statements:
            raise SystemExit(f"baseline of {name} ran SQL: {statements[:3]}")
        results[name] = (round(_p95(samples) + bare_p95, 2), round(_p95(cpu) + bare_cpu_p95, 2))
    return results


def _login_cookie(base: str, username: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    data = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "username": username, "password": dataset.PASSWORD}
    ).encode()
    opener.open(f"{base}/login", data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load_test(url: str, uploads: Path, accounts: dict, seconds: int) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        print("  wrk is not installed (apt-get install wrk): load test skipped", flush=True)
        return {"rps": None, "errors": None, "skipped": "wrk missing"}
    port = 5099
    env = {
        **os.environ,
        "CCHC_CONFIG": "production",
        "SECRET_KEY": "bench-secret-key-bench-secret-key",
        "SESSION_COOKIE_SECURE": "0",
        "DATABASE_URL": url,
        "UPLOAD_DIR": str(uploads),
        "REQUIRE_SIGNING_CERTIFICATE": "0",  # the demo certificate, explicitly (issue 15)
        "CCHC_PUBLIC_URL": "http://127.0.0.1",  # required in production (issue 13)
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        cookie = _login_cookie(base, accounts[LOAD_PAGE[1]])
        out = subprocess.run(
            [
                wrk,
                "-t2",
                "-c16",
                f"-d{seconds}s",
                "--latency",
                "-H",
                f"Cookie: {cookie}",
                f"{base}{LOAD_PAGE[2]}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=10)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(g) for g in match.groups())
    detail = [line.strip() for line in out.splitlines() if "errors" in line or "Non-2xx" in line]
    return {"rps": round(rps, 1), "errors": errors, "detail": detail}


def pdf_figures() -> dict:
    try:
        from bench.decision_pdf import measure
    except ImportError:
        return {"decision_200_ms": None, "bare_reportlab_ms": None}
    return measure()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--load-seconds", type=int, default=30)
    parser.add_argument("--skip-10x", action="store_true")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL")
    work = Path(tempfile.mkdtemp(prefix="cchc-bench-"))
    try:
        url_1x = database_url or f"sqlite:///{work / 'bench1.db'}"
        print("Building the 1× dataset…", flush=True)
        accounts = prepare_database(url_1x, work / "uploads", 1)
        app = make_app(url_1x, work / "uploads")
        pages = time_pages(app, accounts, args.requests)
        statements_1x = count_statements(app, accounts)
        base = baseline(app, accounts, args.requests)
        load_after_pages = os.getloadavg()
        with app.app_context():
            db.engine.dispose()
        print("Load test (gunicorn, 2 workers, wrk)…", flush=True)
        load = load_test(url_1x, work / "uploads", accounts, args.load_seconds)
        statements_10x = {}
        if not args.skip_10x:
            url_10x = database_url or f"sqlite:///{work / 'bench10.db'}"
            print("Building the 10× dataset…", flush=True)
            accounts_10 = prepare_database(url_10x, work / "uploads10", 10)
            app10 = make_app(url_10x, work / "uploads10")
            statements_10x = count_statements(app10, accounts_10)
        results = {
            # The machine's load average (1, 5, 15 min) when the pages had been timed: on a
            # shared machine, how much of a p95 may be other processes' doing.
            "loadavg_after_pages": [round(x, 2) for x in load_after_pages],
            "cpus": os.cpu_count(),
            "pages": {
                name: {
                    **pages[name],
                    "baseline_p95_ms": base[name][0],
                    "baseline_cpu_p95_ms": base[name][1],
                    "statements_1x": statements_1x[name],
                    "statements_10x": statements_10x.get(name),
                }
                for name, *_ in PAGES
            },
            "load": load,
            "pdf": pdf_figures(),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return report(results)


def report(results: dict) -> int:
    failures = []
    print(
        f"\n{'page':24} {'p50 ms':>8} {'p95 ms':>8} {'base p95':>9} {'ratio':>6} "
        f"{'CPU p95':>8} {'base CPU':>9} {'ratio':>6} {'SQL 1×':>7} {'SQL 10×':>8}"
    )
    for name, row in results["pages"].items():
        ratio = row["p95_ms"] / max(row["baseline_p95_ms"], 0.01)
        cpu_ratio = row["cpu_p95_ms"] / max(row["baseline_cpu_p95_ms"], 0.01)
        print(
            f"{name:24} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} {row['baseline_p95_ms']:9.2f} "
            f"{ratio:6.1f} {row['cpu_p95_ms']:8.2f} {row['baseline_cpu_p95_ms']:9.2f} "
            f"{cpu_ratio:6.1f} {row['statements_1x']:7} {str(row['statements_10x']):>8}"
        )
        if row["p95_ms"] > TARGET_P95_MS:
            failures.append(f"{name}: p95 {row['p95_ms']} ms > {TARGET_P95_MS} ms")
        if ratio > TARGET_RATIO:
            failures.append(f"{name}: p95 is {ratio:.1f}× the baseline > {TARGET_RATIO}×")
        if row["statements_1x"] > TARGET_STATEMENTS:
            failures.append(f"{name}: {row['statements_1x']} SQL statements > {TARGET_STATEMENTS}")
        if row["statements_10x"] is not None and row["statements_10x"] != row["statements_1x"]:
            failures.append(
                f"{name}: statements grow with data ({row['statements_1x']} → {row['statements_10x']})"
            )
    print(
        f"\nload average after the pages: {results['loadavg_after_pages']} on {results['cpus']} CPUs"
    )
    load = results["load"]
    print(f"load: {load}")
    if load.get("rps") is not None:
        if load["rps"] < TARGET_RPS:
            failures.append(f"load: {load['rps']} requests/s < {TARGET_RPS}")
        if load["errors"]:
            failures.append(f"load: {load['errors']} errors")
    pdf = results["pdf"]
    print(f"pdf: {pdf}")
    if pdf.get("decision_200_ms") is not None:
        if pdf["decision_200_ms"] > 300:
            failures.append(f"pdf: {pdf['decision_200_ms']} ms > 300 ms")
        if pdf["decision_200_ms"] > 1.5 * pdf["bare_reportlab_ms"]:
            failures.append("pdf: more than 1.5× the bare ReportLab render")
    print("\n" + ("\n".join(f"MISSED {f}" for f in failures) if failures else "All targets met."))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
