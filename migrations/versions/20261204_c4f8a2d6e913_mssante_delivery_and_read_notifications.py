"""MSSanté sendings: what the operator's delivery status notification and the recipient's read notification said

Revision ID: c4f8a2d6e913
Revises: a3d6c9e2f517
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c4f8a2d6e913'
down_revision: str | Sequence[str] | None = 'a3d6c9e2f517'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mss_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("delivery_detail", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("read_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table("mss_message", schema=None) as batch_op:  # the model sets the values
        batch_op.alter_column("delivery", server_default=None)
        batch_op.alter_column("delivery_detail", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("mss_message", schema=None) as batch_op:
        for column in ("read_at", "delivered_at", "delivery_detail", "delivery"):
            batch_op.drop_column(column)
