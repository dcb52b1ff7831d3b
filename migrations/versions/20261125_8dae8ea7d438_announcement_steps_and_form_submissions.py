"""announcement steps and form submissions

Revision ID: 8dae8ea7d438
Revises: d1995378b585
Create Date: 2026-11-25 22:29:12.492158
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '8dae8ea7d438'
down_revision: str | Sequence[str] | None = 'd1995378b585'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('form_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'key', name='uq_form_submission')
    )
    op.create_table('announcement_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('temps', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('author_professional_id', sa.Integer(), nullable=True),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('pathway_event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['pathway_event_id'], ['pathway_event.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('announcement_step', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_step_patient', ['patient_id', 'occurred_on'], unique=False)

    op.create_table('announcement_step_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('author_account_id', sa.Integer(), nullable=True),
    sa.Column('author_professional_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['author_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['step_id'], ['announcement_step.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('step_id', 'version', name='uq_announcement_step_version')
    )
    with op.batch_alter_table('announcement_step_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_step_version_step_id'), ['step_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('announcement_step_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_step_version_step_id'))

    op.drop_table('announcement_step_version')
    with op.batch_alter_table('announcement_step', schema=None) as batch_op:
        batch_op.drop_index('ix_announcement_step_patient')

    op.drop_table('announcement_step')
    op.drop_table('form_submission')
