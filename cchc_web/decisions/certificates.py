"""The signers' personal certificates: registering them, and the key of the person who signs.

A document is signed by a person, in a capacity, then sealed by the commune (SPEC §6). The
capacity is read from the certificate itself (its title, "Phó Chủ tịch UBND xã …"), so that a
Vice-Chairman's certificate can never sign where the Chairman signs, whatever the account's
roles say. The PKCS#12 file is kept in the database; its passphrase is encrypted with a key
derived from the application's SECRET_KEY (changing SECRET_KEY means registering the
certificates again).
"""

from __future__ import annotations

import base64
import threading
import unicodedata
from datetime import UTC, datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.settings import secret_key
from ..core.timeutil import format_date, utcnow
from ..models import Capacity, Role, SealCertificate, SigningCertificate, User, UserRole
from ..records import audit
from . import signing

MAX_P12_BYTES = 64 * 1024  # a PKCS#12 file with its chain is a few kB

_cache: dict[tuple[int, datetime], signing.Credential] = {}
_cache_lock = threading.Lock()


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in text if unicodedata.category(c) != "Mn").lower().split())


def capacity_from_title(title: str) -> Capacity | None:
    """ "Phó Chủ tịch UBND xã Chí Minh" → vice-chairman; "Chủ tịch UBND …" → chairman."""
    folded = _fold(title)
    if "pho chu tich" in folded:
        return Capacity.VICE_CHAIRMAN
    if "chu tich" in folded and "hoi dong" not in folded:
        return Capacity.CHAIRMAN
    return None


def signing_capacity(user: User) -> Capacity:
    """The capacity a leader approves in: the Chairman's own, or "KT. CHỦ TỊCH"."""
    if user.has_role(Role.CHAIRMAN):
        return Capacity.CHAIRMAN
    if user.has_role(Role.VICE_CHAIRMAN):
        return Capacity.VICE_CHAIRMAN
    return Capacity.OFFICIAL


def _fernet() -> Fernet:
    secret = secret_key()
    if isinstance(secret, str):
        secret = secret.encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"cchc-signing-passphrase"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def certificate_of(user: User) -> SigningCertificate | None:
    return db.session.scalar(
        select(SigningCertificate).where(SigningCertificate.user_id == user.id)
    )


def register(
    user: User,
    p12: bytes,
    passphrase: str,
    actor: User | None,
    capacity: Capacity | str | None = None,
) -> SigningCertificate:
    """Register (or replace) ``user``'s personal certificate (``actor`` None: the command
    line, run by the operator).

    Refused: a file that does not open with the passphrase, an expired certificate, a capacity
    the certificate's title contradicts, a capacity the account does not hold (only a
    Chairman's account takes a Chairman's certificate).
    """
    if actor is not None and not actor.is_admin:
        raise DomainError("Chỉ quản trị hệ thống được đăng ký chứng thư số.")
    if not p12:
        raise DomainError("Hãy chọn tệp chứng thư số (.p12 hoặc .pfx).", "file")
    if len(p12) > MAX_P12_BYTES:
        raise DomainError("Tệp quá lớn để là một chứng thư số (.p12).", "file")
    try:
        signer = signing.load_pkcs12(p12, passphrase.encode())
    except ValueError:
        raise DomainError(
            "Không mở được tệp chứng thư số: sai mật khẩu hoặc tệp không phải PKCS#12.",
            "passphrase",
        ) from None
    cert = signer.signing_cert
    holder, title = signing.holder_of(cert)
    not_before = cert["tbs_certificate"]["validity"]["not_before"].native
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    if not_after <= utcnow():
        raise DomainError(
            f"Chứng thư số của {holder} đã hết hạn ngày {format_date(not_after)}.", "file"
        )
    from_title = capacity_from_title(title)
    chosen = Capacity(capacity) if capacity else None
    if from_title and chosen and from_title is not chosen:
        raise DomainError(
            f"Chứng thư số ghi chức danh “{title}”: không đăng ký với tư cách {chosen.label} được.",
            "capacity",
        )
    final = from_title or chosen or Capacity.OFFICIAL
    if final is Capacity.CHAIRMAN and not user.has_role(Role.CHAIRMAN):
        raise DomainError(
            f"{user.full_name} không giữ chức Chủ tịch UBND: không nhận chứng thư của Chủ tịch.",
            "capacity",
        )
    if final is Capacity.VICE_CHAIRMAN and not user.has_role(Role.VICE_CHAIRMAN, Role.CHAIRMAN):
        raise DomainError(
            f"{user.full_name} không giữ chức Phó Chủ tịch UBND: không nhận chứng thư này.",
            "capacity",
        )
    row = certificate_of(user)
    before = audit.snapshot(row, ("holder", "capacity", "serial")) if row else None
    if row is None:
        row = SigningCertificate(user=user)
        db.session.add(row)
    row.capacity = final
    row.holder = holder
    row.title = title
    row.issuer = cert.issuer.human_friendly[:300]
    row.serial = format(cert.serial_number, "x")[:80]
    row.not_before = not_before
    row.not_after = not_after
    row.p12 = p12
    row.passphrase_token = _fernet().encrypt(passphrase.encode()).decode()
    row.registered_by = actor
    row.registered_at = utcnow()
    audit.record(
        "certificate.register",
        user,
        before=before,
        after={"holder": holder, "capacity": final.value, "serial": row.serial},
        actor=actor,
    )
    return row


