"""Index of document_read by date, for the network's « documents opened by GPs » indicator

Revision ID: a8d3b6f1c725
Revises: f2a7c5e8b164
Create Date: 2026-12-04 19:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'a8d3b6f1c725'
down_revision: str | Sequence[str] | None = 'f2a7c5e8b164'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("document_read", schema=None) as batch_op:
        batch_op.create_index("ix_document_read_at", ["read_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("document_read", schema=None) as batch_op:
        batch_op.drop_index("ix_document_read_at")
