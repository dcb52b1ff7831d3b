"""DMP feeding: sharing outbox, attempts, patient opposition

Revision ID: 01cfb2568877
Revises: 75393e1a0948
Create Date: 2026-11-25 23:36:50.486243
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '01cfb2568877'
down_revision: str | Sequence[str] | None = '75393e1a0948'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('sharing_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('document_version', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('unique_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('entry_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('submission_set_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('format_code', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('cda_level', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('cda_file', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('cda_sha1', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('cda_size', sa.Integer(), nullable=False),
    sa.Column('authenticator_professional_id', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('lease_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_http_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('recipient_id', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('acknowledged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_reason', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('closed_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['authenticator_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['closed_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'document_version', name='uq_sharing_document_version'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('sharing_submission', schema=None) as batch_op:
        batch_op.create_index('ix_sharing_created', ['created_at'], unique=False)
        batch_op.create_index('ix_sharing_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_sharing_patient_created', ['patient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_sharing_status_created', ['status', 'created_at'], unique=False)

    op.create_table('sharing_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['sharing_submission.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sharing_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sharing_attempt_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dmp_opposed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('dmp_opposition_source', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('dmp_opposition_source')
        batch_op.drop_column('dmp_opposed_at')

    with op.batch_alter_table('sharing_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sharing_attempt_submission_id'))

    op.drop_table('sharing_attempt')
    with op.batch_alter_table('sharing_submission', schema=None) as batch_op:
        batch_op.drop_index('ix_sharing_status_created')
        batch_op.drop_index('ix_sharing_patient_created')
        batch_op.drop_index('ix_sharing_due')
        batch_op.drop_index('ix_sharing_created')

    op.drop_table('sharing_submission')
