"""Where evidence files live: a folder (the embedded default), the database, or an S3 store.

`storage.save_upload` checks an upload in a temporary file on the local disk (the *spool*,
UPLOAD_DIR) and then hands it to the configured store under a random key. Several app servers
behind a load balancer must not keep files on one machine's disk: they use the database (every
server reads the same rows; a file and the row that refers to it commit or roll back together)
or an S3-compatible object store through boto3 (MinIO, Ceph, a cloud bucket).

``STORAGE_BACKEND`` chooses: ``local`` (default), ``database`` or ``s3`` (``S3_BUCKET``,
``S3_ENDPOINT_URL``, ``S3_PREFIX``, ``S3_REGION``; the credentials come the usual boto3 way,
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` or an instance role).

A store that cannot be reached raises :class:`StoreUnreachable` (an OSError), which the upload
path turns into its Vietnamese "nothing was saved" message and downloads into a 503.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from sqlalchemy import Column, DateTime, Integer, LargeBinary, String, Table, delete, insert, select

from .extensions import db

__all__ = [
    "BACKENDS",
    "DatabaseStore",
    "FileStore",
    "LocalStore",
    "S3Store",
    "StoreUnreachable",
    "StoredObject",
    "store_from_config",
    "stored_files",
]

BACKENDS = ("local", "database", "s3")

# Rows of the database store: one per file, its bytes inline (evidence is at most 20 MB).
stored_files = Table(
    "stored_files",
    db.metadata,
    Column("storage_key", String(32), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("data", LargeBinary, nullable=False),
)


class StoreUnreachable(OSError):
    """The file store did not answer (object store down, network, credentials)."""


@dataclass(frozen=True)
class StoredObject:
    """One file as a store lists it (for the garbage collector)."""

    key: str
    size: int
    modified: float  # seconds since the epoch


class FileStore(Protocol):
    """What every store does. ``transactional`` stores write through the request's database
    session: their files need no deleting after a rollback, the rollback removes them."""

    name: str
    transactional: bool
    spool: Path  # the local folder where uploads are checked before they are put

    def put(self, key: str, source: Path) -> None:
        """Take the checked temporary file ``source`` (moved or copied, then removed)."""

    def open(self, key: str) -> BinaryIO:
        """The file for reading; FileNotFoundError if there is none."""

    def delete(self, key: str) -> bool:
        """Remove a file; True if it existed."""

    def local_path(self, key: str) -> Path | None:
        """A path on this machine's disk, when the store has one (served by send_file)."""

    def objects(self) -> Iterator[StoredObject]:
        """Every stored file, for storage-gc."""


def _key_path(root: Path, key: str) -> Path:
    return root / key[:2] / key


