"""Login with identifier + password then a second factor (TOTP or a recovery code), enrolment, throttling.

Every function returns a result instead of raising, and commits what it must keep (failure counters
and their audit events) even when the login is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, delete, select

from dcc_portal import formatting, settings
from dcc_portal.models import (
    Account,
    AccountStatus,
    AuditAction,
    AuditOutcome,
    IdentifierThrottle,
    LoginThrottle,
    RecoveryCode,
    Role,
    utcnow,
)
from dcc_portal.services.access import audit
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.identity import passwords, sessions, totp

DELAY_AFTER = 5  # consecutive failures before delays start
LOCK_AFTER = 10  # consecutive failures that lock the account
BASE_DELAY = timedelta(seconds=30)  # doubles with each further failure
LOCK_DURATION = timedelta(hours=1)
IP_WINDOW = timedelta(minutes=15)
IP_MAX_FAILURES = 50
RECOVERY_CODE_COUNT = 10
PENDING_LOGIN_TTL = timedelta(minutes=5)

GENERIC_FAILURE = "Identifiant ou mot de passe incorrect."
MSG_DISABLED = "Ce compte est désactivé. Contactez l'administrateur du réseau."
MSG_CODE_FORMAT = "Le code doit comporter 6 chiffres."
MSG_CODE_WRONG = "Code incorrect ou expiré. Vérifiez l'heure de votre téléphone et saisissez le code affiché."
MSG_CODE_REUSED = "Ce code a déjà été utilisé. Attendez le code suivant dans votre application."
MSG_RECOVERY_WRONG = "Code de secours incorrect ou déjà utilisé."
MSG_IP_LIMIT = "Trop de tentatives depuis cette connexion. Réessayez dans quelques minutes."


@dataclass(frozen=True)
class StepResult:
    ok: bool
    message: str = ""
    account_id: int | None = None
    needs_enrolment: bool = False
    field: str = ""  # which form field the message belongs to


@dataclass(frozen=True)
class Enrolment:
    qr_data_uri: str
    key_text: str


@dataclass(frozen=True)
class SecondFactorResult:
    ok: bool
    message: str = ""
    recovery_codes: list[str] = field(default_factory=list)  # shown once, after enrolment
    remaining_recovery_codes: int | None = None


def normalize_identifier(identifier: str) -> str:
    return (identifier or "").strip().lower()[:120]


def _paris_time(moment: datetime) -> str:
    return formatting.to_paris(moment).strftime("%H:%M")


# Whose failures are counted, delayed and locked: the account, or the identifier when no account holds it (same
# rule, same messages: the answers must not tell which identifiers exist).
Counted = Account | IdentifierThrottle


def _gate(db: Session, *, account: Counted | None, client_ip: str, now: datetime) -> str | None:
    """Why an attempt is refused before any check (lock, delay, IP limit), or None."""
    throttle = db.get(LoginThrottle, client_ip)
    if throttle and now - throttle.window_start < IP_WINDOW and throttle.failures >= IP_MAX_FAILURES:
        return MSG_IP_LIMIT
    if account is None:
        return None
    if account.locked_until and now < account.locked_until:
        return (
            "Compte verrouillé après trop d'essais infructueux. Réessayez après "
            f"{_paris_time(account.locked_until)} ou contactez l'administrateur."
        )
    if account.failed_count >= DELAY_AFTER and account.last_failed_at:
        wait = BASE_DELAY * (2 ** (account.failed_count - DELAY_AFTER))
        ready_at = account.last_failed_at + wait
        if now < ready_at:
            seconds = int((ready_at - now).total_seconds()) + 1
            return f"Trop de tentatives. Réessayez dans {seconds} secondes."
    return None


def _count_ip_failure(db: Session, client_ip: str, now: datetime) -> None:
    throttle = db.get(LoginThrottle, client_ip)
    if throttle is None:
        throttle = LoginThrottle(client_ip=client_ip, window_start=now, failures=0)
    elif now - throttle.window_start >= IP_WINDOW:
        throttle.window_start, throttle.failures = now, 0
    throttle.failures += 1
    db.add(throttle)


def _count_account_failure(db: Session, account: Counted, now: datetime) -> bool:
    """One more consecutive failure; True when it locks the account."""
    if account.locked_until and now >= account.locked_until:
        account.failed_count = 0  # a lock that has run out starts a new count
        account.locked_until = None
    account.failed_count += 1
    account.last_failed_at = now
    if account.failed_count >= LOCK_AFTER:
        account.locked_until = now + LOCK_DURATION
    db.add(account)
    return account.locked_until is not None


def _identifier_key(identifier: str) -> str:
    return hmac.new(settings.secret_key(), f"identifier:{identifier}".encode(), hashlib.sha256).hexdigest()


def _counted(db: Session, identifier: str) -> Counted:
    """The account holding this (normalised) identifier, or the failure count kept for the identifier."""
    account = db.exec(select(Account).where(Account.identifier == identifier)).first() if identifier else None
    if account is not None:
        return account
    key = _identifier_key(identifier)
    return db.get(IdentifierThrottle, key) or IdentifierThrottle(identifier_hash=key)


def _identifier_row(db: Session, key: str) -> IdentifierThrottle:
    """The identifier's row, created when missing and locked: two attempts at once must neither both insert it (one
    would fail, which no account's attempt does) nor lose a failure."""
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.execute(insert(IdentifierThrottle).values(identifier_hash=key, failed_count=0).on_conflict_do_nothing())
    return db.get(IdentifierThrottle, key, with_for_update=True, populate_existing=True)


