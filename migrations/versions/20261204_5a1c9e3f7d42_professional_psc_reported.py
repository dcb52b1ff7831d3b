"""Pro Santé Connect: what it reports about a professional when it differs from the directory; organisations that
allow accounts signing in with PSC only

Revision ID: 5a1c9e3f7d42
Revises: e5b7f2c81d46
Create Date: 2026-12-04 11:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '5a1c9e3f7d42'
down_revision: str | Sequence[str] | None = 'e5b7f2c81d46'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite allows it with a constant default): rebuilding these tables would break the foreign
    # keys of every row that refers to them.
    op.add_column("organisation", sa.Column("psc_only_allowed", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("professional", sa.Column("psc_reported", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                            server_default=sa.text("''")))


def downgrade() -> None:
    with op.batch_alter_table("professional", schema=None) as batch_op:
        batch_op.drop_column("psc_reported")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("psc_only_allowed")
