"""`flask send-reminders` (issue 18, item 2) against a real SMTP server running in-process
(aiosmtpd): one Vietnamese digest per person with items due, nothing twice on the same day,
opt-out and invalid addresses respected, a refusing or silent server reported and retried the
next run, and without SMTP configured the command says so."""

from __future__ import annotations

import email
import socket
from datetime import date
from email import policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from cchc_web.admin import reminders
from cchc_web.core.emails import clean_email, valid_email
from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models import Commune, ReminderSent

from .factories import make_plan, make_user
from .test_inbox import returned_report

TODAY = date(2025, 12, 17)  # three days before the 20th


class Inbox:
    """An SMTP handler that keeps what it receives; `refuse` answers every RCPT with 550."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 Hộp thư không tồn tại"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(app):
    handler = Inbox()
    with socket.socket() as probe:  # aiosmtpd 1.4 cannot listen on port 0: find a free one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TIMEOUT=5)
    yield handler
    controller.stop()
    app.config.update(SMTP_HOST="")


@pytest.fixture
def people(commune, set_today):
    """VP's head and staff with a report due on the 20th; KT's head with a returned report;
    someone without an address; someone who opted out."""
    set_today(TODAY)
    make_plan(period_start=date(2025, 7, 1), period_end=date(2025, 12, 31))
    returned_report("KT", reason="Thiếu số liệu")
    found = {
        "vp_head": make_user(roles=("head",), office="VP", full_name="Phạm Văn Minh"),
        "vp_staff": make_user(roles=("staff",), office="VP", full_name="Nguyễn Thị Lan"),
        "kt_head": make_user(roles=("head",), office="KT", full_name="Hoàng Văn Nam"),
        "no_email": make_user(roles=("head",), office="HCC"),
        "opted_out": make_user(roles=("head",), office="CA"),
    }
    for key, user in found.items():
        if key != "no_email":
            user.email = f"{key.replace('_', '.')}@chiminh.example.vn"
    found["opted_out"].reminders_enabled = False
    db.session.commit()
    return found


def run(runner, *args):
    return runner.invoke(args=["send-reminders", *args])


def test_one_digest_per_person_then_none_the_same_day(runner, smtp, people):
    result = run(runner)
    assert result.exit_code == 0, result.output
    recipients = sorted(m["To"].addresses[0].addr_spec for m in smtp.messages)
    assert recipients == [
        "kt.head@chiminh.example.vn",
        "vp.head@chiminh.example.vn",
        "vp.staff@chiminh.example.vn",
    ]
    kt = next(m for m in smtp.messages if "kt.head" in m["To"])
    body = kt.get_content()
    assert kt["Subject"].startswith("[CCHC] ")
    assert "Kính gửi Hoàng Văn Nam," in body
    assert "Sửa và nộp lại báo cáo tháng 11/2025 (bị trả lại)" in body
    assert "Lý do trả lại: Thiếu số liệu" in body
    assert "Quá hạn 27 ngày" in body
    assert "https://cchc.chiminh.example.vn/reports/" in body  # a link to where it is done
    vp = next(m for m in smtp.messages if "vp.head" in m["To"]).get_content()
    assert "Lập và nộp báo cáo tháng 12/2025" in vp and "còn 3 ngày" in vp
    assert "1 người có việc đến hạn nhưng chưa có e-mail hợp lệ" in result.output

    again = run(runner)
    assert again.exit_code == 0
    assert len(smtp.messages) == 3  # nothing twice on the same day
    assert "Không có thư nào cần gửi hôm nay" in again.output


def test_nothing_before_the_lead_time(runner, smtp, people, set_today):
    set_today(date(2025, 12, 16))  # four days before the 20th: only November's, overdue
    assert run(runner).exit_code == 0
    bodies = [m.get_content() for m in smtp.messages]
    assert bodies and all("tháng 11/2025" in b for b in bodies)
    assert not any("tháng 12/2025" in b or "năm 2025" in b for b in bodies)


def test_the_commune_sets_the_lead_time(runner, smtp, people, set_today):
    commune = Commune.current()
    commune.settings = {**commune.settings, "reminder_days": {"report": 7}}
    db.session.commit()
    set_today(date(2025, 12, 14))
    run(runner)
    assert len(smtp.messages) == 3


def test_a_refusing_server_is_reported_and_tried_again_next_run(runner, smtp, people):
    smtp.refuse = True
    result = run(runner)
    assert result.exit_code == 1
    assert "Chưa gửi được" in result.output and "từ chối địa chỉ người nhận" in result.output
    assert "lần chạy sau (ngày mai) sẽ gửi lại" in result.output
    assert "Traceback" not in result.output
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 0
    smtp.refuse = False
    assert run(runner).exit_code == 0
    assert len(smtp.messages) == 3


def test_a_silent_server_times_out_without_a_crash(app, runner, people):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts, never says a word
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=silent.getsockname()[1], SMTP_TIMEOUT=1)
    try:
        result = run(runner)
    finally:
        silent.close()
        app.config.update(SMTP_HOST="")
    assert result.exit_code == 1
    assert "không trả lời trong thời gian chờ" in result.output
    assert "Traceback" not in result.output


def test_without_smtp_the_command_says_so_and_the_inbox_still_works(
    runner, client, people, login_as
):
    result = run(runner)
    assert result.exit_code == 0
    assert "Chưa cấu hình máy chủ thư (SMTP_HOST)" in result.output
    login_as("head", office="VP")
    assert "Lập và nộp báo cáo tháng 12/2025" in client.get("/").get_data(as_text=True)


def test_dry_run_prints_the_digests(runner, people):
    result = run(runner, "--dry-run")
    assert result.exit_code == 0
    assert "Tới: Phạm Văn Minh <vp.head@chiminh.example.vn>" in result.output
    assert "3 thư sẽ được gửi" in result.output


# -- addresses and the person's own choice -----------------------------------------------------
@pytest.mark.parametrize(
    "text", ["khong-co-a-cong", "a@b", "a b@c.vn", "a@@c.vn", "x" * 250 + "@c.vn", "a\x00b@c.vn"]
)
def test_invalid_addresses_are_refused(text):
    assert not valid_email(text)
    with pytest.raises(DomainError, match="Địa chỉ e-mail không hợp lệ"):
        clean_email(text)


def test_valid_addresses_are_kept_trimmed():
    assert clean_email("  Ten.NguoiDung@ChiMinh.gov.vn ") == "ten.nguoidung@chiminh.gov.vn"
    assert clean_email("") == ""


def test_a_person_sets_their_address_and_opts_out(client, login_as):
    user = login_as("staff", office="VP")
    bad = client.post("/account/reminders", data={"email": "lan@", "reminders_enabled": "y"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Địa chỉ e-mail không hợp lệ" in html and 'value="lan@"' in html
    ok = client.post("/account/reminders", data={"email": "lan@chiminh.gov.vn"})
    assert ok.status_code in (302, 303)
    db.session.refresh(user)
    assert user.email == "lan@chiminh.gov.vn" and user.reminders_enabled is False


def test_the_administrator_sets_an_address(client, login_as):
    login_as("admin", office=None)
    staff = make_user(roles=("staff",), office="VP", username="vp.moi")
    form = {
        "username": "vp.moi",
        "full_name": staff.full_name,
        "position_title": "Chuyên viên",
        "office_id": str(staff.office_id),
        "roles": ["staff"],
        "active": "y",
        "email": "khong hop le",
        "reminders_enabled": "y",
    }
    refused = client.post(f"/admin/users/{staff.id}/edit", data=form)
    assert "Địa chỉ e-mail không hợp lệ" in refused.get_data(as_text=True)
    form["email"] = "vp.moi@chiminh.gov.vn"
    assert client.post(f"/admin/users/{staff.id}/edit", data=form).status_code in (302, 303)
    db.session.refresh(staff)
    assert staff.email == "vp.moi@chiminh.gov.vn"


def test_reminders_module_reads_defaults_without_a_commune_setting(commune):
    assert reminders.lead_days() == {"report": 3, "round": 5, "catchup": 0, "decision": 0}