def _audited_account(counted: Counted | None) -> dict:
    if isinstance(counted, Account):
        return {"account_id": counted.id, "actor_role": counted.role}
    return {"account_id": None, "actor_role": ""}


def _fail(db: Session, *, account: Counted | None, client_ip: str, now: datetime, detail: str, identifier: str = "") -> None:
    _count_ip_failure(db, client_ip, now)
    if isinstance(account, IdentifierThrottle):
        # Never the identifier itself: users sometimes type their password in that field.
        detail = f"identifiant inconnu (empreinte {hashlib.sha256(identifier.encode()).hexdigest()[:12]})"
        account = _identifier_row(db, account.identifier_hash)
    if account is not None and _count_account_failure(db, account, now):
        detail += "; compte verrouillé"
    audit.record(db, action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.DENIED, client_ip=client_ip, detail=detail,
                 **_audited_account(account))
    db.commit()


def _refuse(db: Session, *, account: Counted | None, client_ip: str, reason: str) -> None:
    audit.record(db, action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.DENIED, client_ip=client_ip, detail=reason,
                 **_audited_account(account))
    db.commit()


@dataclass(frozen=True)
class PasswordAttempt:
    """What the slow password check needs, read before it; `blocked` when the attempt is refused without one."""

    identifier: str  # normalised
    password_hash: str  # "" when no account holds the identifier: the check then burns the same time
    blocked: str = ""


def start_password_check(db: Session, *, identifier: str, client_ip: str, now: datetime | None = None) -> PasswordAttempt:
    """First factor, before the hash check: the lock, delay and address limit (a refusal is audited and committed)."""
    now = now or utcnow()
    ident = normalize_identifier(identifier)
    counted = _counted(db, ident)
    blocked = _gate(db, account=counted, client_ip=client_ip, now=now)
    if blocked:
        _refuse(db, account=counted, client_ip=client_ip, reason="tentative pendant un blocage")
    password_hash = counted.password_hash if isinstance(counted, Account) else ""
    return PasswordAttempt(identifier=ident, password_hash=password_hash, blocked=blocked or "")


def finish_password_check(db: Session, *, attempt: PasswordAttempt, verified: tuple[bool, str | None], client_ip: str,
                          now: datetime | None = None) -> StepResult:
    """First factor, after the hash check (`passwords.check`, run outside any transaction): failures counted, or
    the account passes. The gate is applied again: attempts checked side by side must not outrun the delays."""
    now = now or utcnow()
    counted = _counted(db, attempt.identifier)
    blocked = _gate(db, account=counted, client_ip=client_ip, now=now)
    if blocked:
        _refuse(db, account=counted, client_ip=client_ip, reason="tentative pendant un blocage")
        return StepResult(False, blocked)
    ok, new_hash = verified
    if not isinstance(counted, Account) or counted.password_hash != attempt.password_hash:
        ok = False  # unknown identifier, or the password was changed while this one was checked
    if not ok:
        _fail(db, account=counted, client_ip=client_ip, now=now, detail="mot de passe incorrect", identifier=attempt.identifier)
        return StepResult(False, GENERIC_FAILURE)
    account = counted
    if account.status != AccountStatus.ACTIVE:
        _refuse(db, account=account, client_ip=client_ip, reason="compte désactivé")
        return StepResult(False, MSG_DISABLED)
    if new_hash:
        account.password_hash = new_hash
        db.add(account)
    return StepResult(True, account_id=account.id, needs_enrolment=account.totp_secret_enc is None)


