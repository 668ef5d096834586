"""The commune's digital signature (chữ ký số): PAdES signing and verification with pyHanko.

Configuration (environment or app config):

* ``CCHC_SIGNING_P12``: the commune's PKCS#12 file (certificate, key, chain);
* ``CCHC_SIGNING_PASSPHRASE``: its passphrase;
* ``CCHC_SIGNING_CA``: optional PEM file of the trusted root(s) for verification.

Without them, the demo PKI made by ``flask demo-pki`` under ``instance/pki/`` is used (and a
warning is logged). The key is loaded once per process: at start-up, and again only if it was
missing then (``demo-pki`` run later). A wrong passphrase is reported in the log at start-up
and by a Vietnamese refusal at approval, never by a 500.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import io
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from flask import Flask, current_app

log = logging.getLogger(__name__)
T = TypeVar("T")

SIGNATURE_FIELD = "ChuKyLanhDao"
#: Room kept for the CMS signature: avoids pyHanko's dry-run double signing (DEPENDENCIES.md).
BYTES_RESERVED = 8192
DEMO_DIR_NAME = "pki"
DEMO_P12 = "demo-commune.p12"
DEMO_CA = "demo-ca.pem"
DEMO_PASSPHRASE = "demo-passphrase"  # noqa: S105 - the NAME of the file holding it


class SigningUnavailable(Exception):
    """The commune's key cannot be used; ``message`` is Vietnamese, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class SigningState:
    signer: object | None = None  # pyhanko SimpleSigner
    subject: str = ""  # the certificate holder, for the stamp and the verify page
    trust_roots: list = field(default_factory=list)  # asn1crypto certificates
    error: str | None = None
    missing: bool = False  # nothing configured and no demo PKI yet: retried at next use
    demo: bool = False


_lock = threading.Lock()


# --- configuration ---------------------------------------------------------------------------


def _setting(app: Flask, key: str) -> str | None:
    value = app.config.get(key)
    if value is None:
        value = os.environ.get(key)
    return value or None


def configured(app: Flask) -> bool:
    """True when the operator named a real PKCS#12 file (the demo PKI is then not used)."""
    return _setting(app, "CCHC_SIGNING_P12") is not None


def demo_dir(app: Flask) -> Path:
    return Path(app.instance_path) / DEMO_DIR_NAME


def _paths(app: Flask) -> tuple[Path | None, bytes | None, Path | None, bool]:
    """(p12 path, passphrase, CA path, demo?) from the configuration or the demo PKI."""
    p12 = _setting(app, "CCHC_SIGNING_P12")
    ca = _setting(app, "CCHC_SIGNING_CA")
    if p12:
        passphrase = _setting(app, "CCHC_SIGNING_PASSPHRASE")
        return (
            Path(p12),
            passphrase.encode() if passphrase is not None else None,
            Path(ca) if ca else None,
            False,
        )
    folder = demo_dir(app)
    pass_file = folder / DEMO_PASSPHRASE
    passphrase = pass_file.read_bytes().strip() if pass_file.exists() else None
    return folder / DEMO_P12, passphrase, Path(ca) if ca else folder / DEMO_CA, True


def _load_pem_certs(path: Path) -> list:
    data = path.read_bytes()
    if not pem.detect(data):
        return [asn1_x509.Certificate.load(data)]
    return [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]


def _load(app: Flask) -> SigningState:
    from pyhanko.sign import signers

    p12, passphrase, ca, demo = _paths(app)
    state = SigningState(demo=demo)
    if ca is not None and ca.exists():
        try:
            state.trust_roots = _load_pem_certs(ca)
        except (OSError, ValueError) as err:
            log.error("Cannot read the trusted root certificate %s: %s", ca, err)
    if p12 is None or not p12.exists():
        state.missing = demo
        state.error = (
            "Chưa có chứng thư số của UBND để ký. Quản trị hệ thống cần cấu hình "
            "CCHC_SIGNING_P12 (hoặc chạy “flask demo-pki” để tạo chứng thư mẫu)."
        )
        log.warning("No signing certificate at %s: approvals cannot be signed yet", p12)
        return state
    if passphrase is None:
        state.error = (
            "Chưa cấu hình mật khẩu chứng thư số (CCHC_SIGNING_PASSPHRASE): không ký được "
            "văn bản. Báo quản trị hệ thống."
        )
        log.error("CCHC_SIGNING_PASSPHRASE is not set for %s", p12)
        return state
    try:
        signer = signers.SimpleSigner.load_pkcs12_data(p12.read_bytes(), (), passphrase)
    except (OSError, ValueError) as err:
        state.error = (
            "Không mở được chứng thư số của UBND (sai mật khẩu hoặc tệp hỏng): không ký được "
            "văn bản. Báo quản trị hệ thống kiểm tra CCHC_SIGNING_PASSPHRASE."
        )
        log.error("Cannot open the signing certificate %s: %s (wrong passphrase?)", p12, err)
        return state
    state.signer = signer
    state.subject = _holder_name(signer.signing_cert)
    if not state.trust_roots:
        # The chain inside the PKCS#12 file: its self-signed certificates are the roots.
        state.trust_roots = [c for c in signer.cert_registry if c.subject == c.issuer]
    if demo:
        log.warning("Signing with the DEMO certificate %s: not for production use", p12)
    return state


def _holder_name(cert) -> str:
    names = cert.subject.native
    return names.get("common_name") or cert.subject.human_friendly


