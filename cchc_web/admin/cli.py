"""Flask commands: seed-demo, init-commune, create-user."""

from __future__ import annotations

import click
from flask import Flask, current_app, url_for
from sqlalchemy import select

from ..core import demo, tenancy
from ..core.errors import DomainError
from ..core.extensions import db
from ..models import Commune, Office, Role, User, commune_settings
from ..models.initiatives import INITIATIVE_FIELDS
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

# Phường Gia Viên (seed 002): a second commune of the same deployment, a ward whose offices are
# named as a ward's are; its accounts are prefixed "gv.".
SECOND_COMMUNE = ("Phường Gia Viên", "Thành phố Hải Phòng")
SECOND_MAIL_DOMAIN = "giavien.example.vn"
SECOND_OFFICES: tuple[tuple[str, str, bool], ...] = (
    ("VP", "Văn phòng HĐND và UBND phường", True),
    ("KT", "Phòng Kinh tế, Hạ tầng và Đô thị", True),
    ("VHXH", "Phòng Văn hóa - Xã hội", True),
    ("HCC", "Trung tâm Phục vụ hành chính công phường", False),
    ("CA", "Công an phường", False),
    ("QS", "Ban Chỉ huy Quân sự phường", False),
)
SECOND_SETTINGS = {
    "initiative_fields": [
        [code, f"{letter}) {label}"]
        for letter, (code, label) in zip("abcdefgh", INITIATIVE_FIELDS.items(), strict=True)
    ],
    "round_submission": [25, 9],
    "round_decision": [30, 9],
}
SECOND_PEOPLE: list[tuple[str, str, str, str | None, set[Role]]] = [
    ("gv.admin", "Quản trị Hệ thống phường", "Chuyên viên công nghệ thông tin", None, {Role.ADMIN}),
    ("gv.chutich", "Nguyễn Văn Hải", "Chủ tịch UBND phường", None, {Role.CHAIRMAN}),
    ("gv.vp.lanhdao", "Vũ Đức Thắng", "Chánh Văn phòng", "VP", {Role.HEAD}),
    ("gv.kt.lanhdao", "Trần Văn Bình", "Trưởng phòng", "KT", {Role.HEAD}),
    ("gv.kt.canbo", "Đỗ Thị Hà", "Chuyên viên", "KT", {Role.STAFF}),
    (
        "gv.vhxh.lanhdao",
        "Phạm Thị Thu Trang",
        "Trưởng phòng Văn hóa - Xã hội",
        "VHXH",
        {Role.HEAD, Role.SECRETARIAT},
    ),
    (
        "gv.vhxh.canbo",
        "Lê Minh Tuấn",
        "Chuyên viên cải cách hành chính",
        "VHXH",
        {Role.STAFF, Role.SECRETARIAT},
    ),
]
# The city level above both (issue 20, item 3): Sở Nội vụ appraises the communes' PAR Index
# and is the secretariat of the city's initiative council; its accounts are prefixed "tp.".
CITY = ("Thành phố Hải Phòng", "Thành phố Hải Phòng")
CITY_MAIL_DOMAIN = "haiphong.example.vn"
CITY_OFFICES: tuple[tuple[str, str, bool], ...] = (
    ("SNV", "Sở Nội vụ", True),
    ("VP", "Văn phòng UBND thành phố", True),
    ("KHCN", "Sở Khoa học và Công nghệ", True),
)
CITY_PEOPLE: list[tuple[str, str, str, str | None, set[Role]]] = [
    ("tp.admin", "Quản trị Hệ thống thành phố", "Kỹ sư công nghệ thông tin", None, {Role.ADMIN}),
    ("tp.chutich", "Lê Ngọc Châu", "Chủ tịch UBND thành phố", None, {Role.CHAIRMAN}),
    (
        "tp.snv.lanhdao",
        "Nguyễn Thị Thu Hằng",
        "Giám đốc Sở Nội vụ",
        "SNV",
        {Role.HEAD, Role.SECRETARIAT, Role.COUNCIL_MEMBER},
    ),
    (
        "tp.snv.canbo",
        "Trần Đức Anh",
        "Chuyên viên Phòng Cải cách hành chính",
        "SNV",
        {Role.STAFF, Role.SECRETARIAT},
    ),
    (
        "tp.khcn.lanhdao",
        "Phạm Văn Thịnh",
        "Phó Giám đốc Sở Khoa học và Công nghệ",
        "KHCN",
        {Role.HEAD, Role.COUNCIL_MEMBER},
    ),
]
DEMO_USERNAMES = frozenset(p[0] for p in DEMO_PEOPLE + SECOND_PEOPLE + CITY_PEOPLE)
# Demo accounts whose e-mail nobody has entered yet: the administrator's inbox asks for them.
DEMO_WITHOUT_EMAIL = frozenset({"ca.canbo", "qs.canbo", "gv.vp.lanhdao", "tp.khcn.lanhdao"})
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
    _create_people(DEMO_PEOPLE, DEMO_MAIL_DOMAIN)


def _create_people(
    people: list[tuple[str, str, str, str | None, set[Role]]], mail_domain: str
) -> None:
    """The demo accounts of the acting commune that do not exist yet, with their addresses."""
    for username, full_name, title, office_code, roles in people:
        email = "" if username in DEMO_WITHOUT_EMAIL else f"{username}@{mail_domain}"
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