def check_password(
    db: Session, *, identifier: str, password: str, client_ip: str, now: datetime | None = None
) -> StepResult:
    """First factor in one transaction (the login screen runs the three steps apart, the hash check outside any
    transaction). Unknown identifier and wrong password answer alike, after the same work."""
    attempt = start_password_check(db, identifier=identifier, client_ip=client_ip, now=now)
    if attempt.blocked:
        return StepResult(False, attempt.blocked)
    verified = passwords.check(password, attempt.password_hash)
    return finish_password_check(db, attempt=attempt, verified=verified, client_ip=client_ip, now=now)


def open_login(db: Session, account: Account, *, client_ip: str, user_agent: str, now: datetime, detail: str) -> str:
    account.failed_count = 0
    account.last_failed_at = None
    account.locked_until = None
    account.last_login_at = now
    db.add(account)
    token = sessions.open_session(db, account_id=account.id, client_ip=client_ip, user_agent=user_agent, now=now)
    audit.record(
        db,
        action=AuditAction.LOGIN,
        account_id=account.id,
        actor_role=account.role,
        client_ip=client_ip,
        session_hash=sessions.token_hash(token)[:16],
        detail=detail,
    )
    return token


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    message: str = ""
    token: str = ""
    recovery_codes_left: int | None = None


def _load_for_second_step(db: Session, account_id: int, client_ip: str, now: datetime) -> tuple[Account | None, str | None]:
    account = db.get(Account, account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        return None, GENERIC_FAILURE
    blocked = _gate(db, account=account, client_ip=client_ip, now=now)
    if blocked:
        _refuse(db, account=account, client_ip=client_ip, reason="code présenté pendant un blocage")
        return None, blocked
    return account, None


def check_totp(
    db: Session, *, account_id: int, code: str, client_ip: str, user_agent: str = "", now: datetime | None = None
) -> LoginResult:
    """Second factor for an enrolled account; opens the session on success."""
    now = now or utcnow()
    account, blocked = _load_for_second_step(db, account_id, client_ip, now)
    if account is None:
        return LoginResult(False, blocked or GENERIC_FAILURE)
    if account.totp_secret_enc is None:
        return LoginResult(False, GENERIC_FAILURE)
    normalized = totp.normalize_code(code)
    if normalized is None:
        _fail(db, account=account, client_ip=client_ip, now=now, detail="code TOTP absent ou mal formé")
        return LoginResult(False, MSG_CODE_FORMAT)
    secret = totp.decrypt(account.totp_secret_enc, account_id=account.id)
    step = totp.matching_step(secret, normalized, now=_timestamp(now))
    if step is None:
        _fail(db, account=account, client_ip=client_ip, now=now, detail="code TOTP incorrect")
        return LoginResult(False, MSG_CODE_WRONG)
    if account.totp_last_step is not None and step <= account.totp_last_step:
        _fail(db, account=account, client_ip=client_ip, now=now, detail="code TOTP rejoué")
        return LoginResult(False, MSG_CODE_REUSED)
    account.totp_last_step = step
    token = open_login(db, account, client_ip=client_ip, user_agent=user_agent, now=now, detail="mot de passe + TOTP")
    return LoginResult(True, token=token)


def _timestamp(moment: datetime) -> float:
    return moment.timestamp()


def _code_hash(code: str) -> str:
    normalized = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(settings.secret_key(), f"recovery:{normalized}".encode(), hashlib.sha256).hexdigest()


def _new_recovery_codes(db: Session, account_id: int, now: datetime) -> list[str]:
    db.exec(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(RecoveryCode(account_id=account_id, code_hash=_code_hash(raw), created_at=now))
    return codes


def check_recovery_code(
    db: Session, *, account_id: int, code: str, client_ip: str, user_agent: str = "", now: datetime | None = None
) -> LoginResult:
    """Second factor with a single-use recovery code; the user is told how many remain."""
    now = now or utcnow()
    account, blocked = _load_for_second_step(db, account_id, client_ip, now)
    if account is None:
        return LoginResult(False, blocked or GENERIC_FAILURE)
    cleaned = (code or "").strip()
    row = None
    if 0 < len(cleaned) <= 20 and cleaned.isascii():
        row = db.exec(
            select(RecoveryCode).where(
                RecoveryCode.account_id == account.id,
                RecoveryCode.code_hash == _code_hash(cleaned),
                RecoveryCode.used_at.is_(None),
            )
        ).first()
    if row is None:
        _fail(db, account=account, client_ip=client_ip, now=now, detail="code de secours incorrect ou déjà utilisé")
        return LoginResult(False, MSG_RECOVERY_WRONG)
    row.used_at = now
    db.add(row)
    db.flush()
    remaining = len(
        db.exec(select(RecoveryCode.id).where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))).all()
    )
    token = open_login(db, account, client_ip=client_ip, user_agent=user_agent, now=now, detail="mot de passe + code de secours")
    audit.record(
        db,
        action=AuditAction.RECOVERY_CODE_USED,
        account_id=account.id,
        actor_role=account.role,
        client_ip=client_ip,
        session_hash=sessions.token_hash(token)[:16],
        detail=f"codes restants : {remaining}",
    )
    return LoginResult(True, token=token, recovery_codes_left=remaining)


