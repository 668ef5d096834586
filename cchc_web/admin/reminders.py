"""The daily reminder e-mail (`flask send-reminders`): to each person, one digest of what waits
for them with a deadline coming (the inbox's items, core/inbox.py), never the same item twice
on the same day, never to someone who opted out or has no valid address.

How far ahead is set per commune (`Commune.settings["reminder_days"]`): by default 3 days
before the 20th for reports, 5 days before a round's or the PAR Index's deadline, and on the
day a catch-up plan falls due; anything overdue is in every day's digest until done.

Sent with the standard library's smtplib rather than Flask-Mail: it is one more dependency
for a thin wrapper over the same module, it sends inside a request or application context
only, and the command needs what smtplib gives directly: one connection for the run, a
timeout on every command, and the error of each message (a refused recipient, a server that
stops answering) so that the rest are still sent and the failed ones are tried the next day.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from sqlalchemy import select

from ..core.emails import valid_email
from ..core.extensions import db
from ..core.inbox import InboxItem, collect
from ..models import Commune, ReminderSent, User

DEFAULT_DAYS = {"report": 3, "round": 5, "catchup": 0, "decision": 0}
# Which lead time each kind of inbox item follows.
KIND_DAYS = {
    "report": "report",
    "initiative": "round",
    "council": "round",
    "par": "round",
    "task": "catchup",
    "decision": "decision",
}


def lead_days(commune: Commune | None = None) -> dict[str, int]:
    commune = commune or Commune.current()
    found = dict(DEFAULT_DAYS)
    configured = ((commune.settings or {}) if commune else {}).get("reminder_days") or {}
    for name, value in configured.items():
        if name in found and isinstance(value, int) and 0 <= value <= 60:
            found[name] = value
    return found


def due_items(user: User, today: date, days: dict[str, int]) -> list[InboxItem]:
    """The user's inbox items worth an e-mail today: dated, overdue or within their lead time."""
    found = []
    for item in collect(user, today):
        if not item.remind or item.due is None or item.kind not in KIND_DAYS:
            continue
        if (item.due - today).days <= days[KIND_DAYS[item.kind]]:
            found.append(item)
    return found


@dataclass
class Digest:
    user: User
    items: list[InboxItem]


@dataclass
class RunReport:
    sent: list[str] = field(default_factory=list)  # "Họ tên <address>: n việc"
    failed: list[str] = field(default_factory=list)  # "Họ tên <address>: why"
    skipped_no_email: int = 0
    nothing_new: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


def digests(today: date) -> tuple[list[Digest], int]:
    """One digest per person with items not yet sent today; and how many people with due items
    have no valid address."""
    days = lead_days()
    users = db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.reminders_enabled.is_(True))
        .order_by(User.id)
    ).all()
    sent_today = {
        (user_id, key)
        for user_id, key in db.session.execute(
            select(ReminderSent.user_id, ReminderSent.item_key).where(ReminderSent.day == today)
        )
    }
    found, no_email = [], 0
    for user in users:
        items = [i for i in due_items(user, today, days) if (user.id, i.key) not in sent_today]
        if not items:
            continue
        if not valid_email(user.email):
            no_email += 1
            continue
        found.append(Digest(user, items))
    return found, no_email


def compose(
    digest: Digest,
    today: date,
    link: Callable[[InboxItem], str],
    sender: str,
    place: str,
    settings_url: str = "",
) -> EmailMessage:
    count = len(digest.items)
    lines = [
        f"Kính gửi {digest.user.full_name},",
        "",
        f"Hôm nay {today:%d/%m/%Y}, có {count} việc của bạn sắp đến hạn hoặc đã quá hạn:",
        "",
    ]
    for n, item in enumerate(digest.items, 1):
        lines.append(f"{n}. {item.title}")
        lines.append(f"   {item.due_text(today)}")
        if item.detail:
            lines.append(f"   {item.detail}")
        lines.append(f"   {item.action}: {link(item)}")
        lines.append("")
    lines += [
        "Danh sách đầy đủ ở trang Việc cần làm của hệ thống CCHC.",
        "Không muốn nhận thư nhắc việc: bỏ chọn “Nhận thư nhắc việc” tại "
        + (settings_url or "trang Thư nhắc việc của tài khoản")
        + ".",
        "",
        f"Hệ thống quản lý cải cách hành chính — {place}",
    ]
    message = EmailMessage()
    message["Subject"] = f"[CCHC] {count} việc cần làm đến hạn — {today:%d/%m/%Y}"
    message["From"] = sender
    message["To"] = formataddr((digest.user.full_name, digest.user.email))
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip(">") or None)
    message.set_content("\n".join(lines))
    return message


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 20
    sender: str = "cchc@localhost"


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    if settings.starttls:
        server.starttls()
    if settings.username:
        server.login(settings.username, settings.password)
    return server


def _why(err: BaseException) -> str:
    if isinstance(err, socket.timeout | TimeoutError) or "timed out" in str(err):
        return "máy chủ SMTP không trả lời trong thời gian chờ"
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return "máy chủ SMTP từ chối địa chỉ người nhận"
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return "máy chủ SMTP từ chối tên đăng nhập hoặc mật khẩu (SMTP_USERNAME, SMTP_PASSWORD)"
    if isinstance(err, smtplib.SMTPResponseException):
        return f"máy chủ SMTP từ chối ({err.smtp_code})"
    if isinstance(err, ConnectionRefusedError):
        return "máy chủ SMTP từ chối kết nối"
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return "máy chủ SMTP ngắt kết nối giữa chừng"
    return f"lỗi kết nối SMTP ({type(err).__name__})"


def send_all(
    today: date,
    settings: SmtpSettings,
    link: Callable[[InboxItem], str],
    place: str,
    settings_url: str = "",
) -> RunReport:
    """Send today's digests; each one sent is logged (and committed) at once, so a failure
    later in the run never sends it again; a failed one is tried again on the next run."""
    report = RunReport()
    pending, report.skipped_no_email = digests(today)
    if not pending:
        return report
    server = None
    for n, digest in enumerate(pending):
        who = f"{digest.user.full_name} <{digest.user.email}>"
        if server is None:
            try:
                server = _connect(settings)
            except (smtplib.SMTPException, OSError) as err:
                # No server to talk to: nobody else gets theirs in this run either.
                why = _why(err)
                report.failed += [
                    f"{d.user.full_name} <{d.user.email}>: {why}" for d in pending[n:]
                ]
                break
        try:
            message = compose(digest, today, link, settings.sender, place, settings_url)
            server.send_message(message)
        except (smtplib.SMTPException, OSError) as err:
            report.failed.append(f"{who}: {_why(err)}")
            if not isinstance(err, smtplib.SMTPRecipientsRefused):
                server = _close(server)  # the connection itself is in doubt: a new one next
            continue
        for item in digest.items:
            db.session.add(ReminderSent(user_id=digest.user.id, item_key=item.key, day=today))
        db.session.commit()
        report.sent.append(f"{who}: {len(digest.items)} việc")
    _close(server)
    return report


def _close(server: smtplib.SMTP | None) -> None:
    if server is not None:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()
    return None
