"""Digital signatures (chữ ký số): PAdES signing and verification with pyHanko.

A document is signed as Vietnamese offices sign: first by the person, with their own
certificate (registered in ``certificates.py``), then by the commune's certificate, which adds
its seal as a second signature in an incremental update. This module signs and verifies; the
commune's own key comes from the configuration (environment or app config):

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
from flask import Flask

from ..core.settings import application

log = logging.getLogger(__name__)
T = TypeVar("T")

SIGNATURE_FIELD = "ChuKyLanhDao"  # the signer's signature, in the signature block
SEAL_FIELD = "DauCoQuan"  # the organisation's seal, invisible, signed last
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
    state.subject = holder_of(signer.signing_cert)[0]
    if not state.trust_roots:
        # The chain inside the PKCS#12 file: its self-signed certificates are the roots.
        state.trust_roots = [c for c in signer.cert_registry if c.subject == c.issuer]
    if demo:
        log.warning("Signing with the DEMO certificate %s: not for production use", p12)
    return state


def init_app(app: Flask) -> None:
    """Load the commune's key at start-up so that a wrong passphrase shows in the log now."""
    app.extensions["cchc_signing"] = _load(app)


def state(app: Flask | None = None) -> SigningState:
    app = app or application()
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


# --- credentials -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Credential:
    """A key that signs: a person's (their name and title) or the commune's seal."""

    signer: object  # pyhanko SimpleSigner
    holder: str
    title: str = ""


def organisation_credential() -> Credential:
    """The commune's own certificate: the seal that follows the signer's signature."""
    current = state()
    if current.signer is None:
        raise SigningUnavailable(current.error or "Không có chứng thư số của UBND để đóng dấu.")
    return Credential(current.signer, current.subject, "")


def load_pkcs12(data: bytes, passphrase: bytes):
    """A pyHanko signer from PKCS#12 bytes; ValueError for a wrong passphrase or bad file."""
    from pyhanko.sign import signers

    try:
        signer = signers.SimpleSigner.load_pkcs12_data(data, (), passphrase)
    except (OSError, ValueError, TypeError) as err:
        raise ValueError(str(err)) from err
    if signer is None or signer.signing_cert is None:
        raise ValueError("no key or certificate in the PKCS#12 file")
    return signer


def holder_of(cert) -> tuple[str, str]:
    """(common name, title) of an asn1crypto certificate."""
    names = cert.subject.native
    return names.get("common_name") or cert.subject.human_friendly, names.get("title") or ""


# --- signing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureRequest:
    """One signature to add: by whom, in which field, where it shows.

    ``box`` None makes an invisible signature (the seal). ``appearance`` is a one-page PDF
    (drawn by the documents module, Vietnamese text and all) shown in the field; without it the
    field shows what the page already has there.
    """

    credential: Credential
    field: str
    reason: str
    location: str = ""
    page_index: int = 0
    box: tuple[float, float, float, float] | None = None
    appearance: bytes | None = None
    #: Sign the document's existing empty field ``field`` (made by an earlier signer for this
    #: one, see :class:`EmptyField`) instead of creating it: its place is in the file.
    existing: bool = False


@dataclass(frozen=True)
class EmptyField:
    """A signature field left empty for a later signer (the chair who signs minutes after
    the secretary): made in the same revision as a signature, so that signature covers it."""

    name: str
    page_index: int
    box: tuple[float, float, float, float]


def _appearance_style(appearance: bytes | None):
    from pyhanko.pdf_utils import content
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.stamp.noop import NoOpStampStyle
    from pyhanko.stamp.static import StaticStampStyle

    if appearance is None:
        return NoOpStampStyle()

    class _Page(content.ImportedPdfPage):
        """pyHanko's imported page reads a file; ours is in memory."""

        def render(self) -> bytes:
            import binascii
            import uuid

            from pyhanko.pdf_utils.layout import BoxConstraints

            xobj = self._ensure_writer.import_page_as_xobject(
                PdfFileReader(io.BytesIO(appearance)), page_ix=0
            )
            name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
            self.resources.xobject[name.decode("ascii")] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            return name + b" Do"

    from pyhanko.pdf_utils import layout

    return StaticStampStyle(
        background=_Page(None),
        border_width=0,
        background_opacity=1.0,
        # The stamp is drawn at the field's size: no margin, no scaling.
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MIN,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins.uniform(0),
        ),
    )


