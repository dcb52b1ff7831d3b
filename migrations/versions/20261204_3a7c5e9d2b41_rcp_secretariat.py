"""the secretariat that manages each RCP, apart from its members

Revision ID: 3a7c5e9d2b41
Revises: 7b2d4e9f1a30
Create Date: 2026-12-04 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3a7c5e9d2b41'
down_revision: str | Sequence[str] | None = '7b2d4e9f1a30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Until now a secretary managed an RCP by being listed among its members: those rows become the secretariat.
SECRETARY_MEMBERS = (
    "FROM rcp_member WHERE professional_id IN "
    "(SELECT professional_id FROM account WHERE role = 'rcp_secretary' AND professional_id IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "rcp_secretariat",
        sa.Column("rcp_id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["professional_id"], ["professional.id"]),
        sa.ForeignKeyConstraint(["rcp_id"], ["rcp.id"]),
        sa.PrimaryKeyConstraint("rcp_id", "professional_id"),
    )
    op.create_index("ix_rcp_secretariat_professional", "rcp_secretariat", ["professional_id", "rcp_id"], unique=False)
    op.execute(f"INSERT INTO rcp_secretariat (rcp_id, professional_id, created_at) SELECT rcp_id, professional_id, created_at {SECRETARY_MEMBERS}")
    op.execute(f"DELETE {SECRETARY_MEMBERS}")


def downgrade() -> None:
    op.execute("INSERT INTO rcp_member (rcp_id, professional_id, is_coordinator, created_at) "
               "SELECT rcp_id, professional_id, false, created_at FROM rcp_secretariat")
    op.drop_index("ix_rcp_secretariat_professional", table_name="rcp_secretariat")
    op.drop_table("rcp_secretariat")
