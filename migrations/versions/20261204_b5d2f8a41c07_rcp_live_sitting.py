"""the live sitting of an RCP session: the case on every screen, presence with departures, per-case snapshot

Revision ID: b5d2f8a41c07
Revises: 5a1c9e3f7d42
Create Date: 2026-12-04 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b5d2f8a41c07'
down_revision: str | Sequence[str] | None = '5a1c9e3f7d42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rcp_attendance") as batch:
        batch.add_column(sa.Column("via", sa.String(length=10), nullable=False, server_default="room"))
        batch.add_column(sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("left_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("rcp_attendance") as batch:  # the defaults only filled the existing rows
        batch.alter_column("via", server_default=None)
        batch.alter_column("confirmed", server_default=None)
    op.create_table(
        "rcp_live",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("current_case_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("writer_professional_id", sa.Integer(), nullable=True),
        sa.Column("draft_case_id", sa.Integer(), nullable=True),
        sa.Column("draft_json", sa.Text(), nullable=False),
        sa.Column("draft_saved_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["rcp_session.id"]),
        sa.ForeignKeyConstraint(["current_case_id"], ["rcp_case.id"]),
        sa.ForeignKeyConstraint(["draft_case_id"], ["rcp_case.id"]),
        sa.ForeignKeyConstraint(["writer_professional_id"], ["professional.id"]),
        sa.PrimaryKeyConstraint("session_id"),
    )
    op.create_table(
        "rcp_case_sitting",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("present_names", sa.Text(), nullable=False),
        sa.Column("quorum_reached", sa.Boolean(), nullable=False),
        sa.Column("quorum_summary", sa.String(length=400), nullable=False),
        sa.Column("override_reason", sa.String(length=300), nullable=False),
        sa.Column("validated_by_professional_id", sa.Integer(), nullable=True),
        sa.Column("validated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["rcp_case.id"]),
        sa.ForeignKeyConstraint(["validated_by_professional_id"], ["professional.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )


def downgrade() -> None:
    op.drop_table("rcp_case_sitting")
    op.drop_table("rcp_live")
    with op.batch_alter_table("rcp_attendance") as batch:
        batch.drop_column("left_at")
        batch.drop_column("confirmed")
        batch.drop_column("via")
