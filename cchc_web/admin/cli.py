"""Flask commands: seed-demo, init-commune, create-user."""

from __future__ import annotations

import click
from flask import Flask, current_app, url_for
from sqlalchemy import select

from ..core import demo
from ..core.errors import DomainError
from ..core.extensions import db
from ..models import Commune, Role, User
from . import reminders
from . import services as org

# (username, full name, position title, office code, roles); every password is DEMO_PASSWORD.
DEMO_PEOPLE: list[tuple[str, str, str, str | None, set[Role]]] = [
    ("admin", "Quản trị Hệ thống", "Chuyên viên công nghệ thông tin", None, {Role.ADMIN}),
    ("chutich", "Trần Quốc Hưng", "Chủ tịch UBND xã", None, {Role.CHAIRMAN}),
    ("phochutich", "Lê Thị Thanh Hoa", "Phó Chủ tịch UBND xã", None, {Role.VICE_CHAIRMAN}),
]
_OFFICE_PEOPLE = {
    "VP": (("Phạm Văn Minh", "Chánh Văn phòng"), ("Nguyễn Thị Lan", "Chuyên viên Văn phòng")),
    "KT": (("Hoàng Văn Nam", "Trưởng phòng Kinh tế"), ("Vũ Thị Mai", "Chuyên viên")),
    "VHXH": (
        ("Đỗ Thị Hương", "Trưởng phòng Văn hóa - Xã hội"),
        ("Bùi Văn Tuấn", "Chuyên viên cải cách hành chính"),
    ),
    "HCC": (("Ngô Thị Thu", "Giám đốc Trung tâm"), ("Đặng Văn Long", "Viên chức")),
    "VHTT": (("Trịnh Văn Đức", "Giám đốc Trung tâm"), ("Phan Thị Ngọc", "Viên chức")),
    "CA": (("Lý Văn Cường", "Trưởng Công an xã"), ("Mai Văn Khoa", "Cán bộ")),
    "QS": (("Đinh Văn Sơn", "Chỉ huy trưởng"), ("Tạ Thị Yến", "Trợ lý")),
}
for _code, ((_head, _head_title), (_staff, _staff_title)) in _OFFICE_PEOPLE.items():
    _extra = {Role.SECRETARIAT} if _code == "VHXH" else set()
    DEMO_PEOPLE.append(
        (f"{_code.lower()}.lanhdao", _head, _head_title, _code, {Role.HEAD} | _extra)
    )
    DEMO_PEOPLE.append(
        (f"{_code.lower()}.canbo", _staff, _staff_title, _code, {Role.STAFF} | _extra)
    )
DEMO_USERNAMES = frozenset(p[0] for p in DEMO_PEOPLE)
# Demo accounts whose e-mail nobody has entered yet: the administrator's inbox asks for them.
DEMO_WITHOUT_EMAIL = frozenset({"ca.canbo", "qs.canbo"})
DEMO_MAIL_DOMAIN = "chiminh.example.vn"


def non_demo_data() -> str | None:
    """Why the database must not get demo data, or None when it is empty or demo-only."""
    commune = Commune.current()
    if commune is not None and not commune.settings.get("demo"):
        return f"Cơ sở dữ liệu đã có đơn vị hành chính thật ({commune.name})."
    others = db.session.scalars(
        select(User.username).where(User.username.not_in(DEMO_USERNAMES)).limit(3)
    ).all()
    if others:
        return "Cơ sở dữ liệu có tài khoản không phải tài khoản mẫu: " + ", ".join(others) + "."
    return None


@demo.demo_seeder(order=0)
def seed_organisation() -> None:
    """The commune, its offices and the demo accounts of the Foundation issue, set up before
    the demo's story begins (June 2025)."""
    from ..core.timeutil import story_time

    with story_time(demo.STORY_START):
        _seed_organisation()


def _seed_organisation() -> None:
    org.ensure_commune(
        current_app.config["COMMUNE_NAME"],
        current_app.config["COMMUNE_PROVINCE"],
        settings={"demo": True},
    )
    for username, full_name, title, office_code, roles in DEMO_PEOPLE:
        email = "" if username in DEMO_WITHOUT_EMAIL else f"{username}@{DEMO_MAIL_DOMAIN}"
        existing = org.user_by_username(username)
        if existing is not None:
            if not existing.email and email:  # a demo built before accounts had addresses
                existing.email = email
            continue
        office = org.office_by_code(office_code) if office_code else None
        org.create_user(
            org.UserData(
                username, full_name, title, office.id if office else None, roles, email=email
            ),
            demo.DEMO_PASSWORD,
            enforce_policy=False,  # the demo's published password predates the 12-character rule
        )


