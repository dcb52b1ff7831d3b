"""RCP correspondents named at registration; indexes of the MSSanté sending boards (per document, network-wide)

Revision ID: a3d6c9e2f517
Revises: b7d3e9a1c520
Create Date: 2026-12-04 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'a3d6c9e2f517'
down_revision: str | Sequence[str] | None = 'b7d3e9a1c520'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_mss_document", ["document_id", "created_at"]),
    ("ix_mss_created", ["created_at"]),
)


def upgrade() -> None:
    op.create_table(
        "rcp_correspondent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("professional_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["rcp_case.id"]),
        sa.ForeignKeyConstraint(["professional_id"], ["professional.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "professional_id", name="uq_rcp_correspondent"),
    )
    with op.batch_alter_table("mss_message", schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mss_message", schema=None) as batch_op:
        for name, _columns in reversed(INDEXES):
            batch_op.drop_index(name)
    op.drop_table("rcp_correspondent")
