"""documents with versions, notifications, pathway diagnosis and timeline

Revision ID: 0bf145a7557f
Revises: f75237281e70
Create Date: 2026-11-25 22:16:03.233175
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0bf145a7557f'
down_revision: str | Sequence[str] | None = 'f75237281e70'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cancer_diagnosis',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('icd10_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('icd10_label', sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
    sa.Column('morphology_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('morphology_label', sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
    sa.Column('laterality', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('tnm_prefix', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('tnm_t', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('tnm_n', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('tnm_m', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('other_staging', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('who_performance_status', sa.Integer(), nullable=True),
    sa.Column('who_performance_date', sa.Date(), nullable=True),
    sa.Column('suspicion_date', sa.Date(), nullable=True),
    sa.Column('diagnosis_date', sa.Date(), nullable=True),
    sa.Column('discovery_mode', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('clinical_phase', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('cancer_diagnosis', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cancer_diagnosis_patient_id'), ['patient_id'], unique=False)

    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('current_version', sa.Integer(), nullable=False),
    sa.Column('service_date', sa.Date(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('author_professional_id', sa.Integer(), nullable=True),
    sa.Column('created_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('validated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('hidden_from_professionals', sa.Boolean(), nullable=False),
    sa.Column('invisible_to_patient', sa.Boolean(), nullable=False),
    sa.Column('invisible_to_legal_reps', sa.Boolean(), nullable=False),
    sa.Column('announces_cancer', sa.Boolean(), nullable=False),
    sa.Column('release_mode', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('release_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('released_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('share_with_dmp', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['created_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index('ix_document_patient_created', ['patient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_document_patient_kind', ['patient_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_public_id'), ['public_id'], unique=True)

    op.create_table('document_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_json', sa.Text(), nullable=True),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('mime_type', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('author_account_id', sa.Integer(), nullable=True),
    sa.Column('author_professional_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('signed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('signed_by_account_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['author_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['signed_by_account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'version', name='uq_document_version')
    )
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_version_document_id'), ['document_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('read_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_account_read', ['account_id', 'read_at', 'created_at'], unique=False)

    op.create_table('pathway_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('author_professional_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('pathway_event', schema=None) as batch_op:
        batch_op.create_index('ix_pathway_event_patient_when', ['patient_id', 'occurred_on'], unique=False)

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('medical_announcement_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('medical_announcement_at')

    with op.batch_alter_table('pathway_event', schema=None) as batch_op:
        batch_op.drop_index('ix_pathway_event_patient_when')

    op.drop_table('pathway_event')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_account_read')

    op.drop_table('notification')
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_version_document_id'))

    op.drop_table('document_version')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_public_id'))
        batch_op.drop_index('ix_document_patient_kind')
        batch_op.drop_index('ix_document_patient_created')

    op.drop_table('document')
    with op.batch_alter_table('cancer_diagnosis', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cancer_diagnosis_patient_id'))

    op.drop_table('cancer_diagnosis')
