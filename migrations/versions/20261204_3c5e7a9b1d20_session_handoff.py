"""user_session.handoff_until: a session's token is a single-use handoff until the browser exchanges it for its cookie

Revision ID: 3c5e7a9b1d20
Revises: c4e81a7d2b90
Create Date: 2026-12-04 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '3c5e7a9b1d20'
down_revision: str | Sequence[str] | None = 'c4e81a7d2b90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_session") as batch:
        batch.add_column(sa.Column("handoff_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user_session") as batch:
        batch.drop_column("handoff_until")
