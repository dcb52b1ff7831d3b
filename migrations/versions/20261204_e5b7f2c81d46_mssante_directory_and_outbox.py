"""MSSanté: directory of mailboxes, outbox of documents addressed by secure health messaging

Revision ID: e5b7f2c81d46
Revises: 53f8abefb472
Create Date: 2026-12-04 11:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'e5b7f2c81d46'
down_revision: str | Sequence[str] | None = '53f8abefb472'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "mss_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", S(length=32), nullable=False),
        sa.Column("address", S(length=200), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("label", S(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("updated_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professional.id"]),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
        sa.UniqueConstraint("address"),
    )
    op.create_index("ix_mss_address_professional", "mss_address", ["professional_id"])
    op.create_index("ix_mss_address_organisation", "mss_address", ["organisation_id"])
    op.create_table(
        "mss_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", S(length=32), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("to_address", S(length=200), nullable=False),
        sa.Column("to_label", S(length=200), nullable=False),
        sa.Column("to_professional_id", sa.Integer(), nullable=True),
        sa.Column("sender_account_id", sa.Integer(), nullable=True),
        sa.Column("sender_professional_id", sa.Integer(), nullable=True),
        sa.Column("status", S(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", T(), nullable=True),
        sa.Column("lease_owner", S(length=80), nullable=False),
        sa.Column("lease_expires_at", T(), nullable=True),
        sa.Column("last_attempt_at", T(), nullable=True),
        sa.Column("last_error", S(length=500), nullable=False),
        sa.Column("sent_at", T(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("updated_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"]),
        sa.ForeignKeyConstraint(["to_professional_id"], ["professional.id"]),
        sa.ForeignKeyConstraint(["sender_account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["sender_professional_id"], ["professional.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
        sa.UniqueConstraint("document_id", "document_version", "to_address", name="uq_mss_message_recipient"),
    )
    op.create_index("ix_mss_due", "mss_message", ["status", "next_attempt_at"])
    op.create_index("ix_mss_patient", "mss_message", ["patient_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_mss_patient", table_name="mss_message")
    op.drop_index("ix_mss_due", table_name="mss_message")
    op.drop_table("mss_message")
    op.drop_index("ix_mss_address_organisation", table_name="mss_address")
    op.drop_index("ix_mss_address_professional", table_name="mss_address")
    op.drop_table("mss_address")