class LocalStore:
    """Files under a folder as ``<key[:2]>/<key>`` (one server, or a shared mount)."""

    name = "local"
    transactional = False

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = self.spool = Path(root)

    def put(self, key: str, source: Path) -> None:
        final = _key_path(self.root, key)
        final.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(source, final)  # the spool is this folder: same filesystem, atomic

    def open(self, key: str) -> BinaryIO:
        return _key_path(self.root, key).open("rb")

    def delete(self, key: str) -> bool:
        try:
            _key_path(self.root, key).unlink()
        except FileNotFoundError:
            return False
        return True

    def local_path(self, key: str) -> Path | None:
        return _key_path(self.root, key).absolute()

    def objects(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for shard in self.root.iterdir():
            if not (shard.is_dir() and len(shard.name) == 2):
                continue
            for path in shard.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    stat = path.stat()
                    yield StoredObject(path.name, stat.st_size, stat.st_mtime)


class DatabaseStore:
    """Files as rows of ``stored_files``, written through the request's session: every app
    server sees them, and a file commits or rolls back with the rows that refer to it."""

    name = "database"
    transactional = True

    def __init__(self, spool: str | os.PathLike[str] | None = None) -> None:
        self.spool = Path(spool or tempfile.gettempdir())

    def put(self, key: str, source: Path) -> None:
        data = source.read_bytes()
        db.session.execute(
            insert(stored_files).values(
                storage_key=key, size=len(data), created_at=datetime.now(UTC), data=data
            )
        )
        source.unlink()

    def open(self, key: str) -> BinaryIO:
        data = db.session.scalar(
            select(stored_files.c.data).where(stored_files.c.storage_key == key)
        )
        if data is None:
            raise FileNotFoundError(key)
        return io.BytesIO(data)

    def delete(self, key: str) -> bool:
        result = db.session.execute(delete(stored_files).where(stored_files.c.storage_key == key))
        return bool(result.rowcount)

    def local_path(self, key: str) -> Path | None:
        return None

    def objects(self) -> Iterator[StoredObject]:
        rows = db.session.execute(
            select(stored_files.c.storage_key, stored_files.c.size, stored_files.c.created_at)
        )
        for key, size, created in rows:
            if created.tzinfo is None:  # SQLite gives back naive UTC
                created = created.replace(tzinfo=UTC)
            yield StoredObject(key, size, created.timestamp())


class S3Store:
    """Files as objects of an S3-compatible bucket, ``<prefix><key>``."""

    name = "s3"
    transactional = False

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        spool: str | os.PathLike[str] | None = None,
        client=None,
    ) -> None:
        self.spool = Path(spool or tempfile.gettempdir())
        self.bucket, self.prefix = bucket, prefix
        self._endpoint_url, self._region = endpoint_url, region
        self._client = client

    @property
    def client(self):
        if self._client is None:
            import boto3
            from botocore.config import Config

            # Bounded waits: a store that does not answer must not hold a worker for minutes.
            config = Config(
                connect_timeout=5, read_timeout=30, retries={"max_attempts": 2, "mode": "standard"}
            )
            self._client = boto3.client(
                "s3", endpoint_url=self._endpoint_url, region_name=self._region, config=config
            )
        return self._client

    def _call(self, method: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(kwargs.get("Key")) from err
            raise StoreUnreachable(f"S3 {method}: {code or err}") from err
        except BotoCoreError as err:
            raise StoreUnreachable(f"S3 {method}: {err}") from err

    def put(self, key: str, source: Path) -> None:
        with source.open("rb") as body:
            self._call("put_object", Key=self.prefix + key, Body=body)
        source.unlink()

    def open(self, key: str) -> BinaryIO:
        body = self._call("get_object", Key=self.prefix + key)["Body"]
        spooled = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - returned open
        try:
            shutil.copyfileobj(body, spooled)
        except OSError as err:
            spooled.close()
            raise StoreUnreachable(f"S3 read: {err}") from err
        finally:
            body.close()
        spooled.seek(0)
        return spooled  # type: ignore[return-value]

    def delete(self, key: str) -> bool:
        try:
            self._call("head_object", Key=self.prefix + key)
        except FileNotFoundError:
            return False
        self._call("delete_object", Key=self.prefix + key)
        return True

    def local_path(self, key: str) -> Path | None:
        return None

    def objects(self) -> Iterator[StoredObject]:
        token = None
        while True:
            extra = {"ContinuationToken": token} if token else {}
            page = self._call("list_objects_v2", Prefix=self.prefix, **extra)
            for item in page.get("Contents", []):
                yield StoredObject(
                    item["Key"][len(self.prefix) :],
                    item["Size"],
                    item["LastModified"].timestamp(),
                )
            if not page.get("IsTruncated"):
                return
            token = page["NextContinuationToken"]


def store_from_config(config: Mapping) -> FileStore:
    """The store the configuration names (checked when the app starts)."""
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend == "local":
        return LocalStore(config["UPLOAD_DIR"])
    if backend == "database":
        return DatabaseStore(config["UPLOAD_DIR"])
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET (and usually S3_ENDPOINT_URL).")
        return S3Store(
            config["S3_BUCKET"],
            prefix=config.get("S3_PREFIX") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region=config.get("S3_REGION") or None,
            spool=config["UPLOAD_DIR"],
        )
    raise RuntimeError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}.")
