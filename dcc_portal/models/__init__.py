"""All tables. Importing this package registers every table on SQLModel.metadata."""

from dcc_portal.models.accounts import (
    Account,
    CharterAcceptance,
    CharterVersion,
    DownloadTicket,
    LoginThrottle,
    RecoveryCode,
    UserSession,
)
from dcc_portal.models.audit import AuditEvent, AuditHead
from dcc_portal.models.base import new_public_id, utcnow
from dcc_portal.models.directory import Organisation, Professional, ProfessionalOrganisation
from dcc_portal.models.documents import Document, DocumentVersion
from dcc_portal.models.enums import (
    OPEN_SUBMISSION_STATUSES,
    AccountStatus,
    AuditAction,
    AuditOutcome,
    CareStage,
    DocumentKind,
    DocumentStatus,
    Grant,
    NotificationKind,
    OrganisationKind,
    PathwayEventKind,
    ReleaseMode,
    Role,
    Sex,
    SubmissionStatus,
    TeamRole,
)
from dcc_portal.models.notifications import Notification
from dcc_portal.models.pathway import CancerDiagnosis, PathwayEvent
from dcc_portal.models.patients import CareTeamMembership, Patient
from dcc_portal.models.sharing import SharingAttempt, SharingSubmission

__all__ = [
    "OPEN_SUBMISSION_STATUSES",
    "Account",
    "AccountStatus",
    "AuditAction",
    "AuditEvent",
    "AuditHead",
    "AuditOutcome",
    "CancerDiagnosis",
    "CareStage",
    "CareTeamMembership",
    "CharterAcceptance",
    "CharterVersion",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "DocumentVersion",
    "DownloadTicket",
    "Grant",
    "LoginThrottle",
    "Notification",
    "NotificationKind",
    "Organisation",
    "OrganisationKind",
    "PathwayEvent",
    "PathwayEventKind",
    "Patient",
    "Professional",
    "ProfessionalOrganisation",
    "RecoveryCode",
    "ReleaseMode",
    "Role",
    "Sex",
    "SharingAttempt",
    "SharingSubmission",
    "SubmissionStatus",
    "TeamRole",
    "UserSession",
    "new_public_id",
    "utcnow",
]
