"""DMP submissions: kind (initial, replacement, update, withdrawal), metadata version, visibility sent

Revision ID: 9c3e1d7a5b20
Revises: 3a7c5e9d2b41
Create Date: 2026-12-04 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '9c3e1d7a5b20'
down_revision: str | Sequence[str] | None = '3a7c5e9d2b41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sharing_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default='initial'))
        batch_op.add_column(sa.Column('metadata_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('sent_visibility', sa.String(length=120), nullable=False, server_default=''))
        batch_op.drop_constraint('uq_sharing_document_version', type_='unique')
        batch_op.create_unique_constraint('uq_sharing_document_version_metadata',
                                          ['document_id', 'document_version', 'metadata_version'])
    op.execute("UPDATE sharing_submission SET kind = 'replacement' WHERE document_version > 1")
    with op.batch_alter_table('sharing_submission', schema=None) as batch_op:  # the defaults only filled existing rows
        for name in ('kind', 'metadata_version', 'sent_visibility'):
            batch_op.alter_column(name, server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM sharing_attempt WHERE submission_id IN (SELECT id FROM sharing_submission WHERE metadata_version > 1)")
    op.execute("DELETE FROM sharing_submission WHERE metadata_version > 1")
    with op.batch_alter_table('sharing_submission', schema=None) as batch_op:
        batch_op.drop_constraint('uq_sharing_document_version_metadata', type_='unique')
        batch_op.create_unique_constraint('uq_sharing_document_version', ['document_id', 'document_version'])
        batch_op.drop_column('sent_visibility')
        batch_op.drop_column('metadata_version')
        batch_op.drop_column('kind')
