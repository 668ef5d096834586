"""gunicorn configuration for CCHC Web: `gunicorn -c gunicorn.conf.py wsgi:app`.

Used by the README's deployment section, `make soak` and `make faults`. Every value can be
overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS, …).

Why these values (issue 15): with 2 synchronous workers, one table lock held for 20 s froze
every page, and past 30 s gunicorn killed both workers. Now each worker serves several requests
at once on threads (a request waiting on a lock holds one thread, not the worker), the database
gives up a statement after DB_STATEMENT_TIMEOUT_MS (15 s) and a lock wait after
DB_LOCK_TIMEOUT_MS (5 s), and gunicorn's own timeout is well above both, so a slow request ends
with the application's Vietnamese "hệ thống đang bận" page and never with a killed worker.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", 2)
worker_class = "gthread"
# Keep DB_POOL_SIZE (10) + DB_MAX_OVERFLOW (5) >= threads: every thread may hold a connection.
threads = _int("GUNICORN_THREADS", 8)
# Above DB_STATEMENT_TIMEOUT_MS (15 s) + DB_CONNECT_TIMEOUT (5 s): the database always gives up
# first. With threaded workers this is the heartbeat of the whole worker process, not a limit on
# one request.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Recycle workers now and then: bounds any slow growth of memory.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = 500

# Access log on standard output, with the time each request took (in microseconds: %(D)s).
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'

# The proxy in front (nginx) may set X-Forwarded-Proto; the application's ProxyFix
# (TRUSTED_PROXIES) handles the client address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Files the workers create (the SQLite database, uploads, backups) readable by this
    account only: the workers inherit the master's umask."""
    os.umask(0o077)
