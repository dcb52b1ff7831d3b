"""All tables. Importing this package registers every table on SQLModel.metadata."""

from dcc_portal.models.accounts import (
    Account,
    CharterAcceptance,
    CharterVersion,
    LoginThrottle,
    RecoveryCode,
    UserSession,
)
from dcc_portal.models.audit import AuditEvent, AuditHead
from dcc_portal.models.base import new_public_id, utcnow
from dcc_portal.models.directory import Organisation, Professional, ProfessionalOrganisation
from dcc_portal.models.enums import (
    AccountStatus,
    AuditAction,
    AuditOutcome,
    CareStage,
    Grant,
    OrganisationKind,
    Role,
    Sex,
    TeamRole,
)
from dcc_portal.models.patients import CareTeamMembership, Patient

__all__ = [
    "Account",
    "AccountStatus",
    "AuditAction",
    "AuditEvent",
    "AuditHead",
    "AuditOutcome",
    "CareStage",
    "CareTeamMembership",
    "CharterAcceptance",
    "CharterVersion",
    "Grant",
    "LoginThrottle",
    "Organisation",
    "OrganisationKind",
    "Patient",
    "Professional",
    "ProfessionalOrganisation",
    "RecoveryCode",
    "Role",
    "Sex",
    "TeamRole",
    "UserSession",
    "new_public_id",
    "utcnow",
]
