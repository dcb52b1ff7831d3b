"""Enumerations stored as plain strings (portable across SQLite and PostgreSQL)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PATIENT = "patient"
    GP = "gp"
    CLINICIAN = "clinician"
    NURSE = "nurse"
    RCP_SECRETARY = "rcp_secretary"
    ADMIN = "admin"

    @property
    def is_professional(self) -> bool:
        return self in PROFESSIONAL_ROLES

    @property
    def is_care_professional(self) -> bool:
        """Roles that may hold clinical access through a care team."""
        return self in (Role.GP, Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY)


PROFESSIONAL_ROLES = frozenset({Role.GP, Role.CLINICIAN, Role.NURSE, Role.RCP_SECRETARY, Role.ADMIN})


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class OrganisationKind(StrEnum):
    NETWORK = "network"  # DSRC, the regional cancer network
    UNIVERSITY_HOSPITAL = "chu"
    CANCER_CENTRE = "clcc"
    GENERAL_HOSPITAL = "ch"
    PRIVATE_CLINIC = "clinic"
    GP_PRACTICE = "gp_practice"


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "U"


class CareStage(StrEnum):
    """Where the patient stands in the cancer pathway (shown in worklists)."""

    SUSPICION = "suspicion"
    DIAGNOSIS = "diagnosis"
    RCP = "rcp"
    ANNOUNCEMENT = "announcement"
    TREATMENT = "treatment"
    FOLLOW_UP = "follow_up"


class TeamRole(StrEnum):
    REFERENT_PHYSICIAN = "referent_physician"
    ONCOLOGIST = "oncologist"
    SURGEON = "surgeon"
    RADIOTHERAPIST = "radiotherapist"
    ORGAN_SPECIALIST = "organ_specialist"
    PATHOLOGIST = "pathologist"
    RADIOLOGIST = "radiologist"
    NURSE = "nurse"
    RCP_SECRETARY = "rcp_secretary"
    GP = "gp"
    OTHER = "other"


class AuditAction(StrEnum):
    CREATE = "create"
    READ = "read"
    UPDATE = "update"
    DELETE = "delete"
    PRINT = "print"
    EXPORT = "export"
    SEARCH = "search"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    MFA_ENROL = "mfa_enrol"
    MFA_RESET = "mfa_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
    PASSWORD_CHANGE = "password_change"
    SESSION_END = "session_end"
    CHARTER_ACCEPT = "charter_accept"
    ACCOUNT_CREATE = "account_create"
    ACCOUNT_DISABLE = "account_disable"
    ACCOUNT_ENABLE = "account_enable"
    ACCOUNT_UNLOCK = "account_unlock"
    AREA_ACCESS = "area_access"
    EMERGENCY_ACCESS = "emergency_access"  # bris de glace: opened outside the care team, reason in justification
    ADMIN = "admin"
    ACKNOWLEDGE = "acknowledge"
    SHARE_RESEND = "share_resend"
    SHARE_CANCEL = "share_cancel"
    DMP_OPPOSITION = "dmp_opposition"
    HL7_RECEIVE = "hl7_receive"  # a message of the HL7 v2 feed: filed, queued or refused (sender and control id in detail)
    MSS_SEND = "mss_send"  # a document addressed by MSSanté (recipient and version in detail)
    IDENTITY_VIGILANCE = "identity_vigilance"  # the referent attaches, creates or rejects a queued message


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    ERROR = "error"


class Grant(StrEnum):
    """Why access to a patient was allowed (recorded with every audited access)."""

    SELF = "self"
    CARE_TEAM = "care_team"
    MEDECIN_TRAITANT = "medecin_traitant"
    RCP = "rcp"
    EMERGENCY = "emergency"
    ADMIN = "admin"


class DocumentKind(StrEnum):
    FRCP = "frcp"
    PPS = "pps"
    CR_ACP = "cr_acp"
    CRO = "cro"
    IMAGING = "imaging"
    BIOLOGY = "biology"
    CR_GM = "cr_gm"
    CONSULTATION = "consultation"
    LETTER = "letter"
    TREATMENT_SUMMARY = "treatment_summary"
    ANNOUNCEMENT_SUMMARY = "announcement_summary"
    OTHER = "other"


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    VALIDATED = "validated"
    ENTERED_IN_ERROR = "entered_in_error"


class SubmissionStatus(StrEnum):
    """A document-sharing submission (DMP feeding)."""

    PENDING = "pending"  # queued, not tried yet
    SENDING = "sending"  # claimed by a worker: sent, answer awaited
    RETRYING = "retrying"  # a transient failure; next attempt at next_attempt_at
    ACKNOWLEDGED = "acknowledged"  # the recipient registered it
    REJECTED = "rejected"  # refused (4xx or a check before sending); a person must act
    CANCELLED = "cancelled"  # by a person, by the patient's opposition, or the document was withdrawn
    SUPERSEDED = "superseded"  # a newer version was validated before this one was ever sent


class SubmissionKind(StrEnum):
    """What a document-sharing submission asks of the recipient."""

    INITIAL = "initial"  # register a document
    REPLACEMENT = "replacement"  # register a new version that replaces the registered one (relatesTo replaces / RPLC)
    UPDATE = "update"  # metadata update of the registered version (its visibility changed)
    WITHDRAWAL = "withdrawal"  # metadata update that deprecates the registered version (entered in error)


OPEN_SUBMISSION_STATUSES = frozenset({SubmissionStatus.PENDING, SubmissionStatus.SENDING, SubmissionStatus.RETRYING})


class ReleaseMode(StrEnum):
    AUTO = "auto"  # released to the patient when the medical announcement is recorded
    RELEASED = "released"  # released early by the team (reason audited)
    HELD = "held"  # held back by the team (reason audited)


class GpConsent(StrEnum):
    """The patient's answer about sharing a document (the PPS) with their médecin traitant."""

    AGREED = "agreed"
    REFUSED = "refused"


