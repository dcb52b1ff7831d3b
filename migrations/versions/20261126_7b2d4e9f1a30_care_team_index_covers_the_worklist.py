"""the care-team index by professional covers the worklist's conditions (dates, removal)

Revision ID: 7b2d4e9f1a30
Revises: 5e1f0a2c9b7d
Create Date: 2026-11-26 05:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '7b2d4e9f1a30'
down_revision: str | Sequence[str] | None = '5e1f0a2c9b7d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["professional_id", "patient_id"]
COVERING = COLUMNS + ["start_date", "end_date", "removed_at"]


def upgrade() -> None:
    op.drop_index("ix_care_team_professional_patient", table_name="care_team_membership")
    op.create_index("ix_care_team_professional_patient", "care_team_membership", COVERING, unique=False)


def downgrade() -> None:
    op.drop_index("ix_care_team_professional_patient", table_name="care_team_membership")
    op.create_index("ix_care_team_professional_patient", "care_team_membership", COLUMNS, unique=False)
