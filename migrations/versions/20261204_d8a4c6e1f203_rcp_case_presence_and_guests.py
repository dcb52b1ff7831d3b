"""who was present for each case of a live sitting; guests invited for one case

Revision ID: d8a4c6e1f203
Revises: e5b9d2c4a810
Create Date: 2026-12-04 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd8a4c6e1f203'
down_revision: str | Sequence[str] | None = 'e5b9d2c4a810'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rcp_case_sitting") as batch:
        batch.add_column(sa.Column("present_json", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("rcp_case_sitting") as batch:  # the default only filled the existing rows
        batch.alter_column("present_json", server_default=None)
    op.create_table(
        "rcp_case_guest",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("specialty_code", sa.String(length=20), nullable=False),
        sa.Column("invited_by_account_id", sa.Integer(), nullable=True),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=True),
        sa.Column("left_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["rcp_case.id"]),
        sa.ForeignKeyConstraint(["professional_id"], ["professional.id"]),
        sa.ForeignKeyConstraint(["invited_by_account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("case_id", "professional_id"),
    )
    op.create_index("ix_rcp_case_guest_professional", "rcp_case_guest", ["professional_id", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_rcp_case_guest_professional", table_name="rcp_case_guest")
    op.drop_table("rcp_case_guest")
    with op.batch_alter_table("rcp_case_sitting") as batch:
        batch.drop_column("present_json")
