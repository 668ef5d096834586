"""`flask add-commune`: onboarding a commune from the command line (the city's administrator
does the same at Quản trị › Xã, phường)."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..models import Commune
from ..models.org import CommuneKind
from . import bp, onboarding


def _file(path: str | None) -> tuple[str, bytes] | None:
    if not path:
        return None
    return Path(path).name, Path(path).read_bytes()


@bp.cli.command("add-commune")
@click.option("--code", required=True, help="Mã xã, phường, duy nhất trong thành phố: GIAVIEN.")
@click.option("--name", required=True, help="Tên, ví dụ “Phường Gia Viên”.")
@click.option(
    "--kind",
    required=True,
    type=click.Choice([CommuneKind.XA.value, CommuneKind.PHUONG.value, CommuneKind.DAC_KHU.value]),
)
@click.option("--province", default="", help="Tỉnh, thành phố (mặc định: của thành phố).")
@click.option("--offices", "offices_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--users", "users_path", type=click.Path(exists=True, dir_okay=False))
def add_commune(code, name, kind, province, offices_path, users_path) -> None:
    """Add a commune under the city (the first tenant of kind thanh_pho, when there is one),
    with its offices and users from CSV/XLSX files; prints each account's one-time password."""
    city = db.session.scalar(
        select(Commune).where(Commune.kind == CommuneKind.CITY).order_by(Commune.id).limit(1)
    )
    try:
        result = onboarding.onboard(
            onboarding.CommuneData(code, name, kind, province),
            offices_file=_file(offices_path),
            users_file=_file(users_path),
            city=city,
            actor=None,
        )
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message + " Chưa tạo gì.") from err
    db.session.commit()
    commune = result.commune
    click.echo(
        f"Đã tạo {commune.name} (mã {commune.code}) với {len(result.offices)} đơn vị"
        + (f", trực thuộc {city.name}." if city else ".")
    )
    if result.accounts:
        click.echo("Mật khẩu dùng một lần (chỉ in lần này; người dùng đổi sau khi đăng nhập):")
        for username, full_name, roles, password in result.accounts:
            click.echo(f"  {username}\t{password}\t{full_name} ({roles})")
