"""HL7 v2 feed: received messages (filed, waiting for identity vigilance, rejected) and establishments' local ids

Revision ID: a7c3e1f94b20
Revises: 9c3e1d7a5b20
Create Date: 2026-12-04 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'a7c3e1f94b20'
down_revision: str | Sequence[str] | None = '9c3e1d7a5b20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "hl7_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", _text(32), nullable=False),
        sa.Column("sending_facility", _text(60), nullable=False),
        sa.Column("sending_application", _text(60), nullable=False),
        sa.Column("control_id", _text(60), nullable=False),
        sa.Column("message_type", _text(20), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", _text(10), nullable=False),
        sa.Column("vigilance_reason", _text(200), nullable=False),
        sa.Column("ins", _text(15), nullable=False),
        sa.Column("local_id", _text(40), nullable=False),
        sa.Column("family_name", _text(100), nullable=False),
        sa.Column("given_names", _text(200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", _text(1), nullable=False),
        sa.Column("document_kind", _text(30), nullable=False),
        sa.Column("document_title", _text(200), nullable=False),
        sa.Column("document_ref", _text(120), nullable=False),
        sa.Column("raw_file", _text(80), nullable=False),
        sa.Column("raw_sha256", _text(64), nullable=False),
        sa.Column("ack", _text(2000), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("document_version", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resolved_by_account_id", sa.Integer(), nullable=True),
        sa.Column("resolution", _text(500), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["resolved_by_account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
        sa.UniqueConstraint("sending_facility", "control_id", name="uq_hl7_message_control"),
    )
    op.create_index("ix_hl7_message_status_received", "hl7_message", ["status", "received_at"])
    op.create_index("ix_hl7_message_document_ref", "hl7_message", ["sending_facility", "document_ref"])
    op.create_table(
        "patient_local_id",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility", _text(60), nullable=False),
        sa.Column("value", _text(40), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("facility", "value", name="uq_patient_local_id"),
    )
    op.create_index("ix_patient_local_id_patient_id", "patient_local_id", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_patient_local_id_patient_id", table_name="patient_local_id")
    op.drop_table("patient_local_id")
    op.drop_index("ix_hl7_message_document_ref", table_name="hl7_message")
    op.drop_index("ix_hl7_message_status_received", table_name="hl7_message")
    op.drop_table("hl7_message")
