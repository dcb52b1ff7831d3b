"""symptom answers shared with the GP, weekly invitations, reports indexed by submission

Revision ID: 5e2b8c41d9a7
Revises: b5d2f8a41c07
Create Date: 2026-12-04 11:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '5e2b8c41d9a7'
down_revision: str | Sequence[str] | None = 'b5d2f8a41c07'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('symptom_gp_sharing',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('agreed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('patient_id')
    )
    op.create_table('symptom_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('week', sa.Date(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('patient_id', 'week', name='uq_symptom_invitation_week')
    )
    op.create_index('ix_symptom_report_patient_submitted', 'symptom_report', ['patient_id', 'submitted_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_symptom_report_patient_submitted', table_name='symptom_report')
    op.drop_table('symptom_invitation')
    op.drop_table('symptom_gp_sharing')
