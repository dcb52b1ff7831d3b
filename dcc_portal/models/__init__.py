"""All tables. Importing this package registers every table on SQLModel.metadata."""

from dcc_portal.models.access_control import EmergencyAccess, PatientOpposition
from dcc_portal.models.accounts import (
    Account,
    CharterAcceptance,
    CharterVersion,
    DownloadTicket,
    IdentifierThrottle,
    LoginThrottle,
    RecoveryCode,
    UserSession,
)
from dcc_portal.models.announcement import AnnouncementStep, AnnouncementStepVersion, FormSubmission
from dcc_portal.models.audit import AuditEvent, AuditHead
from dcc_portal.models.base import new_public_id, utcnow
from dcc_portal.models.directory import Organisation, Professional, ProfessionalOrganisation
from dcc_portal.models.documents import Document, DocumentVersion
from dcc_portal.models.gp import DocumentRead, PatientVisit
from dcc_portal.models.hl7 import Hl7Message, PatientLocalId
from dcc_portal.models.mail import MailMessage
from dcc_portal.models.mssante import MssAddress, MssMessage
from dcc_portal.models.enums import (
    OPEN_MAIL_STATUSES,
    OPEN_SUBMISSION_STATUSES,
    AccountStatus,
    AnnouncementTemps,
    AuditAction,
    AuditOutcome,
    CareStage,
    DocumentKind,
    DocumentStatus,
    GpConsent,
    Grant,
    MailStatus,
    NotificationKind,
    OrganisationKind,
    PathwayEventKind,
    RcpCaseReason,
    RcpCaseStatus,
    RcpKind,
    RcpSessionStatus,
    ReleaseMode,
    Role,
    Sex,
    SubmissionKind,
    SubmissionStatus,
    TeamRole,
)
from dcc_portal.models.notifications import Notification
from dcc_portal.models.pathway import CancerDiagnosis, PathwayEvent
from dcc_portal.models.patients import CareTeamMembership, Patient
from dcc_portal.models.rcp import Rcp, RcpAttendance, RcpCase, RcpMember, RcpSecretariat, RcpSession
from dcc_portal.models.pps import PpsAcknowledgement, PpsGpConsent, PpsHandover
from dcc_portal.models.sharing import SharingAttempt, SharingSubmission
from dcc_portal.models.symptoms import SymptomAlert, SymptomAnswer, SymptomPause, SymptomReport

__all__ = [
    "OPEN_MAIL_STATUSES",
    "OPEN_SUBMISSION_STATUSES",
    "Account",
    "AccountStatus",
    "AnnouncementStep",
    "AnnouncementStepVersion",
    "AnnouncementTemps",
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
    "DocumentRead",
    "DocumentStatus",
    "DocumentVersion",
    "DownloadTicket",
    "GpConsent",
    "FormSubmission",
    "EmergencyAccess",
    "Grant",
    "Hl7Message",
    "IdentifierThrottle",
    "LoginThrottle",
    "MailMessage",
    "MssAddress",
    "MssMessage",
    "MailStatus",
    "Notification",
    "NotificationKind",
    "Organisation",
    "OrganisationKind",
    "PathwayEvent",
    "PathwayEventKind",
    "Patient",
    "PatientLocalId",
    "PatientVisit",
    "PpsAcknowledgement",
    "PpsGpConsent",
    "PpsHandover",
    "PatientOpposition",
    "Professional",
    "ProfessionalOrganisation",
    "Rcp",
    "RcpAttendance",
    "RcpCase",
    "RcpCaseReason",
    "RcpCaseStatus",
    "RcpKind",
    "RcpMember",
    "RcpSecretariat",
    "RcpSession",
    "RcpSessionStatus",
    "RecoveryCode",
    "ReleaseMode",
    "Role",
    "Sex",
    "SharingAttempt",
    "SharingSubmission",
    "SubmissionKind",
    "SubmissionStatus",
    "SymptomAlert",
    "SymptomAnswer",
    "SymptomPause",
    "SymptomReport",
    "TeamRole",
    "UserSession",
    "new_public_id",
    "utcnow",
]
