"""gp area: visits, document reads, mail outbox, e-mail opt-in, care stage date

Revision ID: 4ac31cc5f820
Revises: 01cfb2568877
Create Date: 2026-11-26 00:18:11.292348
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '4ac31cc5f820'
down_revision: str | Sequence[str] | None = '01cfb2568877'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('patient_visit',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('account_id', 'patient_id')
    )
    op.create_table('document_read',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('account_id', 'document_id')
    )
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('lease_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['notification_id'], ['notification.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('notification_id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index('ix_mail_account_status', ['account_id', 'status'], unique=False)
        batch_op.create_index('ix_mail_due', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('account', schema=None) as batch_op:
        # Off for every existing account: e-mail notifications are opt-in.
        batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.alter_column('email_notifications', server_default=None)  # the model sets the value

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index('ix_document_patient_updated', ['patient_id', 'updated_at'], unique=False)

    with op.batch_alter_table('pathway_event', schema=None) as batch_op:
        batch_op.create_index('ix_pathway_event_patient_created', ['patient_id', 'created_at'], unique=False)

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('care_stage_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('care_stage_on')

    with op.batch_alter_table('pathway_event', schema=None) as batch_op:
        batch_op.drop_index('ix_pathway_event_patient_created')

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_patient_updated')

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('email_notifications')

    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_due')
        batch_op.drop_index('ix_mail_account_status')

    op.drop_table('mail_message')
    op.drop_table('document_read')
    op.drop_table('patient_visit')