def sign_pdf(
    pdf: bytes,
    request: SignatureRequest,
    *,
    when: dt.datetime | None = None,
    empty_fields: tuple[EmptyField, ...] = (),
) -> bytes:
    """Add one PAdES signature to ``pdf`` as an incremental update (earlier signatures stay
    valid). ``when`` is the signing time written in the signature (default: now);
    ``empty_fields`` are added, unsigned, in the same revision."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for empty in empty_fields:
        fields.append_signature_field(
            writer, fields.SigFieldSpec(empty.name, on_page=empty.page_index, box=empty.box)
        )
    meta = signers.PdfSignatureMetadata(
        field_name=request.field,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=request.reason,
        location=request.location,
    )
    spec = (
        None
        if request.existing
        else fields.SigFieldSpec(
            request.field, on_page=request.page_index, box=request.box or (0, 0, 0, 0)
        )
    )

    class _Signer(signers.PdfSigner):
        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            if when is not None:
                session.system_time = when
            return session

    pdf_signer = _Signer(
        meta,
        request.credential.signer,
        stamp_style=_appearance_style(request.appearance),
        new_field_spec=spec,
    )
    out = _outside_event_loop(
        lambda: pdf_signer.sign_pdf(
            writer, existing_fields_only=request.existing, bytes_reserved=BYTES_RESERVED
        )
    )
    return out.getvalue()


def field_box(pdf: bytes, name: str) -> tuple[float, float, float, float] | None:
    """The rectangle of the signature field ``name`` (to draw its appearance at its size)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for field_name, _value, ref in enumerate_sig_fields(reader):
        if field_name == name:
            annotation = ref.get_object()
            rect = annotation.get("/Rect")
            if rect is None and "/Kids" in annotation:
                rect = annotation["/Kids"][0].get_object().get("/Rect")
            return tuple(float(v) for v in rect) if rect is not None else None
    return None


def sign_in_turn(
    pdf: bytes, requests: list[SignatureRequest], *, when: dt.datetime | None = None
) -> bytes:
    """The signatures one after the other: the person first, then the seal."""
    for request in requests:
        pdf = sign_pdf(pdf, request, when=when)
    return pdf


# --- verification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureReport:
    """What one signature of an uploaded PDF says; every text is Vietnamese."""

    present: bool
    intact: bool = False  # the signed bytes are unchanged
    whole_file: bool = False  # nothing but allowed signatures was added after it
    trusted: bool = False  # chains to the commune's trusted root
    signer: str = ""
    title: str = ""  # the certificate's title: the capacity it signs in
    signed_at: dt.datetime | None = None
    reason: str = ""
    problem: str = ""

    @property
    def valid(self) -> bool:
        return self.present and self.intact and self.whole_file and self.trusted


@dataclass(frozen=True)
class SignatureCheck:
    """Every signature of a file, in signing order."""

    signatures: tuple[SignatureReport, ...] = ()

    @property
    def present(self) -> bool:
        return bool(self.signatures)

    @property
    def valid(self) -> bool:
        return self.present and all(s.valid for s in self.signatures)

    @property
    def reason(self) -> str:
        return self.signatures[0].reason if self.signatures else ""

    @property
    def problem(self) -> str:
        if not self.signatures:
            return "Tệp không có chữ ký số."
        return next((s.problem for s in self.signatures if s.problem), "")


