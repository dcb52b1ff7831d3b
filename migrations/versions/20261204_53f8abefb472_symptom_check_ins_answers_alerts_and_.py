"""symptom check-ins answers alerts and pauses

Revision ID: 53f8abefb472
Revises: 3c5e7a9b1d20
Create Date: 2026-12-04 08:15:14.117556
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '53f8abefb472'
down_revision: str | Sequence[str] | None = '3c5e7a9b1d20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('symptom_pause',
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('paused_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('patient_id')
    )
    op.create_table('symptom_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('treatment', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('symptom_report', schema=None) as batch_op:
        batch_op.create_index('ix_symptom_report_patient_started', ['patient_id', 'started_at'], unique=False)

    op.create_table('symptom_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reasons', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('escalated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('acknowledged_by_account_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('action_note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['symptom_report.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('symptom_alert', schema=None) as batch_op:
        batch_op.create_index('ix_symptom_alert_open', ['acknowledged_at', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_symptom_alert_patient_created', ['patient_id', 'created_at'], unique=False)

    op.create_table('symptom_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('item', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=True),
    sa.Column('interference', sa.Integer(), nullable=True),
    sa.Column('temperature_tenths', sa.Integer(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['symptom_report.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('report_id', 'item', name='uq_symptom_answer_item')
    )


def downgrade() -> None:
    op.drop_table('symptom_answer')
    with op.batch_alter_table('symptom_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_symptom_alert_patient_created')
        batch_op.drop_index('ix_symptom_alert_open')

    op.drop_table('symptom_alert')
    with op.batch_alter_table('symptom_report', schema=None) as batch_op:
        batch_op.drop_index('ix_symptom_report_patient_started')

    op.drop_table('symptom_report')
    op.drop_table('symptom_pause')
