"""emergency access (bris de glace) and patient oppositions

Revision ID: 75393e1a0948
Revises: 8dae8ea7d438
Create Date: 2026-11-25 22:32:33.875458
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '75393e1a0948'
down_revision: str | Sequence[str] | None = '8dae8ea7d438'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('emergency_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('emergency_access', schema=None) as batch_op:
        batch_op.create_index('ix_emergency_patient_started', ['patient_id', 'started_at'], unique=False)
        batch_op.create_index('ix_emergency_professional_patient', ['professional_id', 'patient_id', 'expires_at'], unique=False)

    op.create_table('patient_opposition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('withdrawn_by_account_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['withdrawn_by_account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('patient_opposition', schema=None) as batch_op:
        batch_op.create_index('ix_opposition_patient_professional', ['patient_id', 'professional_id', 'withdrawn_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('patient_opposition', schema=None) as batch_op:
        batch_op.drop_index('ix_opposition_patient_professional')

    op.drop_table('patient_opposition')
    with op.batch_alter_table('emergency_access', schema=None) as batch_op:
        batch_op.drop_index('ix_emergency_professional_patient')
        batch_op.drop_index('ix_emergency_patient_started')

    op.drop_table('emergency_access')