def check_signature(pdf: bytes) -> SignatureCheck:
    """Validate every signature of ``pdf`` against the commune's trusted roots.

    The last signature must cover the ENTIRE file: pyHanko accepts bytes appended after a
    signed revision as an allowed modification, but an issued document may not change at all.
    An earlier signature covers its own revision, and what came after it may only be further
    signatures (pyHanko's difference analysis: form filling or less).
    Raises ValueError when the bytes are not a readable PDF.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as err:
        raise ValueError(str(err)) from err
    except Exception as err:  # noqa: BLE001 - any parser failure on uploaded bytes is bad input
        log.info("Unreadable PDF uploaded for verification: %r", err)
        raise ValueError(str(err)) from err
    last = len(signatures) - 1
    return SignatureCheck(tuple(_check_one(s, i == last) for i, s in enumerate(signatures)))


def _check_one(embedded, is_last: bool) -> SignatureReport:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    reason = str(embedded.sig_object.get("/Reason", "") or "")
    try:
        context = ValidationContext(trust_roots=state().trust_roots, allow_fetching=False)
        status = _outside_event_loop(lambda: validate_pdf_signature(embedded, context))
    except Exception as err:  # noqa: BLE001 - a malformed signature is a finding, not a 500
        log.info("Signature validation failed: %s", err)
        return SignatureReport(
            present=True, reason=reason, problem="Chữ ký số không đọc được hoặc đã bị sửa."
        )
    if is_last:
        covered = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    else:
        level = getattr(status, "modification_level", None)
        covered = (
            status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
            and level is not None
            and level <= ModificationLevel.FORM_FILLING
            and bool(getattr(status, "docmdp_ok", True))
        )
    problem = ""
    if not (status.intact and status.valid):
        problem = "Nội dung đã bị thay đổi sau khi ký: chữ ký không còn khớp."
    elif not covered:
        problem = "Tệp đã bị thêm hoặc sửa nội dung sau khi ký."
    elif not status.trusted:
        problem = "Chứng thư số không do cơ quan tin cậy của hệ thống cấp."
    holder, title = holder_of(status.signing_cert)
    return SignatureReport(
        present=True,
        intact=bool(status.intact and status.valid),
        whole_file=covered,
        trusted=bool(status.trusted),
        signer=holder,
        title=title,
        signed_at=status.signer_reported_dt,
        reason=reason,
        problem=problem,
    )


# --- demo PKI --------------------------------------------------------------------------------

DEMO_CA_KEY = "demo-ca-key.pem"
#: Demo certificates are valid from here: demo Decisions of past years are signed "then".
DEMO_VALID_FROM = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _demo_name(common: str, unit: str | None = None, title: str | None = None):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CCHC Web (DEMO)"),
    ]
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    if title:
        parts.append(x509.NameAttribute(NameOID.TITLE, title))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common))
    return x509.Name(parts)


def _end_entity(subject, public_key, ca_cert, ca_key, years: int):
    """A signing certificate (digital signature + non-repudiation) issued by the demo CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID

    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(DEMO_VALID_FROM)
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=years * 365))
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


def _pkcs12(label: str, key, cert, ca_cert) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    passphrase = secrets.token_urlsafe(18).encode()
    data = pkcs12.serialize_key_and_certificates(
        label.encode(), key, cert, [ca_cert], serialization.BestAvailableEncryption(passphrase)
    )
    return data, passphrase


def make_demo_pki(folder: Path, commune_name: str, *, force: bool = False) -> bool:
    """A demo root CA and the commune's certificate (EC P-256: fast to sign with).

    Writes ``demo-ca.pem`` and its key (mode 600: it issues the demo leaders' certificates,
    see :func:`issue_demo_certificate`), ``demo-commune.p12`` and its random passphrase
    (mode 600). Returns False (and changes nothing) when they exist already, unless ``force``.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    p12_path = folder / DEMO_P12
    if p12_path.exists() and (folder / DEMO_CA_KEY).exists() and not force:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _demo_name("CCHC Web Demo Root CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(DEMO_VALID_FROM)
        .not_valid_after(dt.datetime.now(dt.UTC) + dt.timedelta(days=3650))
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
    cert = _end_entity(_demo_name(holder, "Ủy ban nhân dân"), key.public_key(), ca_cert, ca_key, 3)
    p12, passphrase = _pkcs12(holder, key, cert, ca_cert)
    _write_private(folder / DEMO_PASSPHRASE, passphrase + b"\n")
    _write_private(p12_path, p12)
    _write_private(
        folder / DEMO_CA_KEY,
        ca_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    (folder / DEMO_CA).write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return True


def demo_ca_folder(app: Flask) -> Path | None:
    """Where a demo CA that can issue certificates lives: the demo PKI, or the configured
    key's folder when that is a demo PKI (tests, trials). None for a real installation."""
    folder = Path(_setting(app, "CCHC_SIGNING_P12")).parent if configured(app) else demo_dir(app)
    return folder if (folder / DEMO_CA_KEY).exists() else None


def issue_demo_certificate(folder: Path, holder: str, title: str) -> tuple[bytes, bytes]:
    """A personal certificate of the demo CA in ``folder``: (PKCS#12 bytes, passphrase).

    ``title`` (e.g. "Phó Chủ tịch UBND xã Chí Minh") is the capacity the certificate signs in.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_cert = x509.load_pem_x509_certificate((folder / DEMO_CA).read_bytes())
    ca_key = serialization.load_pem_private_key((folder / DEMO_CA_KEY).read_bytes(), None)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _end_entity(_demo_name(holder, title=title), key.public_key(), ca_cert, ca_key, 3)
    return _pkcs12(holder, key, cert, ca_cert)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