def init_app(app: Flask) -> None:
    """Load the commune's key at start-up so that a wrong passphrase shows in the log now."""
    app.extensions["cchc_signing"] = _load(app)


def state(app: Flask | None = None) -> SigningState:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    current = app.extensions.get("cchc_signing")
    if current is None or current.missing:
        with _lock:
            current = app.extensions.get("cchc_signing")
            if current is None or current.missing:
                current = app.extensions["cchc_signing"] = _load(app)
    return current


def reload(app: Flask) -> SigningState:
    with _lock:
        app.extensions["cchc_signing"] = _load(app)
        return app.extensions["cchc_signing"]


# --- signing ---------------------------------------------------------------------------------


def _outside_event_loop(func: Callable[[], T]) -> T:
    """Run ``func`` where pyHanko's synchronous API may call asyncio.run().

    That fails in a thread whose event loop is running (an async server, Playwright's sync
    API in the tests): there, a short-lived worker thread does the work.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return func()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(func).result()


def sign_pdf(
    pdf: bytes,
    page_index: int,
    box: tuple[float, float, float, float],
    *,
    reason: str,
    location: str,
) -> bytes:
    """Sign ``pdf`` with the commune's key in a new field over ``box`` (PAdES B-B).

    The visible stamp is already drawn in the page (see ``SignatureBlock.stamp_lines``):
    pyHanko draws nothing (NoOpStampStyle), it only signs the field.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp.noop import NoOpStampStyle

    current = state()
    if current.signer is None:
        raise SigningUnavailable(current.error or "Không có chứng thư số để ký.")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        current.signer,
        stamp_style=NoOpStampStyle(),
        new_field_spec=fields.SigFieldSpec(SIGNATURE_FIELD, on_page=page_index, box=box),
    )
    out = _outside_event_loop(lambda: pdf_signer.sign_pdf(writer, bytes_reserved=BYTES_RESERVED))
    return out.getvalue()


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    """What the signature of an uploaded PDF says; every text is Vietnamese."""

    present: bool
    intact: bool = False  # the signed bytes are unchanged
    whole_file: bool = False  # the signature covers the entire file (nothing added after)
    trusted: bool = False  # chains to the commune's trusted root
    signer: str = ""
    signed_at: dt.datetime | None = None
    reason: str = ""
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.present and self.intact and self.whole_file and self.trusted


def check_signature(pdf: bytes) -> SignatureReport:
    """Validate the last signature of ``pdf`` against the commune's trusted roots.

    Coverage of the ENTIRE file is required here: pyHanko accepts bytes appended after the
    signed revision as an allowed modification, but an issued Decision may not change at all.
    Raises ValueError when the bytes are not a readable PDF.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as err:
        raise ValueError(str(err)) from err
    except Exception as err:  # noqa: BLE001 - any parser failure on uploaded bytes is bad input
        log.info("Unreadable PDF uploaded for verification: %r", err)
        raise ValueError(str(err)) from err
    if not signatures:
        return SignatureReport(present=False, problem="Tệp không có chữ ký số.")
    embedded = signatures[-1]
    reason = str(embedded.sig_object.get("/Reason", "") or "")
    try:
        context = ValidationContext(trust_roots=state().trust_roots, allow_fetching=False)
        status = _outside_event_loop(lambda: validate_pdf_signature(embedded, context))
    except Exception as err:  # noqa: BLE001 - a malformed signature is a finding, not a 500
        log.info("Signature validation failed: %s", err)
        return SignatureReport(
            present=True, reason=reason, problem="Chữ ký số không đọc được hoặc đã bị sửa."
        )
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problem = ""
    if not (status.intact and status.valid):
        problem = "Nội dung đã bị thay đổi sau khi ký: chữ ký không còn khớp."
    elif not whole:
        problem = "Tệp đã bị thêm nội dung sau khi ký."
    elif not status.trusted:
        problem = "Chứng thư số không do cơ quan tin cậy của hệ thống cấp."
    return SignatureReport(
        present=True,
        intact=bool(status.intact and status.valid),
        whole_file=whole,
        trusted=bool(status.trusted),
        signer=_holder_name(status.signing_cert),
        signed_at=status.signer_reported_dt,
        reason=reason,
        problem=problem,
    )


# --- demo PKI --------------------------------------------------------------------------------


def make_demo_pki(folder: Path, commune_name: str, *, force: bool = False) -> bool:
    """A demo root CA and the commune's certificate (EC P-256: fast to sign with).

    Writes ``demo-ca.pem``, ``demo-commune.p12`` and its random passphrase (mode 600).
    Returns False (and changes nothing) when they exist already, unless ``force``.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    p12_path = folder / DEMO_P12
    if p12_path.exists() and not force:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

    def name(common: str, unit: str | None = None) -> x509.Name:
        parts = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CCHC Web (DEMO)"),
        ]
        if unit:
            parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
        parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
        return x509.Name(parts)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("CCHC Web Demo Root CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    holder = f"UBND {commune_name}"
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(holder, "Chủ tịch UBND"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    passphrase = secrets.token_urlsafe(18).encode()
    p12 = pkcs12.serialize_key_and_certificates(
        holder.encode(),
        key,
        cert,
        [ca_cert],
        serialization.BestAvailableEncryption(passphrase),
    )
    _write_private(folder / DEMO_PASSPHRASE, passphrase + b"\n")
    _write_private(p12_path, p12)
    (folder / DEMO_CA).write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return True


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
