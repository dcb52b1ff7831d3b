"""Partial index of the successful logins in the audit trail, for the « Usage » indicators

Revision ID: b5e9c2a7d418
Revises: a8d3b6f1c725
Create Date: 2026-12-04 19:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b5e9c2a7d418'
down_revision: str | Sequence[str] | None = 'a8d3b6f1c725'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUCCESSFUL_LOGIN = sa.text("action = 'login' AND outcome = 'success'")


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_login_at", ["at", "actor_role", "account_id"], unique=False,
                              sqlite_where=SUCCESSFUL_LOGIN, postgresql_where=SUCCESSFUL_LOGIN)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_login_at")