class NotificationKind(StrEnum):
    DOCUMENT_SHARED = "document_shared"
    ANNOUNCEMENT_RECORDED = "announcement_recorded"
    RCP_DECISION = "rcp_decision"
    PPS_UPDATED = "pps_updated"
    EMERGENCY_ACCESS = "emergency_access"
    PATHWAY_STEP = "pathway_step"  # treatment started, treatment ended, follow-up
    SYMPTOM_ALERT = "symptom_alert"  # an immediate alert left unacknowledged
    SYMPTOM_CHECKIN = "symptom_checkin"  # the weekly symptom questionnaire is waiting (patients)


class MailStatus(StrEnum):
    """An e-mail of the outbox."""

    PENDING = "pending"  # queued, not tried yet
    SENDING = "sending"  # claimed by a worker (lease)
    RETRYING = "retrying"  # a transient failure (server down, 4xx); next attempt at next_attempt_at
    SENT = "sent"  # accepted by the SMTP server
    FAILED = "failed"  # refused for good (5xx): the address must be fixed


OPEN_MAIL_STATUSES = frozenset({MailStatus.PENDING, MailStatus.SENDING, MailStatus.RETRYING})


class AnnouncementTemps(StrEnum):
    """The temps of the dispositif d'annonce (INCa): the medical time split in two, as in the 2019 reference."""

    MEDICAL_DIAGNOSIS = "medical_diagnosis"
    MEDICAL_TREATMENT = "medical_treatment"
    NURSING = "nursing"
    SUPPORTIVE_CARE = "supportive_care"
    GP_LIAISON = "gp_liaison"


class PathwayEventKind(StrEnum):
    SUSPICION = "suspicion"
    DIAGNOSIS = "diagnosis"
    REPORT = "report"
    ANNOUNCEMENT_MEDICAL = "announcement_medical"
    ANNOUNCEMENT_NURSING = "announcement_nursing"
    SUPPORTIVE_CARE = "supportive_care"
    GP_LIAISON = "gp_liaison"
    RCP_REGISTERED = "rcp_registered"
    RCP_DECISION = "rcp_decision"
    PPS = "pps"
    TREATMENT_START = "treatment_start"
    TREATMENT_END = "treatment_end"
    FOLLOW_UP = "follow_up"
    SYMPTOM_ALERT = "symptom_alert"  # what a check-in raised and what the team did, without the answers


class RcpKind(StrEnum):
    ORGAN = "organ"  # RCP appareil / organe
    TRANSVERSAL = "transversal"  # oncogeriatrics, supportive care, oncogenetics, rare tumours...


class RcpSessionStatus(StrEnum):
    PLANNED = "planned"  # being prepared by the secretariat
    PUBLISHED = "published"  # agenda published: members see it, clinicians register cases
    OPEN = "open"  # the board is sitting
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RcpCaseReason(StrEnum):
    DIAGNOSTIC_OPINION = "diagnostic_opinion"  # avis diagnostique
    TREATMENT_PROPOSAL = "treatment_proposal"  # proposition de traitement (dont surveillance, ajustement)
    RECOURS = "recours"


class RcpCaseStatus(StrEnum):
    REGISTERED = "registered"  # inscrit, not yet handled
    RECORDED = "recorded"  # cas enregistré: standard case, recorded without discussion
    DISCUSSED = "discussed"  # cas discuté
    WITHDRAWN = "withdrawn"
