"""Summary of the successful logins by month and account, for the « Usage » indicators

Revision ID: d7f1a4c9e352
Revises: b5e9c2a7d418
Create Date: 2026-12-04 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'd7f1a4c9e352'
down_revision: str | Sequence[str] | None = 'b5e9c2a7d418'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_login_cell",
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("logins", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "account_id"),
    )


def downgrade() -> None:
    op.drop_table("indicator_login_cell")
