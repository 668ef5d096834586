"""The suite. `make test` runs it in two pytest-xdist worker processes (`-n 2`); each worker
has a PostgreSQL database of its own (TEST_DATABASE_URL's name + "_gw0", "_gw1": conftest.py
creates it and drops it afterwards) and an instance folder of its own (the demo's signing
keys), set here, before the app's configuration is imported. Without xdist nothing changes.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1"… in a worker, else None
SHARED_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")

if WORKER:
    if SHARED_DATABASE_URL:
        from sqlalchemy.engine import make_url

        _url = make_url(SHARED_DATABASE_URL)
        os.environ["TEST_DATABASE_URL"] = _url.set(
            database=f"{_url.database}_{WORKER}"
        ).render_as_string(hide_password=False)
    _instance = tempfile.mkdtemp(prefix=f"cchc-instance-{WORKER}-")
    os.environ["CCHC_INSTANCE_DIR"] = _instance
    atexit.register(shutil.rmtree, _instance, ignore_errors=True)