def _smtp_settings(config) -> reminders.SmtpSettings | None:
    if not config.get("SMTP_HOST"):
        return None
    return reminders.SmtpSettings(
        host=config["SMTP_HOST"],
        port=config["SMTP_PORT"],
        username=config["SMTP_USERNAME"],
        password=config["SMTP_PASSWORD"],
        starttls=config["SMTP_STARTTLS"],
        timeout=config["SMTP_TIMEOUT"],
        sender=config["MAIL_FROM"],
    )


def _send_reminders(dry_run: bool) -> None:
    """See the `send-reminders` command."""
    from ..core.timeutil import local_today

    today = local_today()
    app = current_app._get_current_object()
    base = app.config["CCHC_PUBLIC_URL"].rstrip("/")
    commune = Commune.current()
    place = commune.name if commune else "UBND xã"
    with app.test_request_context("/", base_url=base):

        def link(item) -> str:
            return url_for(item.endpoint, _external=True, **item.args)

        settings_url = url_for("auth.reminders", _external=True)

        if dry_run:
            pending, no_email = reminders.digests(today)
            for digest in pending:
                message = reminders.compose(
                    digest, today, link, "cchc@localhost", place, settings_url
                )
                click.echo(f"Tới: {message['To']}\nTiêu đề: {message['Subject']}\n")
                click.echo(message.get_content())
            click.echo(
                f"{len(pending)} thư sẽ được gửi; {no_email} người có việc nhưng chưa có e-mail."
            )
            return
        settings = _smtp_settings(app.config)
        if settings is None:
            click.echo(
                "Chưa cấu hình máy chủ thư (SMTP_HOST): không gửi thư nhắc việc nào. "
                "Trang Việc cần làm vẫn hiện đủ các việc của từng người."
            )
            return
        report = reminders.send_all(today, settings, link, place, settings_url)
    for line in report.sent:
        click.echo(f"Đã gửi: {line}")
    if report.skipped_no_email:
        click.echo(f"{report.skipped_no_email} người có việc đến hạn nhưng chưa có e-mail hợp lệ.")
    if not report.sent and not report.failed:
        click.echo("Không có thư nào cần gửi hôm nay (hoặc đã gửi rồi).")
    if report.failed:
        for line in report.failed:
            click.echo(f"Chưa gửi được: {line}", err=True)
        raise click.ClickException(
            f"{len(report.failed)} thư chưa gửi được; lần chạy sau (ngày mai) sẽ gửi lại, "
            "các thư đã gửi không gửi lại."
        )


