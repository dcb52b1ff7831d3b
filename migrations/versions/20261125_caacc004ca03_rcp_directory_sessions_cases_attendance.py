"""rcp directory sessions cases attendance

Revision ID: caacc004ca03
Revises: 93333f91f736
Create Date: 2026-11-25 22:40:07.234316
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'caacc004ca03'
down_revision: str | Sequence[str] | None = '93333f91f736'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rcp',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('national_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('network_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('manager_id', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('manager_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('is_recours', sa.Boolean(), nullable=False),
    sa.Column('is_pediatric', sa.Boolean(), nullable=False),
    sa.Column('appareil_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('organ_codes', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('transversal_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('quorum_specialties', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('usual_schedule', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('visio_url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('national_id')
    )
    with op.batch_alter_table('rcp', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rcp_public_id'), ['public_id'], unique=True)

    op.create_table('rcp_member',
    sa.Column('rcp_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('is_coordinator', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['rcp_id'], ['rcp.id'], ),
    sa.PrimaryKeyConstraint('rcp_id', 'professional_id')
    )
    with op.batch_alter_table('rcp_member', schema=None) as batch_op:
        batch_op.create_index('ix_rcp_member_professional', ['professional_id', 'rcp_id'], unique=False)

    op.create_table('rcp_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('rcp_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('registration_deadline', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('visio_url', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('series_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['rcp_id'], ['rcp.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rcp_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rcp_session_public_id'), ['public_id'], unique=True)
        batch_op.create_index('ix_rcp_session_rcp_start', ['rcp_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_rcp_session_start', ['starts_at'], unique=False)

    op.create_table('rcp_attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('specialty_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['rcp_session.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'professional_id', name='uq_rcp_attendance')
    )
    with op.batch_alter_table('rcp_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rcp_attendance_session_id'), ['session_id'], unique=False)

    op.create_table('rcp_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('requester_professional_id', sa.Integer(), nullable=False),
    sa.Column('presenter_professional_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('checklist_json', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('withdrawn_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('proposal_json', sa.Text(), nullable=False),
    sa.Column('guideline', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('trial_proposed', sa.Boolean(), nullable=False),
    sa.Column('trial_detail', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('additional_exams', sa.Text(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('quorum_reached', sa.Boolean(), nullable=True),
    sa.Column('needs_representation', sa.Boolean(), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decision_version', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['presenter_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['requester_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['session_id'], ['rcp_session.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rcp_case', schema=None) as batch_op:
        batch_op.create_index('ix_rcp_case_patient', ['patient_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_rcp_case_public_id'), ['public_id'], unique=True)
        batch_op.create_index('ix_rcp_case_session', ['session_id', 'status'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('rcp_case', schema=None) as batch_op:
        batch_op.drop_index('ix_rcp_case_session')
        batch_op.drop_index(batch_op.f('ix_rcp_case_public_id'))
        batch_op.drop_index('ix_rcp_case_patient')

    op.drop_table('rcp_case')
    with op.batch_alter_table('rcp_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rcp_attendance_session_id'))

    op.drop_table('rcp_attendance')
    with op.batch_alter_table('rcp_session', schema=None) as batch_op:
        batch_op.drop_index('ix_rcp_session_start')
        batch_op.drop_index('ix_rcp_session_rcp_start')
        batch_op.drop_index(batch_op.f('ix_rcp_session_public_id'))

    op.drop_table('rcp_session')
    with op.batch_alter_table('rcp_member', schema=None) as batch_op:
        batch_op.drop_index('ix_rcp_member_professional')

    op.drop_table('rcp_member')
    with op.batch_alter_table('rcp', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rcp_public_id'))

    op.drop_table('rcp')
    # ### end Alembic commands ###
