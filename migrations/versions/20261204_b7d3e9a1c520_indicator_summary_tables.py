"""summary tables of the network indicators: new patients by day, RCP, delays and flags; sessions held with their
counts; when they were last refreshed

Revision ID: b7d3e9a1c520
Revises: d8a4c6e1f203
Create Date: 2026-12-04 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'b7d3e9a1c520'
down_revision: str | Sequence[str] | None = 'd8a4c6e1f203'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PATHWAY_COUNTS = ("treated", "rcp_before_treatment", "announced", "presented", "pps", "patients")
SESSION_COUNTS = ("registered", "complete", "decided", "discussed", "quorum", "signed", "signed_in_time", "with_gp",
                  "sent_to_gp", "gp_refused", "sent_to_dmp", "dmp_refused")


def upgrade() -> None:
    op.create_table(
        'indicator_pathway_cell',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('rcp_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('diagnosis_to_rcp', sa.Integer(), nullable=True),
        sa.Column('rcp_to_treatment', sa.Integer(), nullable=True),
        sa.Column('rcp_to_pps', sa.Integer(), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in PATHWAY_COUNTS],
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_indicator_pathway_cell_site_day', 'indicator_pathway_cell', ['site', 'day', 'rcp_id'], unique=False)
    op.create_table(
        'indicator_session_cell',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('rcp_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in SESSION_COUNTS],
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_indicator_session_cell_site_start', 'indicator_session_cell', ['site', 'starts_at', 'rcp_id'],
                    unique=False)
    op.create_table(
        'indicator_refresh',
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('refreshed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('window_from', sa.Date(), nullable=False),
        sa.Column('rebuilt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade() -> None:
    op.drop_table('indicator_refresh')
    op.drop_index('ix_indicator_session_cell_site_start', table_name='indicator_session_cell')
    op.drop_table('indicator_session_cell')
    op.drop_index('ix_indicator_pathway_cell_site_day', table_name='indicator_pathway_cell')
    op.drop_table('indicator_pathway_cell')