@demo.demo_seeder(order=90)
def seed_second_commune() -> None:
    """Phường Gia Viên beside Xã Chí Minh: its offices, its accounts and what every new
    commune gets (the survey's fields, counters and questionnaire). Its round of initiatives
    (fields a–h, deadline 25/9) is told by initiatives/demo.py. After Xã Chí Minh's whole
    story, so that the first commune's rows keep the ids they always had."""
    from ..core.timeutil import story_time

    name, province = SECOND_COMMUNE
    with story_time(demo.STORY_START):
        commune = db.session.scalar(select(Commune).where(Commune.name == name))
        if commune is None:
            commune = Commune(name=name, province=province, settings={"demo": True})
            db.session.add(commune)
            db.session.flush()
        # Its own conventions (seed 002), in its settings (Quản trị › Thiết lập): initiative
        # fields a) to h) and applications before 25/9.
        commune.settings = commune_settings.updated(commune, **SECOND_SETTINGS)
        with tenancy.acting_for(db.session(), commune.id):
            _ensure_offices(SECOND_OFFICES)
            org.set_up_commune(name, province)
            _create_people(SECOND_PEOPLE, SECOND_MAIL_DOMAIN)
            db.session.flush()


def _ensure_offices(offices: tuple[tuple[str, str, bool], ...]) -> None:
    """The acting tenant's demo offices that do not exist yet, in the order given."""
    for order, (code, office_name, specialised) in enumerate(offices, start=1):
        if org.office_by_code(code) is None:
            db.session.add(
                Office(code=code, name=office_name, is_specialised=specialised, sort_order=order)
            )
    db.session.flush()


@demo.demo_seeder(order=95)
def seed_city() -> None:
    """The city level above the two communes: its own tenant (Thành phố Hải Phòng, kind
    thanh_pho), the parent of both, with Sở Nội vụ and the city's accounts. After both
    communes, so that their rows keep their ids."""
    from ..core.timeutil import story_time

    name, province = CITY
    with story_time(demo.STORY_START):
        city = db.session.scalar(select(Commune).where(Commune.name == name))
        if city is None:
            city = Commune(name=name, province=province, settings={"demo": True})
            db.session.add(city)
            db.session.flush()
        for commune in db.session.scalars(select(Commune).where(Commune.id != city.id)):
            if commune.parent_id is None:
                commune.parent_id = city.id
        with tenancy.acting_for(db.session(), city.id):
            _ensure_offices(CITY_OFFICES)
            _create_people(CITY_PEOPLE, CITY_MAIL_DOMAIN)
            db.session.flush()


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
    """See the `send-reminders` command: each commune's people, each with their own
    commune's deadlines and name (the command acts for one commune at a time)."""
    settings = None if dry_run else _smtp_settings(current_app.config)
    if not dry_run and settings is None:
        click.echo(
            "Chưa cấu hình máy chủ thư (SMTP_HOST): không gửi thư nhắc việc nào. "
            "Trang Việc cần làm vẫn hiện đủ các việc của từng người."
        )
        return
    failed = 0
    for commune in db.session.scalars(select(Commune).order_by(Commune.id)).all():
        with tenancy.acting_for(db.session(), commune.id):
            failed += _send_reminders_of(commune, dry_run, settings)
    if failed:
        raise click.ClickException(
            f"{failed} thư chưa gửi được; lần chạy sau (ngày mai) sẽ gửi lại, "
            "các thư đã gửi không gửi lại."
        )


def _send_reminders_of(
    commune: Commune, dry_run: bool, settings: reminders.SmtpSettings | None
) -> int:
    """One commune's reminders; the number of messages that could not be sent."""
    from ..core.timeutil import local_today

    today = local_today()
    app = current_app._get_current_object()
    base = app.config["CCHC_PUBLIC_URL"].rstrip("/")
    place = commune.name
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
            return 0
        report = reminders.send_all(today, settings, link, place, settings_url)
    for line in report.sent:
        click.echo(f"Đã gửi: {line}")
    if report.skipped_no_email:
        click.echo(f"{report.skipped_no_email} người có việc đến hạn nhưng chưa có e-mail hợp lệ.")
    if not report.sent and not report.failed:
        click.echo("Không có thư nào cần gửi hôm nay (hoặc đã gửi rồi).")
    for line in report.failed:
        click.echo(f"Chưa gửi được: {line}", err=True)
    return len(report.failed)


def register_cli(app: Flask) -> None:
    @app.cli.command("send-reminders")
    @click.option("--dry-run", is_flag=True, help="In các thư sẽ gửi, không gửi.")
    def send_reminders(dry_run: bool) -> None:
        """E-mail each person one digest of their deadlines (run daily by cron or a timer)."""
        _send_reminders(dry_run)

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Create the demo communes (Xã Chí Minh, Phường Gia Viên) with their accounts and
        data; safe to re-run."""
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
    @click.option(
        "--commune",
        "commune_name",
        default=None,
        help="Tên xã/phường của tài khoản, ví dụ “Phường Gia Viên” (mặc định: đơn vị đầu tiên).",
    )
    @click.password_option(
        help="Mật khẩu (ít nhất 12 ký tự, không chứa tên đăng nhập, không phổ biến); "
        "hỏi nếu không truyền vào."
    )
    def create_user(
        username, full_name, position_title, office_code, roles, commune_name, password
    ) -> None:
        """Create an account of one commune, e.g. the first admin of a real deployment."""
        if commune_name:
            commune = db.session.scalar(select(Commune).where(Commune.name == commune_name.strip()))
            if commune is None:
                raise click.ClickException(f"Không có xã/phường tên {commune_name}.")
        else:
            commune = Commune.current()
        with tenancy.acting_for(db.session(), commune.id if commune else None):
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