def remove(user: User, actor: User) -> None:
    if not actor.is_admin:
        raise DomainError("Chỉ quản trị hệ thống được gỡ chứng thư số.")
    row = certificate_of(user)
    if row is None:
        raise DomainError(f"{user.full_name} chưa có chứng thư số.")
    audit.record(
        "certificate.remove", user, before={"holder": row.holder, "serial": row.serial}, actor=actor
    )
    db.session.delete(row)


def credential_for(user: User, *, capacity: Capacity | None = None) -> signing.Credential:
    """The key ``user`` signs with; DomainError (Vietnamese) when they have none, it has
    expired, does not open, or is of another ``capacity`` than the one they sign in."""
    row = certificate_of(user)
    if row is None:
        raise DomainError(
            f"{user.full_name} chưa có chứng thư số cá nhân trong hệ thống: chưa ký được. "
            "Quản trị hệ thống đăng ký chứng thư tại Quản trị › Chứng thư số."
        )
    not_after = row.not_after if row.not_after.tzinfo else row.not_after.replace(tzinfo=UTC)
    if not_after <= utcnow():
        raise DomainError(
            f"Chứng thư số của {user.full_name} đã hết hạn ngày {format_date(not_after)}: "
            "chưa ký được. Quản trị hệ thống cần đăng ký chứng thư mới."
        )
    if capacity is not None and Capacity(row.capacity) is not capacity:
        raise DomainError(
            f"Chứng thư số của {user.full_name} là của {row.capacity_label} "
            f"(“{row.title or row.holder}”): không ký với tư cách {capacity.label} được."
        )
    key = (row.id, row.registered_at)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    try:
        passphrase = _fernet().decrypt(row.passphrase_token.encode())
        signer = signing.load_pkcs12(row.p12, passphrase)
    except (InvalidToken, ValueError):
        raise DomainError(
            f"Không mở được chứng thư số của {user.full_name} (mật khẩu đã lưu không còn đúng, "
            "hoặc khóa bí mật của hệ thống đã đổi): chưa ký được. Quản trị hệ thống cần đăng ký "
            "lại chứng thư."
        ) from None
    credential = signing.Credential(signer, row.holder, row.title)
    with _cache_lock:
        _cache[key] = credential
    return credential


#: Who signs: leaders (Decisions), council members (a chair and a secretary sign minutes).
SIGNING_ROLES = (Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.COUNCIL_MEMBER)


def signing_users() -> list[User]:
    """Active accounts that sign, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active,
                User.role_rows.any(UserRole.role.in_([r.value for r in SIGNING_ROLES])),
            )
            .order_by(User.full_name, User.id)
        )
    )


def registered_signers() -> list[SigningCertificate]:
    return list(
        db.session.scalars(
            select(SigningCertificate).join(SigningCertificate.user).order_by(User.full_name)
        )
    )


def signer_title(user: User, commune_name: str) -> str:
    """The title a demo certificate carries: "Phó Chủ tịch UBND xã Chí Minh", or the
    person's position ("Trưởng phòng Văn hóa - Xã hội")."""
    place = commune_name[:1].lower() + commune_name[1:]
    if user.has_role(Role.CHAIRMAN):
        return f"Chủ tịch UBND {place}"
    if user.has_role(Role.VICE_CHAIRMAN):
        return f"Phó Chủ tịch UBND {place}"
    return user.position_in_office or "Cán bộ"


