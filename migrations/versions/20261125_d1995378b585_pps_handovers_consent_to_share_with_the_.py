"""pps handovers, consent to share with the medecin traitant, acknowledgements

Revision ID: d1995378b585
Revises: caacc004ca03
Create Date: 2026-11-25 22:31:38.589069
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'd1995378b585'
down_revision: str | Sequence[str] | None = 'caacc004ca03'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pps_acknowledgement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('document_id', 'version', 'account_id', name='uq_pps_acknowledgement')
    )
    with op.batch_alter_table('pps_acknowledgement', schema=None) as batch_op:
        batch_op.create_index('ix_pps_acknowledgement_document_account', ['document_id', 'account_id'], unique=False)

    op.create_table('pps_gp_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('consent', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pps_gp_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pps_gp_consent_document_id'), ['document_id'], unique=False)

    op.create_table('pps_handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('handed_over_on', sa.Date(), nullable=False),
    sa.Column('handed_over_by_professional_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['handed_over_by_professional_id'], ['professional.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('pps_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pps_handover_document_id'), ['document_id'], unique=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        # Existing documents stay visible to the médecin traitant as before.
        batch_op.add_column(sa.Column('withheld_from_medecin_traitant', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.alter_column('withheld_from_medecin_traitant', server_default=None)  # the model sets the value



def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('withheld_from_medecin_traitant')

    with op.batch_alter_table('pps_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pps_handover_document_id'))

    op.drop_table('pps_handover')
    with op.batch_alter_table('pps_gp_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pps_gp_consent_document_id'))

    op.drop_table('pps_gp_consent')
    with op.batch_alter_table('pps_acknowledgement', schema=None) as batch_op:
        batch_op.drop_index('ix_pps_acknowledgement_document_account')

    op.drop_table('pps_acknowledgement')
