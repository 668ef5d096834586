"""`flask demo-pki`: a demo CA, the commune's certificate and the signers' demo certificates;
`flask register-certificate`: a signer's real certificate."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..models import Capacity, Commune, User
from . import bp, certificates, signing


@bp.cli.command("demo-pki")
@click.option("--force", is_flag=True, help="Tạo lại dù đã có (chữ ký cũ sẽ không còn tin cậy).")
def demo_pki(force: bool) -> None:
    """Create a DEMO root CA, the commune's certificate, and a demo certificate for each signer
    (leaders, council members) who has none. Not for production."""
    app = current_app._get_current_object()
    if signing.configured(app):
        raise click.ClickException(
            "Đã cấu hình chứng thư số thật (CCHC_SIGNING_P12): không tạo chứng thư mẫu."
        )
    commune = Commune.current()
    name = commune.name if commune else "Xã Chí Minh"
    folder = signing.demo_dir(app)
    made = signing.make_demo_pki(folder, name, force=force)
    state = signing.reload(app)
    if made:
        click.echo(f"Đã tạo chứng thư số mẫu trong {folder}.")
    else:
        click.echo(f"Chứng thư số mẫu đã có trong {folder} (dùng --force để tạo lại).")
    if state.signer is None:
        raise click.ClickException(state.error or "Không dùng được chứng thư số.")
    click.echo(f"Đóng dấu bằng: {state.subject}")
    for row in certificates.register_demo_certificates(folder, certificates.signing_users(), name):
        click.echo(f"Chứng thư mẫu cho {row.user.full_name}: {row.title} ({row.capacity_label})")
    db.session.commit()


@bp.cli.command("register-certificate")
@click.argument("username")
@click.argument("p12_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--capacity",
    type=click.Choice([c.value for c in Capacity]),
    help="Tư cách ký, khi chứng thư không ghi chức danh.",
)
@click.password_option("--passphrase", confirmation_prompt=False, prompt="Mật khẩu của tệp")
def register_certificate(username: str, p12_file: Path, capacity: str | None, passphrase: str):
    """Register USERNAME's personal signing certificate (a PKCS#12 file)."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"Không có tài khoản “{username}”.")
    try:
        row = certificates.register(user, p12_file.read_bytes(), passphrase, None, capacity)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from err
    db.session.commit()
    click.echo(
        f"Đã đăng ký chứng thư của {user.full_name}: {row.holder} ({row.capacity_label}), "
        f"hạn đến {row.not_after:%d/%m/%Y}."
    )


@bp.cli.command("register-seal")
@click.argument("commune_code")
@click.argument("p12_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.password_option("--passphrase", confirmation_prompt=False, prompt="Mật khẩu của tệp")
def register_seal(commune_code: str, p12_file: Path, passphrase: str) -> None:
    """Register the seal certificate of the tenant COMMUNE_CODE (e.g. the city's: HAIPHONG):
    its Decisions are sealed with it instead of the deployment's configured certificate."""
    commune = db.session.scalar(select(Commune).where(Commune.code == commune_code.strip().upper()))
    if commune is None:
        raise click.ClickException(f"Không có đơn vị mã “{commune_code}”.")
    try:
        row = certificates.register_seal(commune.id, p12_file.read_bytes(), passphrase)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from err
    db.session.commit()
    click.echo(
        f"Đã đăng ký con dấu của {commune.name}: {row.holder}, hạn đến {row.not_after:%d/%m/%Y}."
    )
