"""`flask demo-pki`: a demo CA and the commune's certificate under instance/pki/."""

from __future__ import annotations

import click
from flask import current_app

from ..models import Commune
from . import bp, signing


@bp.cli.command("demo-pki")
@click.option("--force", is_flag=True, help="Tạo lại dù đã có (chữ ký cũ sẽ không còn tin cậy).")
def demo_pki(force: bool) -> None:
    """Create a DEMO root CA and commune certificate for signing Decisions (not for production)."""
    app = current_app._get_current_object()
    commune = Commune.current()
    folder = signing.demo_dir(app)
    made = signing.make_demo_pki(folder, commune.name if commune else "Xã Chí Minh", force=force)
    state = signing.reload(app)
    if made:
        click.echo(f"Đã tạo chứng thư số mẫu trong {folder}.")
    else:
        click.echo(f"Chứng thư số mẫu đã có trong {folder} (dùng --force để tạo lại).")
    if state.signer is None:
        raise click.ClickException(state.error or "Không dùng được chứng thư số.")
    click.echo(f"Ký bằng: {state.subject}")