def start_enrolment(db: Session, *, account_id: int) -> Enrolment:
    """A new seed for an account without an active second factor, kept encrypted until confirmed."""
    account = db.get(Account, account_id)
    if account is None or account.totp_secret_enc is not None:
        raise PermissionError("enrolment is only for accounts without an active second factor")
    secret = totp.new_secret()
    account.totp_pending_enc = totp.encrypt(secret, account_id=account.id)
    db.add(account)
    uri = totp.provisioning_uri(secret, identifier=account.identifier)
    return Enrolment(qr_data_uri=totp.qr_svg_data_uri(uri), key_text=totp.grouped_key(secret))


def confirm_enrolment(
    db: Session, *, account_id: int, code: str, client_ip: str, user_agent: str = "", now: datetime | None = None
) -> tuple[LoginResult, list[str]]:
    """First code from the app activates the seed, opens the session and returns 10 recovery codes (shown once)."""
    now = now or utcnow()
    account, blocked = _load_for_second_step(db, account_id, client_ip, now)
    if account is None:
        return LoginResult(False, blocked or GENERIC_FAILURE), []
    if account.totp_pending_enc is None or account.totp_secret_enc is not None:
        return LoginResult(False, "L'enrôlement a expiré. Recommencez la connexion."), []
    normalized = totp.normalize_code(code)
    if normalized is None:
        _fail(db, account=account, client_ip=client_ip, now=now, detail="code d'enrôlement mal formé")
        return LoginResult(False, MSG_CODE_FORMAT), []
    secret = totp.decrypt(account.totp_pending_enc, account_id=account.id)
    step = totp.matching_step(secret, normalized, now=_timestamp(now))
    if step is None:
        _fail(db, account=account, client_ip=client_ip, now=now, detail="code d'enrôlement incorrect")
        return LoginResult(False, MSG_CODE_WRONG), []
    account.totp_secret_enc = account.totp_pending_enc
    account.totp_pending_enc = None
    account.totp_enrolled_at = now
    account.totp_last_step = step
    codes = _new_recovery_codes(db, account.id, now)
    audit.record(db, action=AuditAction.MFA_ENROL, account_id=account.id, actor_role=account.role, client_ip=client_ip)
    token = open_login(db, account, client_ip=client_ip, user_agent=user_agent, now=now, detail="enrôlement TOTP")
    return LoginResult(True, token=token), codes


@dataclass(frozen=True)
class CurrentPassword:
    """The current password of a sensitive change, checked before its transaction (`passwords.check_off_loop`)
    against the hash read by `stored_password_hash`."""

    checked_hash: str
    matches: bool


def stored_password_hash(db: Session, *, actor: Actor) -> str:
    account = db.get(Account, actor.account_id)
    return account.password_hash if account is not None else ""


def _reauthenticate(db: Session, account: Account, actor: Actor, *, current: CurrentPassword, code: str, now: datetime,
                    what: str) -> dict[str, str]:
    """Sensitive changes need the current password and a current code, under the same lock and delays as a login.

    Failures are counted and audited (and committed); the returned field errors are empty on success.
    """
    blocked = _gate(db, account=account, client_ip=actor.client_ip, now=now)
    if blocked:
        audit.record(db, actor=actor, action=what, outcome=AuditOutcome.DENIED, detail="réauthentification pendant un blocage")
        db.commit()
        return {"current_password": blocked}
    errors: dict[str, str] = {}
    if not (current.matches and current.checked_hash == account.password_hash):  # changed while it was checked
        errors["current_password"] = "Mot de passe actuel incorrect."
    normalized = totp.normalize_code(code)
    if normalized is None:
        errors["code"] = MSG_CODE_FORMAT
    elif account.totp_secret_enc is None:
        errors["code"] = MSG_CODE_WRONG  # no active second factor: nothing can confirm the change
    else:
        secret = totp.decrypt(account.totp_secret_enc, account_id=account.id)
        step = totp.matching_step(secret, normalized, now=_timestamp(now))
        if step is None:
            errors["code"] = MSG_CODE_WRONG
        elif account.totp_last_step is not None and step <= account.totp_last_step:
            errors["code"] = MSG_CODE_REUSED
        else:
            account.totp_last_step = step
    if errors:
        _count_account_failure(db, account, now)
        audit.record(db, actor=actor, action=what, outcome=AuditOutcome.DENIED, detail="réauthentification échouée")
        db.commit()
    return errors


