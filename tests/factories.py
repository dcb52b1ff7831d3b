"""Small builders for unit tests."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pyotp
from sqlmodel import Session

from dcc_portal.models import (
    Account,
    CareTeamMembership,
    Organisation,
    Patient,
    Professional,
    ProfessionalOrganisation,
    Role,
    utcnow,
)
from dcc_portal.services.access import charter
from dcc_portal.services.common import identifiers
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.identity import auth, passwords, sessions, totp

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_HASH: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    if password not in _HASH:
        _HASH[password] = passwords.hash_password(password)
    return _HASH[password]


def organisation(db: Session, name: str = "CHU Test") -> Organisation:
    org = Organisation(name=name, kind="chu", city="Test")
    db.add(org)
    db.flush()
    return org


def professional(db: Session, *, specialty: str = "G15_10/SM36", org: Organisation | None = None, family: str = "") -> Professional:
    n = next(_counter)
    pro = Professional(
        rpps=identifiers.with_rpps_check_digit(f"8888{n:06d}"),
        family_name=family or f"Pro{n}",
        given_name="Test",
        specialty_code=specialty,
    )
    db.add(pro)
    db.flush()
    if org is not None:
        db.add(ProfessionalOrganisation(professional_id=pro.id, organisation_id=org.id))
    return pro


def patient(db: Session, *, gp: Professional | None = None, family: str = "") -> Patient:
    n = next(_counter)
    first13 = f"2{60 + n % 30:02d}0144{n % 1000:03d}{n % 1000:03d}"
    family = family or f"PATIENT{n}"
    row = Patient(
        ins=identifiers.with_ins_key(first13),
        ins_oid=identifiers.INS_OID_TEST,
        local_id=f"T-{n:06d}",
        birth_family_name=family,
        first_names="Marie Claire",
        sex="F",
        birth_date=date(1960, 1, 1 + n % 28),
        gp_professional_id=gp.id if gp else None,
        search_name=identifiers.search_key(f"{family} Marie Claire"),
    )
    db.add(row)
    db.flush()
    return row


def account(db: Session, *, role: Role, professional: Professional | None = None, patient: Patient | None = None,
            identifier: str = "", enrolled: bool = True, password: str = PASSWORD) -> tuple[Account, str | None]:
    """Returns the account and its TOTP secret (None when not enrolled)."""
    n = next(_counter)
    row = Account(
        identifier=identifier or f"user{n}",
        role=role,
        professional_id=professional.id if professional else None,
        patient_id=patient.id if patient else None,
        password_hash=password_hash(password),
    )
    db.add(row)
    db.flush()
    secret = None
    if enrolled:
        secret = totp.new_secret()
        row.totp_secret_enc = totp.encrypt(secret, account_id=row.id)
        row.totp_enrolled_at = utcnow()
        db.add(row)
        db.flush()
    return row, secret


def member(db: Session, *, patient: Patient, pro: Professional, start: date | None = None, end: date | None = None,
           team_role: str = "oncologist") -> CareTeamMembership:
    row = CareTeamMembership(patient_id=patient.id, professional_id=pro.id, team_role=team_role,
                             start_date=start or date(2020, 1, 1), end_date=end)
    db.add(row)
    db.flush()
    return row


def publish_charter(db: Session, version: str = "1.0"):
    return charter.publish(db, version=version, title="Charte", body="Texte.\n\nDeuxième paragraphe.")


def actor_for(db: Session, account: Account, *, accept_charter: bool = True) -> Actor:
    """A real session for the account (as after a login), charter accepted when there is one."""
    token = sessions.open_session(db, account_id=account.id, client_ip="127.0.0.1")
    db.flush()
    actor = sessions.resolve(db, token=token)
    if accept_charter:
        current = charter.current(db)
        if current is not None:
            charter.accept(db, actor=actor, version_id=current.id)
            db.flush()
    return actor


def code(secret: str, *, offset_steps: int = 0) -> str:
    return totp.code_at(secret, totp.current_step() + offset_steps)


def login(db: Session, identifier: str, secret: str, *, password: str = PASSWORD, ip: str = "10.0.0.1") -> auth.LoginResult:
    step = auth.check_password(db, identifier=identifier, password=password, client_ip=ip)
    assert step.ok, step.message
    return auth.check_totp(db, account_id=step.account_id, code=pyotp.TOTP(secret).now(), client_ip=ip)


# --- Deterministic time and second-factor helpers (unit tests pass `now=` explicitly) ---

T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)  # a Tuesday, 09:00 in Paris


def code_for(secret: str, when: datetime, *, offset_steps: int = 0) -> str:
    """The TOTP code an authenticator app shows at `when` (shifted by whole 30 s steps)."""
    return totp.code_at(secret, totp.current_step(when.timestamp()) + offset_steps)


def enrol(db: Session, account: Account, *, when: datetime = T0, ip: str = "10.0.0.1") -> tuple[str, list[str], str]:
    """Enrol like a user does (manual key entry, then a first code). Returns (secret, recovery codes, session token)."""
    enrolment = auth.start_enrolment(db, account_id=account.id)
    secret = enrolment.key_text.replace(" ", "")
    result, codes = auth.confirm_enrolment(db, account_id=account.id, code=code_for(secret, when), client_ip=ip, now=when)
    assert result.ok, result.message
    db.flush()
    return secret, codes, result.token
