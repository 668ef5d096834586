"""The recognition chain: every Decision tied to its subject by a real foreign key; personal
signing certificates; councils established by their signed Decision.

- decisions: `subject_type`/`subject_id` (plain integers) become `council_id`, `plan_id`,
  `round_id` foreign keys; a new kind `plan_approval`; the generated articles are counted in
  `locked_articles` and the subject's data at drafting time in `source_fingerprint`.
- decision_items: the initiatives a recognition Decision or a nomination names.
- councils: `decision_id` becomes a foreign key to the signed establishment Decision; the typed
  `decision_number`/`decision_date` go (a typed number that matches an issued Decision becomes
  the link; one that does not is kept as `legacy_decision_ref`); a state `established`; the
  chair's signature of the minutes.
- initiatives: `recognition_decision_id` becomes a foreign key, `nomination_decision_id` and
  `acceptance_note` are new.
- plans: `decision_id`, the signed document that issued the plan.
- signing_certificates: each signer's PKCS#12 file and encrypted passphrase.

Revision ID: 0008_recognition_chain
Revises: 0007_read_performance
Create Date: 2026-12-05 06:00:00

"""

import re
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0008_recognition_chain"
down_revision = "0007_read_performance"
branch_labels = None
depends_on = None

KINDS = "('plan_approval', 'council_establishment', 'initiative_recognition', 'nomination_dossier', 'other')"
OLD_KINDS = "('council_establishment', 'initiative_recognition', 'nomination_dossier', 'other')"


def _link_subjects(conn) -> None:
    """subject_type/subject_id → council_id/round_id; a council kind naming no council is kept
    as an "other" Decision (its text is unchanged)."""
    rows = conn.execute(
        sa.text("SELECT id, kind, subject_type, subject_id, council_id FROM decisions")
    ).all()
    councils = {r[0] for r in conn.execute(sa.text("SELECT id FROM councils"))}
    rounds = {r[0] for r in conn.execute(sa.text("SELECT id FROM initiative_rounds"))}
    for decision_id, kind, subject_type, subject_id, linked in rows:
        values: dict = {}
        if linked is not None:  # linked from its council's typed number already
            continue
        if subject_type == "council" and subject_id in councils:
            values["council_id"] = subject_id
        elif subject_type == "initiative_round" and subject_id in rounds:
            values["round_id"] = subject_id
        if (
            kind in ("council_establishment", "initiative_recognition")
            and "council_id" not in values
        ):
            values["kind"] = "other"
        if values:
            sets = ", ".join(f"{k} = :{k}" for k in values)
            conn.execute(
                sa.text(f"UPDATE decisions SET {sets} WHERE id = :id"),
                {**values, "id": decision_id},
            )


def _link_councils(conn) -> None:
    """A typed establishment number that matches an issued Decision becomes the link."""
    rows = conn.execute(
        sa.text("SELECT id, decision_number, decision_date, decision_id FROM councils")
    ).all()
    decisions = {r[0] for r in conn.execute(sa.text("SELECT id FROM decisions"))}
    for council_id, number, on, linked in rows:
        if isinstance(on, str):  # SQLite hands dates back as text
            on = date.fromisoformat(on[:10])
        values: dict = {"decision_id": linked if linked in decisions else None, "legacy": ""}
        match = re.fullmatch(r"\s*0*(\d+)\s*/\s*(\S+)\s*", number or "")
        if values["decision_id"] is None and match:
            year = on.year if on else None
            found = conn.execute(
                sa.text(
                    "SELECT id FROM decisions WHERE state = 'approved' AND number = :n "
                    "AND symbol = :s AND year = :y"
                ),
                {"n": int(match.group(1)), "s": match.group(2), "y": year},
            ).first()
            values["decision_id"] = found[0] if found else None
        if values["decision_id"] is None and (number or "").strip():
            when = on.strftime("%d/%m/%Y") if on else ""
            values["legacy"] = f"{number.strip()} ngày {when}".strip()[:80]
        conn.execute(
            sa.text(
                "UPDATE councils SET decision_id = :decision_id, legacy_decision_ref = :legacy WHERE id = :id"
            ),
            {**values, "id": council_id},
        )
        if values["decision_id"] is not None:
            conn.execute(
                sa.text(
                    "UPDATE decisions SET council_id = :c WHERE id = :d AND council_id IS NULL"
                ),
                {"c": council_id, "d": values["decision_id"]},
            )


