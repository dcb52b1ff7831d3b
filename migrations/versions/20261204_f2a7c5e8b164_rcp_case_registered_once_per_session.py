"""A patient is registered once per RCP session: partial unique index on the registrations not withdrawn

Revision ID: f2a7c5e8b164
Revises: c4f8a2d6e913
Create Date: 2026-12-04 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f2a7c5e8b164'
down_revision: str | Sequence[str] | None = 'c4f8a2d6e913'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status != 'withdrawn'")


def upgrade() -> None:
    # Registration refused a second one already; only a race could have made duplicates, which must be withdrawn by
    # the RCP secretariat before this upgrade (it fails on them rather than choosing which to keep).
    with op.batch_alter_table("rcp_case", schema=None) as batch_op:
        batch_op.create_index("uq_rcp_case_active", ["session_id", "patient_id"], unique=True, sqlite_where=ACTIVE,
                              postgresql_where=ACTIVE)


def downgrade() -> None:
    with op.batch_alter_table("rcp_case", schema=None) as batch_op:
        batch_op.drop_index("uq_rcp_case_active")
