"""indexes of the network indicators: new patients by diagnosis date, first pathway step of a kind, notifications
of a document

Revision ID: e5b9d2c4a810
Revises: 5e2b8c41d9a7
Create Date: 2026-12-04 11:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'e5b9d2c4a810'
down_revision: str | Sequence[str] | None = '5e2b8c41d9a7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("cancer_diagnosis", "ix_cancer_diagnosis_phase_date", ["clinical_phase", "diagnosis_date", "patient_id", "icd10_code"]),
    ("cancer_diagnosis", "ix_cancer_diagnosis_patient_phase", ["patient_id", "clinical_phase", "diagnosis_date"]),
    ("pathway_event", "ix_pathway_event_patient_kind_when", ["patient_id", "kind", "occurred_on"]),
    ("notification", "ix_notification_document", ["document_id", "account_id"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