def upgrade():
    conn = op.get_bind()
    op.create_table(
        "signing_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("p12", sa.LargeBinary(), nullable=False),
        sa.Column("passphrase_token", sa.Text(), nullable=False),
        sa.Column("registered_by_id", sa.Integer(), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "capacity IN ('chairman', 'vice_chairman', 'official')",
            name=op.f("ck_signing_certificates_capacity_known"),
        ),
        sa.ForeignKeyConstraint(
            ["registered_by_id"],
            ["users.id"],
            name=op.f("fk_signing_certificates_registered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_signing_certificates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificates")),
        sa.UniqueConstraint("user_id", name=op.f("uq_signing_certificates_user_id")),
    )

    # -- decisions: the subject by foreign key ------------------------------------------------
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("council_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("locked_articles", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("source_fingerprint", sa.String(length=64), nullable=False, server_default="")
        )

    # -- councils --------------------------------------------------------------------------------
    with op.batch_alter_table("councils") as batch:
        batch.add_column(
            sa.Column(
                "legacy_decision_ref", sa.String(length=80), nullable=False, server_default=""
            )
        )
        batch.add_column(
            sa.Column("minutes_chair_signed_at", sa.DateTime(timezone=True), nullable=True)
        )
    _link_councils(conn)  # first: a typed number names the council its Decision is about
    _link_subjects(conn)
    with op.batch_alter_table("councils") as batch:
        batch.drop_constraint(op.f("ck_councils_scoring_needs_decision"), type_="check")
        batch.drop_constraint(op.f("ck_councils_state_known"), type_="check")
        batch.drop_column("decision_number")
        batch.drop_column("decision_date")
        batch.create_foreign_key(
            op.f("fk_councils_decision_id_decisions"), "decisions", ["decision_id"], ["id"]
        )
        batch.create_index(op.f("ix_councils_decision_id"), ["decision_id"], unique=False)
        batch.create_check_constraint(
            "state_known", "state IN ('composing', 'established', 'scoring', 'closed')"
        )
        batch.create_check_constraint(
            "established_by_decision",
            "state = 'composing' OR decision_id IS NOT NULL OR legacy_decision_ref <> ''",
        )
        batch.create_check_constraint(
            "chair_signs_existing_minutes",
            "minutes_chair_signed_at IS NULL OR minutes_attachment_id IS NOT NULL",
        )

    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_kind_known"), type_="check")
        batch.drop_column("subject_type")
        batch.drop_column("subject_id")
        batch.create_foreign_key(
            op.f("fk_decisions_council_id_councils"), "councils", ["council_id"], ["id"]
        )
        batch.create_foreign_key(op.f("fk_decisions_plan_id_plans"), "plans", ["plan_id"], ["id"])
        batch.create_foreign_key(
            op.f("fk_decisions_round_id_initiative_rounds"),
            "initiative_rounds",
            ["round_id"],
            ["id"],
        )
        batch.create_index(op.f("ix_decisions_council_id"), ["council_id"], unique=False)
        batch.create_index(op.f("ix_decisions_plan_id"), ["plan_id"], unique=False)
        batch.create_index(op.f("ix_decisions_round_id"), ["round_id"], unique=False)
        batch.create_check_constraint("kind_known", f"kind IN {KINDS}")
        batch.create_check_constraint(
            "council_kinds_name_council",
            "kind NOT IN ('council_establishment', 'initiative_recognition') OR council_id IS NOT NULL",
        )
        batch.create_check_constraint(
            "plan_kind_names_plan", "kind <> 'plan_approval' OR plan_id IS NOT NULL"
        )
        batch.create_check_constraint("locked_articles_not_negative", "locked_articles >= 0")

    op.create_table(
        "decision_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("dropped", sa.Boolean(), nullable=False),
        sa.Column("drop_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "NOT dropped OR drop_reason <> ''", name=op.f("ck_decision_items_dropped_has_reason")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_items_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiatives.id"],
            name=op.f("fk_decision_items_initiative_id_initiatives"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_items")),
        sa.UniqueConstraint("decision_id", "initiative_id", name="uq_decision_items_initiative"),
    )
    with op.batch_alter_table("decision_items") as batch:
        batch.create_index(op.f("ix_decision_items_decision_id"), ["decision_id"], unique=False)
        batch.create_index(op.f("ix_decision_items_initiative_id"), ["initiative_id"], unique=False)

    # -- initiatives ----------------------------------------------------------------------------
    # A recognition id that points nowhere (never possible through the UI) is dropped, with
    # the state it justified: nothing may claim a Decision that does not exist.
    conn.execute(
        sa.text(
            "UPDATE initiatives SET recognition_decision_id = NULL, state = 'recommended' "
            "WHERE recognition_decision_id IS NOT NULL "
            "AND recognition_decision_id NOT IN (SELECT id FROM decisions)"
        )
    )
    with op.batch_alter_table("initiatives") as batch:
        batch.add_column(sa.Column("acceptance_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("nomination_decision_id", sa.Integer(), nullable=True))
    # Nominating was unreachable before this revision; a nominated row would have no Tờ trình.
    conn.execute(sa.text("UPDATE initiatives SET state = 'recognised' WHERE state = 'nominated'"))
    with op.batch_alter_table("initiatives") as batch:
        batch.create_foreign_key(
            op.f("fk_initiatives_recognition_decision_id_decisions"),
            "decisions",
            ["recognition_decision_id"],
            ["id"],
        )
        batch.create_foreign_key(
            op.f("fk_initiatives_nomination_decision_id_decisions"),
            "decisions",
            ["nomination_decision_id"],
            ["id"],
        )
        batch.create_index(
            op.f("ix_initiatives_recognition_decision_id"),
            ["recognition_decision_id"],
            unique=False,
        )
        batch.create_index(
            op.f("ix_initiatives_nomination_decision_id"), ["nomination_decision_id"], unique=False
        )
        batch.create_check_constraint(
            "nomination_needs_decision",
            "state <> 'nominated' OR nomination_decision_id IS NOT NULL",
        )

    # -- plans ------------------------------------------------------------------------------------
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_plans_decision_id_decisions"), "decisions", ["decision_id"], ["id"]
        )
        batch.create_index(op.f("ix_plans_decision_id"), ["decision_id"], unique=False)


def downgrade():
    with op.batch_alter_table("plans") as batch:
        batch.drop_index(op.f("ix_plans_decision_id"))
        batch.drop_constraint(op.f("fk_plans_decision_id_decisions"), type_="foreignkey")
        batch.drop_column("decision_id")
    with op.batch_alter_table("initiatives") as batch:
        batch.drop_constraint(op.f("ck_initiatives_nomination_needs_decision"), type_="check")
        batch.drop_index(op.f("ix_initiatives_nomination_decision_id"))
        batch.drop_index(op.f("ix_initiatives_recognition_decision_id"))
        batch.drop_constraint(
            op.f("fk_initiatives_nomination_decision_id_decisions"), type_="foreignkey"
        )
        batch.drop_constraint(
            op.f("fk_initiatives_recognition_decision_id_decisions"), type_="foreignkey"
        )
        batch.drop_column("nomination_decision_id")
        batch.drop_column("acceptance_note")
    op.drop_table("decision_items")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_locked_articles_not_negative"), type_="check")
        batch.drop_constraint(op.f("ck_decisions_plan_kind_names_plan"), type_="check")
        batch.drop_constraint(op.f("ck_decisions_council_kinds_name_council"), type_="check")
        batch.drop_constraint(op.f("ck_decisions_kind_known"), type_="check")
        batch.drop_index(op.f("ix_decisions_round_id"))
        batch.drop_index(op.f("ix_decisions_plan_id"))
        batch.drop_index(op.f("ix_decisions_council_id"))
        batch.drop_constraint(op.f("fk_decisions_round_id_initiative_rounds"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_decisions_plan_id_plans"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_decisions_council_id_councils"), type_="foreignkey")
        batch.add_column(sa.Column("subject_type", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
    op.execute("UPDATE decisions SET kind = 'other' WHERE kind = 'plan_approval'")
    op.execute(
        "UPDATE decisions SET subject_type = 'council', subject_id = council_id WHERE council_id IS NOT NULL"
    )
    with op.batch_alter_table("decisions") as batch:
        batch.create_check_constraint("kind_known", f"kind IN {OLD_KINDS}")
        batch.drop_column("source_fingerprint")
        batch.drop_column("locked_articles")
        batch.drop_column("round_id")
        batch.drop_column("plan_id")
        batch.drop_column("council_id")
    with op.batch_alter_table("councils") as batch:
        batch.drop_constraint(op.f("ck_councils_chair_signs_existing_minutes"), type_="check")
        batch.drop_constraint(op.f("ck_councils_established_by_decision"), type_="check")
        batch.drop_constraint(op.f("ck_councils_state_known"), type_="check")
        batch.drop_index(op.f("ix_councils_decision_id"))
        batch.drop_constraint(op.f("fk_councils_decision_id_decisions"), type_="foreignkey")
        batch.add_column(
            sa.Column("decision_number", sa.String(length=40), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("decision_date", sa.Date(), nullable=True))
    conn = op.get_bind()
    linked = conn.execute(
        sa.text(
            "SELECT c.id, d.number, d.symbol, d.issued_on, c.legacy_decision_ref, c.created_at "
            "FROM councils c LEFT JOIN decisions d ON d.id = c.decision_id"
        )
    ).all()
    for council_id, number, symbol, issued_on, legacy, created in linked:
        if number is not None:
            values = {"n": f"{number:02d}/{symbol}", "d": issued_on}
        elif legacy:
            values = {
                "n": legacy.split(" ngày ")[0][:40],
                "d": date.fromisoformat(str(created)[:10]),
            }
        else:
            continue
        conn.execute(
            sa.text("UPDATE councils SET decision_number = :n, decision_date = :d WHERE id = :i"),
            {**values, "i": council_id},
        )
    # The revision before knew no "established": back to composing, Decision or not.
    op.execute("UPDATE councils SET state = 'composing' WHERE state = 'established'")
    with op.batch_alter_table("councils") as batch:
        batch.create_check_constraint("state_known", "state IN ('composing', 'scoring', 'closed')")
        batch.create_check_constraint(
            "scoring_needs_decision",
            "state = 'composing' OR (decision_number <> '' AND decision_date IS NOT NULL)",
        )
        batch.drop_column("minutes_chair_signed_at")
        batch.drop_column("legacy_decision_ref")
    op.drop_table("signing_certificates")
