"""`make bench` (and `make sipas-load` alone): 200 citizens answer the satisfaction survey at
the same moment, each with their own receipt's code, against gunicorn + PostgreSQL.

A throwaway PostgreSQL database (or SIPAS_LOAD_DATABASE_URL) gets the migrations and the demo
data; 200 receipts are printed; gunicorn serves the production configuration with 2 workers.
Each virtual citizen (a thread with its own cookies) opens its code's page, then all of them
send their answers at once (a barrier). Then 20 more threads send the answers of ONE new code
at once. Targets (issue 19): 200 stored, 0 errors, 0 duplicates; the shared code stored
exactly once, the others told politely (409); objective 3's value for the month equal to the
month's computed share. Writes bench/sipas.json.

Environment: SIPAS_LOAD_CITIZENS (200), SIPAS_LOAD_SAME_CODE (20), SIPAS_LOAD_DATABASE_URL,
SIPAS_LOAD_PORT.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.soak import ROOT, free_port, gunicorn, prepare, server_env, throwaway_database

OUT = ROOT / "bench" / "sipas.json"
HIDDEN = re.compile(r'name="(csrf_token|version_id|nonce)" value="([^"]*)"')
QUESTION = re.compile(r'name="(q\d+)" value="(\d)"[^>]*required')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def print_receipts(url: str, count: int, prefix: str) -> list[str]:
    """`count` receipts printed by the centre: their codes."""
    os.environ.setdefault("SECRET_KEY", "sipas-load")
    from cchc_web import create_app
    from cchc_web.admin.services import user_by_username
    from cchc_web.core.extensions import db
    from cchc_web.core.timeutil import local_today
    from cchc_web.sipas import services

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        staff = user_by_username("hcc.canbo")
        field = services.procedure_fields()[0]
        codes = [
            services.issue_receipt(
                services.ReceiptData(f"{prefix}-{n:05d}", field.id, local_today()), staff
            ).code
            for n in range(count)
        ]
        db.session.commit()
        db.engine.dispose()
    return codes


class Citizen(threading.Thread):
    def __init__(self, base: str, code: str, start: threading.Barrier, level: str):
        super().__init__(daemon=True)
        self.base, self.code, self.start_line, self.level = base, code, start, level
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.status: int | None = None
        self.error = ""
        self.seconds = 0.0

    def run(self) -> None:
        url = f"{self.base}/sipas/r/{self.code}"
        try:
            with self.opener.open(url, timeout=120) as response:
                page = response.read().decode()
            data = dict(HIDDEN.findall(page))
            data.update({name: self.level for name, _value in set(QUESTION.findall(page))})
        except Exception as err:  # noqa: BLE001 - counted as an error
            self.error = f"GET {url}: {err!r}"
            self.start_line.abort()
            return
        try:
            self.start_line.wait(timeout=300)
        except threading.BrokenBarrierError:
            self.error = self.error or "barrier broken"
            return
        started = time.perf_counter()
        try:
            body = urllib.parse.urlencode(data).encode()
            with self.opener.open(url, body, timeout=120) as response:
                self.status = response.status
        except urllib.error.HTTPError as err:
            self.status = err.code
        except OSError as err:
            self.error = f"POST {url}: {err!r}"
        self.seconds = time.perf_counter() - started


def crowd(base: str, codes: list[str], level: str) -> tuple[list[Citizen], float]:
    start = threading.Barrier(len(codes))
    citizens = [Citizen(base, code, start, level) for code in codes]
    began = time.perf_counter()
    for citizen in citizens:
        citizen.start()
    for citizen in citizens:
        citizen.join(timeout=600)
    return citizens, time.perf_counter() - began


def check_database(url: str) -> dict:
    from sqlalchemy import func, select

    from cchc_web import create_app
    from cchc_web.core.extensions import db
    from cchc_web.core.timeutil import local_today
    from cchc_web.models.plans import Objective, ObjectiveValue
    from cchc_web.models.sipas import SurveyResponse
    from cchc_web.sipas import results

    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        month = local_today().replace(day=1)
        receipts = db.session.execute(
            select(SurveyResponse.receipt_id, func.count())
            .where(SurveyResponse.receipt_id.is_not(None))
            .group_by(SurveyResponse.receipt_id)
        ).all()
        mt3 = db.session.scalar(
            select(ObjectiveValue.value)
            .join(Objective, Objective.id == ObjectiveValue.objective_id)
            .where(Objective.survey_scope == "overall", ObjectiveValue.month == month)
            .order_by(Objective.id.desc())
            .limit(1)
        )
        share = results.measure(month).value
        found = {
            "responses_with_a_receipt": len(receipts),
            "duplicates": sum(1 for _rid, n in receipts if n > 1),
            "objective_value": str(mt3) if mt3 is not None else None,
            "month_share": str(share) if share is not None else None,
        }
        db.engine.dispose()
    return found


def main() -> int:
    citizens = _env_int("SIPAS_LOAD_CITIZENS", 200)
    same = _env_int("SIPAS_LOAD_SAME_CODE", 20)
    work = Path(tempfile.mkdtemp(prefix="cchc-sipas-"))
    log = work / "gunicorn.log"
    os.environ.setdefault("SOAK_DATABASE_URL", os.environ.get("SIPAS_LOAD_DATABASE_URL", ""))
    if not os.environ["SOAK_DATABASE_URL"]:
        del os.environ["SOAK_DATABASE_URL"]
    try:
        with throwaway_database() as url:
            env = server_env(url, work)
            print("Migrating and seeding the demo data…", flush=True)
            prepare(env)
            before = check_database(url)["responses_with_a_receipt"]
            codes = print_receipts(url, citizens, "LOAD")
            (shared,) = print_receipts(url, 1, "SAME")
            port = int(os.environ.get("SIPAS_LOAD_PORT") or free_port())
            with gunicorn(env, port, log):
                base = f"http://127.0.0.1:{port}"
                print(f"{citizens} citizens answer at once on {base} (gunicorn, 2 workers)…")
                answered, seconds = crowd(base, codes, "4")
                print(f"{same} requests with one code at once…", flush=True)
                racing, _ = crowd(base, [shared] * same, "5")
            found = check_database(url)
    finally:
        logged = log.read_text(errors="replace") if log.exists() else ""
        shutil.rmtree(work, ignore_errors=True)
    latencies = sorted(c.seconds * 1000 for c in answered if c.status)
    statuses: dict[str, int] = {}
    for c in answered:
        key = str(c.status) if c.status else "error"
        statuses[key] = statuses.get(key, 0) + 1
    same_statuses: dict[str, int] = {}
    for c in racing:
        key = str(c.status) if c.status else "error"
        same_statuses[key] = same_statuses.get(key, 0) + 1
    stored = found["responses_with_a_receipt"] - before
    report = {
        "citizens": citizens,
        "statuses": statuses,
        "stored": stored - 1 if same_statuses.get("303") else stored,
        "errors": sum(1 for c in answered if c.status != 303),
        "duplicates": found["duplicates"],
        "seconds": round(seconds, 2),
        "answers_per_second": round(citizens / seconds, 1) if seconds else None,
        "latency_ms": {
            "p50": round(statistics.median(latencies), 1) if latencies else None,
            "p95": round(latencies[int(len(latencies) * 0.95) - 1], 1) if latencies else None,
            "max": round(latencies[-1], 1) if latencies else None,
        },
        "same_code": {"requests": same, "statuses": same_statuses},
        "objective_value": found["objective_value"],
        "month_share": found["month_share"],
        "server_errors": [line for line in logged.splitlines() if "Traceback" in line][:5],
        "error_samples": [c.error for c in [*answered, *racing] if c.error][:5],
    }
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    failures = []
    if report["stored"] != citizens:
        failures.append(f"{report['stored']} stored of {citizens}")
    if report["errors"]:
        failures.append(f"{report['errors']} errors {statuses}")
    if report["duplicates"]:
        failures.append(f"{report['duplicates']} duplicates")
    if same_statuses != {"303": 1, "409": same - 1}:
        failures.append(f"one code sent {same} times at once: {same_statuses}")
    if report["objective_value"] != report["month_share"]:
        failures.append("objective 3 differs from the month's share")
    if report["server_errors"] or report["error_samples"]:
        failures.append("errors logged")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    print("\n" + ("\n".join(f"MISSED {f}" for f in failures) if failures else "All targets met."))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
