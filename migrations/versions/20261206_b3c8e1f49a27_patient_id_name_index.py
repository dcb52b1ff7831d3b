"""patient ids with their names in one index: a list's page is sorted without reading whole rows

Revision ID: b3c8e1f49a27
Revises: d7f1a4c9e352
Create Date: 2026-12-06 03:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'b3c8e1f49a27'
down_revision: str | Sequence[str] | None = 'd7f1a4c9e352'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.create_index("ix_patient_id_name", ["id", "search_name"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_id_name")
