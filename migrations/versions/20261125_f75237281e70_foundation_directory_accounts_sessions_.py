"""foundation: directory, accounts, sessions, patients, care teams, charter, audit

Revision ID: f75237281e70
Revises: 
Create Date: 2026-11-25 21:55:28.558910
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'f75237281e70'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('document_version', sa.Integer(), nullable=True),
    sa.Column('grant', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('justification', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('session_hash', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('seq')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_account_at', ['account_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_at', ['at'], unique=False)
        batch_op.create_index('ix_audit_patient_at', ['patient_id', 'at'], unique=False)

    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('charter_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version')
    )
    with op.batch_alter_table('charter_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charter_version_published_at'), ['published_at'], unique=False)

    op.create_table('login_throttle',
    sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('window_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('client_ip')
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('finess', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('finess')
    )
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_public_id'), ['public_id'], unique=True)

    op.create_table('professional',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('rpps', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=False),
    sa.Column('family_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('given_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('specialty_code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rpps')
    )
    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_professional_public_id'), ['public_id'], unique=True)

    op.create_table('patient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ins', sqlmodel.sql.sqltypes.AutoString(length=15), nullable=True),
    sa.Column('ins_oid', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('local_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('birth_family_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('used_family_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('first_names', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('used_first_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('birth_place_code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postal_code', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('city', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('gp_professional_id', sa.Integer(), nullable=True),
    sa.Column('care_stage', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('search_name', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['gp_professional_id'], ['professional.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ins'),
    sa.UniqueConstraint('local_id')
    )
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.create_index('ix_patient_gp_search', ['gp_professional_id', 'search_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_patient_public_id'), ['public_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_patient_search_name'), ['search_name'], unique=False)

    op.create_table('professional_organisation',
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], ),
    sa.PrimaryKeyConstraint('professional_id', 'organisation_id')
    )
    with op.batch_alter_table('professional_organisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_professional_organisation_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('identifier', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('password_changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('totp_secret_enc', sa.LargeBinary(), nullable=True),
    sa.Column('totp_pending_enc', sa.LargeBinary(), nullable=True),
    sa.Column('totp_enrolled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_login_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('identifier'),
    sa.UniqueConstraint('patient_id'),
    sa.UniqueConstraint('professional_id')
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_public_id'), ['public_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_account_role'), ['role'], unique=False)

    op.create_table('care_team_membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('professional_id', sa.Integer(), nullable=False),
    sa.Column('team_role', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('removed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('added_by_account_id', sa.Integer(), nullable=True),
    sa.Column('ended_by_account_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['ended_by_account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['professional_id'], ['professional.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('care_team_membership', schema=None) as batch_op:
        batch_op.create_index('ix_care_team_patient', ['patient_id', 'end_date'], unique=False)
        batch_op.create_index('ix_care_team_professional_patient', ['professional_id', 'patient_id'], unique=False)

    op.create_table('charter_acceptance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('charter_version_id', sa.Integer(), nullable=False),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['charter_version_id'], ['charter_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('charter_acceptance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_charter_acceptance_account_id'), ['account_id'], unique=False)

    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('used_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_account_id'), ['account_id'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoke_reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('client_ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_account_id'), ['account_id'], unique=False)


    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    _protect_audit_trail()


def downgrade() -> None:
    _unprotect_audit_trail()
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_account_id'))

    op.drop_table('user_session')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_account_id'))

    op.drop_table('recovery_code')
    with op.batch_alter_table('charter_acceptance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charter_acceptance_account_id'))

    op.drop_table('charter_acceptance')
    with op.batch_alter_table('care_team_membership', schema=None) as batch_op:
        batch_op.drop_index('ix_care_team_professional_patient')
        batch_op.drop_index('ix_care_team_patient')

    op.drop_table('care_team_membership')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_role'))
        batch_op.drop_index(batch_op.f('ix_account_public_id'))

    op.drop_table('account')
    with op.batch_alter_table('professional_organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_professional_organisation_organisation_id'))

    op.drop_table('professional_organisation')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_search_name'))
        batch_op.drop_index(batch_op.f('ix_patient_public_id'))
        batch_op.drop_index('ix_patient_gp_search')

    op.drop_table('patient')
    with op.batch_alter_table('professional', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_professional_public_id'))

    op.drop_table('professional')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_public_id'))

    op.drop_table('organisation')
    op.drop_table('login_throttle')
    with op.batch_alter_table('charter_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_charter_version_published_at'))

    op.drop_table('charter_version')
    op.drop_table('audit_head')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_patient_at')
        batch_op.drop_index('ix_audit_at')
        batch_op.drop_index('ix_audit_action_at')
        batch_op.drop_index('ix_audit_account_at')

    op.drop_table('audit_event')


APPEND_ONLY = "audit_event is append-only"


def _protect_audit_trail() -> None:
    """UPDATE and DELETE on the audit trail are refused by the database itself."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )


def _unprotect_audit_trail() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