def confirm_signature(db: Session, *, actor: Actor, code: str, what: str, now: datetime | None = None) -> str:
    """A signature is an authenticated act: the signer types a current TOTP code again.

    Same lock, delays and single use as a login (a replayed or wrong code counts as a failure and is audited).
    Returns "" when confirmed, otherwise the French message to show next to the code field.
    """
    now = now or utcnow()
    account = db.get(Account, actor.account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        return GENERIC_FAILURE
    blocked = _gate(db, account=account, client_ip=actor.client_ip, now=now)
    if blocked:
        audit.record(db, actor=actor, action=what, outcome=AuditOutcome.DENIED, detail="signature pendant un blocage")
        db.commit()
        return blocked
    normalized = totp.normalize_code(code)
    message = ""
    if normalized is None:
        message = MSG_CODE_FORMAT
    elif account.totp_secret_enc is None:
        message = MSG_CODE_WRONG
    else:
        step = totp.matching_step(totp.decrypt(account.totp_secret_enc, account_id=account.id), normalized,
                                  now=_timestamp(now))
        if step is None:
            message = MSG_CODE_WRONG
        elif account.totp_last_step is not None and step <= account.totp_last_step:
            message = MSG_CODE_REUSED
        else:
            account.totp_last_step = step
            db.add(account)
    if message:
        _count_account_failure(db, account, now)
        audit.record(db, actor=actor, action=what, outcome=AuditOutcome.DENIED, detail="signature : code refusé")
        db.commit()
    return message


def new_password_errors(db: Session, *, actor: Actor, new_password: str, confirm: str) -> dict[str, str]:
    """The new password's field errors, checked before it is hashed."""
    account = db.get(Account, actor.account_id)
    policy = passwords.policy_error(new_password, identifier=account.identifier)
    if policy:
        return {"new_password": policy}
    if new_password != confirm:
        return {"confirm": "Les deux saisies du nouveau mot de passe diffèrent."}
    return {}


def change_password(
    db: Session, *, actor: Actor, current: CurrentPassword, code: str, new_password_hash: str, now: datetime | None = None
) -> dict[str, str]:
    """After `new_password_errors` and the hashing, both outside any transaction. Returns field errors (empty when
    done). Other sessions are ended."""
    now = now or utcnow()
    account = db.get(Account, actor.account_id)
    auth_errors = _reauthenticate(db, account, actor, current=current, code=code, now=now, what=AuditAction.PASSWORD_CHANGE)
    if auth_errors:
        return auth_errors
    account.password_hash = new_password_hash
    account.password_changed_at = now
    db.add(account)
    sessions.revoke_all(db, account_id=account.id, reason="password_change", keep_session_id=actor.session_id, now=now)
    audit.record(db, actor=actor, action=AuditAction.PASSWORD_CHANGE)
    return {}


def regenerate_recovery_codes(
    db: Session, *, actor: Actor, current: CurrentPassword, code: str, now: datetime | None = None
) -> tuple[dict[str, str], list[str]]:
    """New set of 10 codes; the old set stops working."""
    now = now or utcnow()
    account = db.get(Account, actor.account_id)
    errors = _reauthenticate(
        db, account, actor, current=current, code=code, now=now, what=AuditAction.RECOVERY_CODES_REGENERATED
    )
    if errors:
        return errors, []
    codes = _new_recovery_codes(db, account.id, now)
    audit.record(db, actor=actor, action=AuditAction.RECOVERY_CODES_REGENERATED)
    return {}, codes


def remaining_recovery_codes(db: Session, *, actor: Actor) -> int:
    return len(
        db.exec(
            select(RecoveryCode.id).where(RecoveryCode.account_id == actor.account_id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def reset_second_factor(db: Session, *, account: Account, now: datetime) -> None:
    """Forget the seed and recovery codes and end sessions: the next login enrols again."""
    account.totp_secret_enc = None
    account.totp_pending_enc = None
    account.totp_enrolled_at = None
    account.totp_last_step = None
    db.add(account)
    db.exec(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    sessions.revoke_all(db, account_id=account.id, reason="mfa_reset", now=now)


def is_role(value: str) -> bool:
    return value in {role.value for role in Role}