def register_demo_certificates(folder, users, commune_name: str) -> list[SigningCertificate]:
    """Give each of ``users`` without a certificate one issued by the DEMO CA in ``folder``
    (the demo and a trial installation only: production registers real certificates)."""
    made = []
    for user in users:
        if certificate_of(user) is not None:
            continue
        data, passphrase = signing.issue_demo_certificate(
            folder, user.full_name, signer_title(user, commune_name)
        )
        made.append(register(user, data, passphrase.decode(), None))
    return made


# -- a tenant's own seal -------------------------------------------------------------------------
_seal_cache: dict[tuple[int, datetime], signing.Credential] = {}


def seal_of(commune_id: int) -> SealCertificate | None:
    return db.session.scalar(
        select(SealCertificate).where(SealCertificate.commune_id == commune_id)
    )


def register_seal(commune_id: int, p12: bytes, passphrase: str) -> SealCertificate:
    """Register (or replace) a tenant's own seal certificate (the operator, from the command
    line: `flask register-seal`). Refused: a file that does not open, an expired certificate."""
    try:
        signer = signing.load_pkcs12(p12, passphrase.encode())
    except ValueError:
        raise DomainError(
            "Không mở được tệp chứng thư số: sai mật khẩu hoặc tệp không phải PKCS#12."
        ) from None
    cert = signer.signing_cert
    holder, _title = signing.holder_of(cert)
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    if not_after <= utcnow():
        raise DomainError(f"Chứng thư số của {holder} đã hết hạn ngày {format_date(not_after)}.")
    row = seal_of(commune_id)
    if row is None:
        row = SealCertificate(commune_id=commune_id)
        db.session.add(row)
    row.holder = holder
    row.issuer = cert.issuer.human_friendly[:300]
    row.serial = format(cert.serial_number, "x")[:80]
    row.not_before = cert["tbs_certificate"]["validity"]["not_before"].native
    row.not_after = not_after
    row.p12 = p12
    row.passphrase_token = _fernet().encrypt(passphrase.encode()).decode()
    row.registered_at = utcnow()
    return row


def seal_credential(commune_id: int) -> signing.Credential:
    """The seal that follows a signature on a document of `commune_id`: the tenant's own
    registered seal, else the deployment's configured one (`signing.organisation_credential`)."""
    row = seal_of(commune_id)
    if row is None:
        try:
            return signing.organisation_credential()
        except signing.SigningUnavailable as err:
            raise DomainError(err.message) from err
    not_after = row.not_after if row.not_after.tzinfo else row.not_after.replace(tzinfo=UTC)
    if not_after <= utcnow():
        raise DomainError(
            f"Chứng thư số của {row.holder} (con dấu) đã hết hạn ngày {format_date(not_after)}: "
            "chưa ký được. Quản trị hệ thống cần đăng ký chứng thư mới."
        )
    key = (row.id, row.registered_at)
    with _cache_lock:
        cached = _seal_cache.get(key)
    if cached is not None:
        return cached
    try:
        signer = signing.load_pkcs12(row.p12, _fernet().decrypt(row.passphrase_token.encode()))
    except (InvalidToken, ValueError):
        raise DomainError(
            f"Không mở được chứng thư số {row.holder} (con dấu): chưa ký được. Quản trị hệ "
            "thống cần đăng ký lại chứng thư."
        ) from None
    credential = signing.Credential(signer, row.holder, "")
    with _cache_lock:
        _seal_cache[key] = credential
    return credential


def register_demo_seal(folder, commune) -> SealCertificate | None:
    """The demo's seal of a tenant other than the first (the city): issued by the DEMO CA in
    ``folder`` to "UBND <name>", registered once."""
    if seal_of(commune.id) is not None:
        return None
    data, passphrase = signing.issue_demo_certificate(folder, f"UBND {commune.name}", "")
    return register_seal(commune.id, data, passphrase.decode())
