"""audit search indexes end with id, so that a page ordered by (at, id) needs no sort on PostgreSQL

Revision ID: 5e1f0a2c9b7d
Revises: 4ac31cc5f820
Create Date: 2026-11-26 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '5e1f0a2c9b7d'
down_revision: str | Sequence[str] | None = '4ac31cc5f820'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_audit_patient_at": ["patient_id", "at"],
    "ix_audit_account_at": ["account_id", "at"],
    "ix_audit_action_at": ["action", "at"],
    "ix_audit_at": ["at"],
}


def _rebuild(with_id: bool) -> None:
    for name, columns in INDEXES.items():
        op.drop_index(name, table_name="audit_event")
        op.create_index(name, "audit_event", columns + (["id"] if with_id else []), unique=False)


def upgrade() -> None:
    _rebuild(with_id=True)


def downgrade() -> None:
    _rebuild(with_id=False)
