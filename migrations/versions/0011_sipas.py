"""Citizens' satisfaction (SIPAS, issue 19): the questionnaire's versions, aspects and
questions; procedure fields, counters and kiosks; receipts with a one-time code; responses
(one per receipt code and per form shown: unique keys), their ratings and corrections;
feedback items routed to offices; objectives linked to the survey.

- objectives.survey_scope (NULL: typed by hand; 'overall' or 'fields': computed from the
  answers) with its CHECK, and sipas_objective_fields for the fields of a 'fields' link.
- sipas_versions has a partial unique index: at most one draft and one version in use.

Downgrade drops every survey table and the objectives' link (their computed monthly values
stay, as typed values would).

Revision ID: 0011_sipas
Revises: 0009_faults_abuse
Create Date: 2026-12-05 06:11:17

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_sipas"
down_revision = "0009_faults_abuse"
branch_labels = None
depends_on = None

SURVEY_SCOPE_CHECK = "survey_scope IS NULL OR survey_scope IN ('overall', 'fields')"


def upgrade():
    op.create_table(
        "sipas_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_counters")),
        sa.UniqueConstraint("name", name=op.f("uq_sipas_counters_name")),
    )
    op.create_table(
        "sipas_kiosks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["counter_id"],
            ["sipas_counters.id"],
            name=op.f("fk_sipas_kiosks_counter_id_sipas_counters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_kiosks")),
        sa.UniqueConstraint("token", name=op.f("uq_sipas_kiosks_token")),
    )
    with op.batch_alter_table("sipas_kiosks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sipas_kiosks_counter_id"), ["counter_id"], unique=False
        )

    op.create_table(
        "sipas_procedure_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_sipas_procedure_fields_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_procedure_fields")),
        sa.UniqueConstraint("code", name=op.f("uq_sipas_procedure_fields_code")),
    )
    with op.batch_alter_table("sipas_procedure_fields", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sipas_procedure_fields_office_id"), ["office_id"], unique=False
        )

    op.create_table(
        "sipas_objective_fields",
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("procedure_field_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["objective_id"],
            ["objectives.id"],
            name=op.f("fk_sipas_objective_fields_objective_id_objectives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_field_id"],
            ["sipas_procedure_fields.id"],
            name=op.f("fk_sipas_objective_fields_procedure_field_id_sipas_procedure_fields"),
        ),
        sa.PrimaryKeyConstraint(
            "objective_id", "procedure_field_id", name=op.f("pk_sipas_objective_fields")
        ),
    )
    op.create_table(
        "sipas_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("procedure_field_id", sa.Integer(), nullable=False),
        sa.Column("procedure", sa.String(length=300), nullable=False),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["counter_id"],
            ["sipas_counters.id"],
            name=op.f("fk_sipas_receipts_counter_id_sipas_counters"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_sipas_receipts_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_field_id"],
            ["sipas_procedure_fields.id"],
            name=op.f("fk_sipas_receipts_procedure_field_id_sipas_procedure_fields"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_receipts")),
        sa.UniqueConstraint("code", name=op.f("uq_sipas_receipts_code")),
        sa.UniqueConstraint("number", name=op.f("uq_sipas_receipts_number")),
    )
    with op.batch_alter_table("sipas_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sipas_receipts_procedure_field_id"), ["procedure_field_id"], unique=False
        )

    op.create_table(
        "sipas_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("scale_labels", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status = 'draft' OR published_at IS NOT NULL",
            name=op.f("ck_sipas_versions_published_has_date"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'retired')",
            name=op.f("ck_sipas_versions_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_sipas_versions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_sipas_versions_published_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_versions")),
        sa.UniqueConstraint("number", name=op.f("uq_sipas_versions_number")),
    )
    with op.batch_alter_table("sipas_versions", schema=None) as batch_op:
        batch_op.create_index(
            "uq_sipas_versions_live_status",
            ["status"],
            unique=True,
            sqlite_where=sa.text("status IN ('draft', 'published')"),
            postgresql_where=sa.text("status IN ('draft', 'published')"),
        )

    op.create_table(
        "sipas_aspects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["sipas_versions.id"],
            name=op.f("fk_sipas_aspects_version_id_sipas_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_aspects")),
        sa.UniqueConstraint("version_id", "code", name="uq_sipas_aspects_code"),
    )
    with op.batch_alter_table("sipas_aspects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sipas_aspects_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "sipas_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("procedure_field_id", sa.Integer(), nullable=True),
        sa.Column("counter_id", sa.Integer(), nullable=True),
        sa.Column("kiosk_id", sa.Integer(), nullable=True),
        sa.Column("receipt_id", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.String(length=40), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("phone_consent", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(channel = 'receipt' AND receipt_id IS NOT NULL AND kiosk_id IS NULL) OR (channel = 'kiosk' AND kiosk_id IS NOT NULL AND receipt_id IS NULL)",
            name=op.f("ck_sipas_responses_channel_source"),
        ),
        sa.CheckConstraint(
            "channel IN ('kiosk', 'receipt')", name=op.f("ck_sipas_responses_channel_known")
        ),
        sa.CheckConstraint(
            "length(suggestion) <= 2000", name=op.f("ck_sipas_responses_suggestion_length")
        ),
        sa.CheckConstraint(
            "phone IS NULL OR phone_consent", name=op.f("ck_sipas_responses_phone_needs_consent")
        ),
        sa.ForeignKeyConstraint(
            ["counter_id"],
            ["sipas_counters.id"],
            name=op.f("fk_sipas_responses_counter_id_sipas_counters"),
        ),
        sa.ForeignKeyConstraint(
            ["kiosk_id"], ["sipas_kiosks.id"], name=op.f("fk_sipas_responses_kiosk_id_sipas_kiosks")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_field_id"],
            ["sipas_procedure_fields.id"],
            name=op.f("fk_sipas_responses_procedure_field_id_sipas_procedure_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["receipt_id"],
            ["sipas_receipts.id"],
            name=op.f("fk_sipas_responses_receipt_id_sipas_receipts"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["sipas_versions.id"],
            name=op.f("fk_sipas_responses_version_id_sipas_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_responses")),
        sa.UniqueConstraint("nonce", name=op.f("uq_sipas_responses_nonce")),
        sa.UniqueConstraint("receipt_id", name=op.f("uq_sipas_responses_receipt_id")),
    )
    with op.batch_alter_table("sipas_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sipas_responses_counter_id"), ["counter_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sipas_responses_kiosk_id"), ["kiosk_id"], unique=False)
        batch_op.create_index(
            "ix_sipas_responses_month_field", ["month", "procedure_field_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sipas_responses_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "sipas_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("procedure_field_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("reason <> ''", name=op.f("ck_sipas_corrections_has_reason")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_sipas_corrections_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["procedure_field_id"],
            ["sipas_procedure_fields.id"],
            name=op.f("fk_sipas_corrections_procedure_field_id_sipas_procedure_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["sipas_responses.id"],
            name=op.f("fk_sipas_corrections_response_id_sipas_responses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_corrections")),
    )
    with op.batch_alter_table("sipas_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sipas_corrections_response_id"), ["response_id"], unique=False
        )

    op.create_table(
        "sipas_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_by_id", sa.Integer(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status <> 'answered' OR (reply <> '' AND replied_at IS NOT NULL)",
            name=op.f("ck_sipas_feedback_answer_has_reply"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'answered')", name=op.f("ck_sipas_feedback_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.id"], name=op.f("fk_sipas_feedback_office_id_offices")
        ),
        sa.ForeignKeyConstraint(
            ["replied_by_id"], ["users.id"], name=op.f("fk_sipas_feedback_replied_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["sipas_responses.id"],
            name=op.f("fk_sipas_feedback_response_id_sipas_responses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_feedback")),
        sa.UniqueConstraint("response_id", name=op.f("uq_sipas_feedback_response_id")),
    )
    with op.batch_alter_table("sipas_feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sipas_feedback_office_status", ["office_id", "status"], unique=False
        )

    op.create_table(
        "sipas_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aspect_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.CheckConstraint("text <> ''", name=op.f("ck_sipas_questions_text_present")),
        sa.ForeignKeyConstraint(
            ["aspect_id"],
            ["sipas_aspects.id"],
            name=op.f("fk_sipas_questions_aspect_id_sipas_aspects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sipas_questions")),
    )
    with op.batch_alter_table("sipas_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sipas_questions_aspect_id"), ["aspect_id"], unique=False
        )

    op.create_table(
        "sipas_answers",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "value >= 1 AND value <= 5", name=op.f("ck_sipas_answers_value_on_scale")
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["sipas_questions.id"],
            name=op.f("fk_sipas_answers_question_id_sipas_questions"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["sipas_responses.id"],
            name=op.f("fk_sipas_answers_response_id_sipas_responses"),
        ),
        sa.PrimaryKeyConstraint("response_id", "question_id", name=op.f("pk_sipas_answers")),
    )
    with op.batch_alter_table("sipas_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sipas_answers_question_id"), ["question_id"], unique=False
        )

    with op.batch_alter_table("objectives", schema=None) as batch_op:
        batch_op.add_column(sa.Column("survey_scope", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint("survey_scope_known", SURVEY_SCOPE_CHECK)


def downgrade():
    with op.batch_alter_table("objectives", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_objectives_survey_scope_known"), type_="check")
        batch_op.drop_column("survey_scope")

    with op.batch_alter_table("sipas_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipas_answers_question_id"))

    op.drop_table("sipas_answers")
    with op.batch_alter_table("sipas_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipas_questions_aspect_id"))

    op.drop_table("sipas_questions")
    with op.batch_alter_table("sipas_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_sipas_feedback_office_status")

    op.drop_table("sipas_feedback")
    with op.batch_alter_table("sipas_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipas_corrections_response_id"))

    op.drop_table("sipas_corrections")
    with op.batch_alter_table("sipas_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipas_responses_version_id"))
        batch_op.drop_index("ix_sipas_responses_month_field")
        batch_op.drop_index(batch_op.f("ix_sipas_responses_kiosk_id"))
        batch_op.drop_index(batch_op.f("ix_sipas_responses_counter_id"))

    op.drop_table("sipas_responses")
    with op.batch_alter_table("sipas_aspects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipas_aspects_version_id"))

    op.drop_table("sipas_aspects")
    with op.batch_alter_table("sipas_versions", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_sipas_versions_live_status",
            sqlite_where=sa.text("status IN ('draft', 'published')"),
            postgresql_where=sa.text("status IN ('draft', 'published')"),
        )

    op.drop_table("sipas_versions")
    with op.batch_alter_table("sipas_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipas_receipts_procedure_field_id"))

    op.drop_table("sipas_receipts")
    op.drop_table("sipas_objective_fields")
    with op.batch_alter_table("sipas_procedure_fields", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipas_procedure_fields_office_id"))

    op.drop_table("sipas_procedure_fields")
    with op.batch_alter_table("sipas_kiosks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sipas_kiosks_counter_id"))

    op.drop_table("sipas_kiosks")
    op.drop_table("sipas_counters")