def register_cli(app: Flask) -> None:
    @app.cli.command("send-reminders")
    @click.option("--dry-run", is_flag=True, help="In các thư sẽ gửi, không gửi.")
    def send_reminders(dry_run: bool) -> None:
        """E-mail each person one digest of their deadlines (run daily by cron or a timer)."""
        _send_reminders(dry_run)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Create the demo commune (Xã Chí Minh) with its accounts and data; safe to re-run."""
        reason = non_demo_data()
        if reason:
            raise click.ClickException(
                reason + " Lệnh seed-demo chỉ chạy trên CSDL trống hoặc CSDL mẫu."
            )
        for seeder in demo.seeders():
            seeder.run()
            db.session.commit()
            click.echo(f"✓ {seeder.name}")
        click.echo(f"Dữ liệu mẫu đã sẵn sàng. Mật khẩu mọi tài khoản mẫu: {demo.DEMO_PASSWORD}")

    @app.cli.command("backup")
    @click.argument("destination", type=click.Path(dir_okay=False), required=False)
    def backup_command(destination: str | None) -> None:
        """Archive the database and the uploaded files (default: instance/backups/…tar.gz)."""
        from ..core.backup import BackupError, create_backup
        from ..core.timeutil import local_now

        if destination is None:
            stamp = local_now().strftime("%Y%m%d-%H%M%S")
            destination = f"{current_app.instance_path}/backups/cchc-{stamp}.tar.gz"
        try:
            result = create_backup(current_app.config["UPLOAD_DIR"], destination)
        except BackupError as err:
            raise click.ClickException(str(err)) from err
        click.echo(
            f"Đã sao lưu CSDL {result.engine} và {result.files} tệp vào {result.path} "
            f"({result.size / 1024 / 1024:.1f} MB)."
        )

    @app.cli.command("restore")
    @click.argument("archive", type=click.Path(dir_okay=False))
    @click.option("--yes", is_flag=True, help="Không hỏi lại.")
    def restore_command(archive: str, yes: bool) -> None:
        """Replace the database and the uploads with a backup archive (stop the server first)."""
        from ..core.backup import BackupError, restore_backup

        if not yes:
            click.confirm(
                "Toàn bộ dữ liệu hiện tại sẽ bị thay bằng bản sao lưu. Tiếp tục?", abort=True
            )
        try:
            manifest = restore_backup(archive, current_app.config["UPLOAD_DIR"])
        except BackupError as err:
            raise click.ClickException(str(err)) from err
        click.echo(
            f"Đã khôi phục bản sao lưu lúc {manifest['created_at']} ({len(manifest['files'])} tệp)."
        )

    @app.cli.command("storage-gc")
    @click.option(
        "--grace-hours",
        type=float,
        default=None,
        help="Chỉ xóa tệp không thuộc bản ghi nào đã quá số giờ này (mặc định 24).",
    )
    @click.option("--dry-run", is_flag=True, help="Chỉ báo cáo, không xóa.")
    def storage_gc(grace_hours: float | None, dry_run: bool) -> None:
        """Remove evidence files no row refers to (left by a failed save) and report free space.

        Cron, once a night: 17 3 * * * cd /srv/cchc && .venv/bin/flask --app wsgi storage-gc
        """
        from ..core.storage import collect_garbage, format_size
        from ..models import Attachment
        from ..records.attachments import file_store

        hours = current_app.config["STORAGE_GC_GRACE_HOURS"] if grace_hours is None else grace_hours
        referenced = set(db.session.scalars(select(Attachment.storage_key)))
        try:
            report = collect_garbage(file_store(), referenced, hours * 3600, dry_run=dry_run)
        except OSError as err:
            raise click.ClickException(f"Không đọc được kho lưu tệp: {err}") from err
        db.session.commit()  # the database store deletes its orphans in this session
        verb = "Sẽ xóa" if dry_run else "Đã xóa"
        click.echo(
            f"{verb} {report.removed} tệp không thuộc bản ghi nào "
            f"({format_size(report.removed_bytes)}) và {report.temp_removed} tệp tạm; "
            f"giữ {report.referenced} tệp đang dùng, {report.kept_young} tệp mới hơn "
            f"{hours:g} giờ."
        )
        click.echo(
            f"Dung lượng còn trống: {format_size(report.free_bytes)} / "
            f"{format_size(report.total_bytes)} ({report.free_ratio:.0%})."
        )
        if report.total_bytes and report.free_ratio < 0.10:
            click.echo(
                "CẢNH BÁO: ổ đĩa lưu tệp còn dưới 10 % dung lượng; tải tệp lên sẽ sớm bị từ chối.",
                err=True,
            )

    @app.cli.command("init-commune")
    @click.option("--name", required=True, help="Tên xã/phường, ví dụ “Xã Chí Minh”.")
    @click.option("--province", required=True, help="Tỉnh/thành phố, ví dụ “Thành phố Hải Phòng”.")
    def init_commune(name: str, province: str) -> None:
        """Create the deployment's commune and its default offices (for a real deployment)."""
        existing = Commune.current()
        if existing is not None:
            raise click.ClickException(f"Đã có đơn vị hành chính: {existing.name}.")
        org.set_up_commune(name.strip(), province.strip())
        db.session.commit()
        click.echo(f"Đã tạo {name} với các đơn vị mặc định và phiếu khảo sát sự hài lòng mẫu.")

    @app.cli.command("create-user")
    @click.argument("username")
    @click.option("--full-name", required=True)
    @click.option("--position", "position_title", default="")
    @click.option("--office", "office_code", default=None, help="Mã đơn vị, ví dụ VP.")
    @click.option(
        "--role",
        "roles",
        multiple=True,
        required=True,
        type=click.Choice([r.value for r in Role]),
        help="Có thể lặp lại: --role head --role secretariat.",
    )
    @click.password_option(
        help="Mật khẩu (ít nhất 12 ký tự, không chứa tên đăng nhập, không phổ biến); "
        "hỏi nếu không truyền vào."
    )
    def create_user(username, full_name, position_title, office_code, roles, password) -> None:
        """Create an account, e.g. the first admin of a real deployment."""
        office = None
        if office_code:
            office = org.office_by_code(office_code)
            if office is None:
                raise click.ClickException(f"Không có đơn vị mã {office_code}.")
        data = org.UserData(
            username, full_name, position_title, office.id if office else None, set(roles)
        )
        try:
            user = org.create_user(data, password)
        except DomainError as err:
            db.session.rollback()
            raise click.ClickException(err.message) from err
        db.session.commit()
        click.echo(f"Đã tạo tài khoản {user.username}.")
