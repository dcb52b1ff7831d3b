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
    ADMIN = "admin"


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
