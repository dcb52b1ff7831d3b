"""Login through Pro Santé Connect (PSC), the national OpenID Connect federation of health professionals (e-CPS app
or CPS card): authorization code with PKCE, `state` and `nonce`, acr `eidas1`; the id_token and the signed userinfo
are checked with Authlib against the keys of the provider's discovery document. PSC proves who the professional is
(SubjectNameID: "8" + RPPS); the portal's directory says what they may see: the account holding that RPPS is opened,
with the same session as a password + TOTP login."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlencode

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from sqlmodel import Session, select

from dcc_portal import settings
from dcc_portal.models import Account, AccountStatus, AuditAction, AuditOutcome, Professional, Role, utcnow
from dcc_portal.services.access import audit
from dcc_portal.services.common import identifiers
from dcc_portal.services.identity import auth

SCOPES = "openid scope_all"
REQUIRED_ACR = "eidas1"
PENDING_TTL = 600  # seconds between leaving for PSC and coming back
LEEWAY = 60  # seconds of clock difference accepted on exp/iat
HTTP_TIMEOUT = 10
SIGNING_ALGORITHMS = ["RS256", "PS256", "ES256"]


@dataclass(frozen=True)
class Config:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    post_logout_uri: str


def config() -> Config | None:
    """PSC as configured, or None when it is turned off."""
    if not (settings.psc_issuer() and settings.psc_client_id()):
        return None
    return Config(settings.psc_issuer(), settings.psc_client_id(), settings.psc_client_secret(),
                  settings.psc_redirect_url(), settings.psc_post_logout_url())


class Refused(Exception):
    """A PSC login that does not open a session. `reason` names the French message shown on the login page
    (texts.PSC_REFUSED); `detail` goes to the audit trail."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class PendingLogin:
    """What the browser carries to PSC and back (sealed in an HttpOnly cookie, never in a page)."""

    state: str
    nonce: str
    code_verifier: str
    started: float


@dataclass(frozen=True)
class Identity:
    idnps: str
    rpps: str
    given_name: str
    family_name: str
    profession_code: str
    specialty_code: str
    acr: str


def _seal_key() -> bytes:
    return hmac.new(settings.secret_key(), b"psc-pending-login", hashlib.sha256).digest()


def seal(pending: PendingLogin) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_seal_key()).encrypt(nonce, json.dumps(asdict(pending)).encode(), b"psc")
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(value: str, *, now: float | None = None) -> PendingLogin | None:
    """The pending login, or None when the cookie is missing, altered or too old."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        pending = PendingLogin(**json.loads(AESGCM(_seal_key()).decrypt(raw[:12], raw[12:], b"psc")))
    except Exception:  # noqa: BLE001  any tampering or garbage reads as no pending login
        return None
    if (now or time.time()) - pending.started > PENDING_TTL:
        return None
    return pending


def _client(cfg: Config) -> OAuth2Client:
    return OAuth2Client(client_id=cfg.client_id, client_secret=cfg.client_secret, scope=SCOPES,
                        redirect_uri=cfg.redirect_uri, code_challenge_method="S256", timeout=HTTP_TIMEOUT)


def metadata(cfg: Config) -> dict:
    """The discovery document; the provider unreachable or answering nonsense is `Refused("unavailable")`."""
    try:
        response = httpx.get(f"{cfg.issuer}/.well-known/openid-configuration", timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise Refused("unavailable", f"Pro Santé Connect injoignable : {type(error).__name__}") from error
    if document.get("issuer") != cfg.issuer:
        raise Refused("unavailable", "document de découverte d'un autre émetteur")
    return document


def key_set(document: dict) -> KeySet:
    try:
        response = httpx.get(document["jwks_uri"], timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        return KeySet.import_key_set(response.json())
    except (httpx.HTTPError, ValueError, KeyError) as error:
        raise Refused("unavailable", f"clés de Pro Santé Connect illisibles : {type(error).__name__}") from error


def begin(cfg: Config) -> tuple[str, PendingLogin]:
    """The authorization URL to send the browser to, and what must come back with it."""
    document = metadata(cfg)
    pending = PendingLogin(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32),
                           code_verifier=secrets.token_urlsafe(64), started=time.time())
    with _client(cfg) as client:
        url, _ = client.create_authorization_url(
            document["authorization_endpoint"], state=pending.state, nonce=pending.nonce,
            code_verifier=pending.code_verifier, acr_values=REQUIRED_ACR,
        )
    return url, pending


def _decode(token: str, keys: KeySet):
    try:
        return jwt.decode(token, keys, registry=JWSRegistry(algorithms=SIGNING_ALGORITHMS))
    except (JoseError, ValueError) as error:
        raise Refused("invalid", f"signature refusée : {type(error).__name__}") from error


def check_id_token(cfg: Config, token: dict, *, keys: KeySet, nonce: str) -> dict:
    """The id_token's claims once its signature, issuer, audience, expiry, nonce, at_hash and acr are checked."""
    if not token.get("id_token"):
        raise Refused("invalid", "réponse sans id_token")
    decoded = _decode(token["id_token"], keys)
    claims = CodeIDToken(
        decoded.claims, decoded.header,
        {"iss": {"essential": True, "values": [cfg.issuer]}, "acr": {"essential": True, "values": [REQUIRED_ACR]}},
        {"nonce": nonce, "client_id": cfg.client_id, "access_token": token.get("access_token")},
    )
    try:
        claims.validate(leeway=LEEWAY)
    except Exception as error:  # noqa: BLE001  authlib's claim errors share no base class with a message we need
        raise Refused("invalid", f"id_token refusé : {error}"[:300]) from error
    return dict(claims)


def check_userinfo(cfg: Config, body: str, *, keys: KeySet, subject: str) -> dict:
    """PSC answers userinfo as a JWT signed like the id_token, for this client and the same subject."""
    decoded = _decode(body.strip(), keys)
    registry = jwt.JWTClaimsRegistry(iss={"essential": True, "value": cfg.issuer},
                                     aud={"essential": True, "value": cfg.client_id},
                                     sub={"essential": True, "value": subject})
    try:
        registry.validate(decoded.claims)
    except JoseError as error:
        raise Refused("invalid", f"userinfo refusé : {error}"[:300]) from error
    return decoded.claims


def _identity(claims: dict, acr: str) -> Identity:
    idnps = str(claims.get("SubjectNameID") or "")
    if len(idnps) != 12 or not idnps.startswith("8") or not idnps.isdigit():
        raise Refused("not_rpps", f"SubjectNameID hors RPPS : {idnps[:20]}")
    practice = (claims.get("SubjectRefPro") or {}).get("exercices") or [{}]
    return Identity(idnps=idnps, rpps=idnps[1:], given_name=str(claims.get("given_name") or ""),
                    family_name=str(claims.get("family_name") or ""),
                    profession_code=str(practice[0].get("codeProfession") or ""),
                    specialty_code=str(practice[0].get("codeSavoirFaire") or ""), acr=acr)


def complete(cfg: Config, pending: PendingLogin | None, params: dict[str, str]) -> Identity:
    """The professional PSC vouches for, from the callback's query (code or error, and state)."""
    if pending is None:
        raise Refused("expired", "retour de Pro Santé Connect sans connexion en cours (expirée ou autre navigateur)")
    if not hmac.compare_digest(params.get("state", ""), pending.state):
        raise Refused("invalid", "state différent de celui envoyé")
    if params.get("error"):
        cancelled = params["error"] == "access_denied"
        raise Refused("cancelled" if cancelled else "provider_error",
                      f"Pro Santé Connect : {params['error'][:60]} {params.get('error_description', '')[:120]}")
    document = metadata(cfg)
    keys = key_set(document)
    with _client(cfg) as client:
        try:
            token = client.fetch_token(document["token_endpoint"], code=params.get("code", ""),
                                       code_verifier=pending.code_verifier, grant_type="authorization_code")
        except httpx.HTTPError as error:
            raise Refused("unavailable", f"jeton non obtenu : {type(error).__name__}") from error
        except Exception as error:  # noqa: BLE001  an OAuth error answer (invalid_grant...)
            raise Refused("invalid", f"jeton refusé par Pro Santé Connect : {error}"[:300]) from error
        claims = check_id_token(cfg, token, keys=keys, nonce=pending.nonce)
        try:
            response = client.get(document["userinfo_endpoint"])
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise Refused("unavailable", f"userinfo non obtenu : {type(error).__name__}") from error
    userinfo = check_userinfo(cfg, response.text, keys=keys, subject=claims["sub"])
    return _identity(userinfo, claims["acr"])


def refuse(db: Session, refusal: Refused, *, client_ip: str, account: Account | None = None) -> None:
    """Every refused PSC login is audited (and committed)."""
    audit.record(db, action=AuditAction.LOGIN_FAILED, outcome=AuditOutcome.DENIED, client_ip=client_ip,
                 detail=f"Pro Santé Connect : {refusal.detail}"[:500],
                 account_id=account.id if account else None, actor_role=account.role if account else "")
    db.commit()


def _directory_difference(pro: Professional, identity: Identity) -> str:
    """What PSC says that the directory does not (names compared without case or accents), or ""."""
    profession, _, specialty = pro.specialty_code.removeprefix("G15_").partition("/")
    same_name = (identifiers.search_key(f"{pro.given_name} {pro.family_name}")
                 == identifiers.search_key(f"{identity.given_name} {identity.family_name}"))
    same_practice = profession == identity.profession_code and (not identity.specialty_code
                                                                or specialty == identity.specialty_code)
    if same_name and same_practice:
        return ""
    practice = f"profession {identity.profession_code or '?'}, savoir-faire {identity.specialty_code or '?'}"
    return f"{identity.given_name} {identity.family_name}, {practice}"[:200]


def open_session(db: Session, identity: Identity, *, client_ip: str, user_agent: str,
                 now: datetime | None = None) -> tuple[str, Account]:
    """The session of the professional whose RPPS PSC vouched for; refusals are audited and raised."""
    now = now or utcnow()
    account = db.exec(
        select(Account).join(Professional, Professional.id == Account.professional_id)
        .where(Professional.rpps == identity.rpps)
    ).first()
    if account is None:
        refusal = Refused("unknown", f"RPPS {identity.rpps} inconnu du portail ({identity.given_name} {identity.family_name})")
    elif account.role == Role.PATIENT:
        refusal = Refused("unknown", "compte patient")
    elif account.status != AccountStatus.ACTIVE:
        refusal = Refused("disabled", "compte désactivé")
    else:
        pro = db.get(Professional, account.professional_id)
        pro.psc_reported = _directory_difference(pro, identity)
        db.add(pro)
        token = auth.open_login(db, account, client_ip=client_ip, user_agent=user_agent, now=now,
                                detail=f"Pro Santé Connect (acr {identity.acr}, IDNPS {identity.idnps})")
        return token, account
    refuse(db, refusal, client_ip=client_ip, account=account)
    raise refusal


def finish(db: Session, cfg: Config, pending: PendingLogin | None, params: dict[str, str], *, client_ip: str,
           user_agent: str) -> tuple[str, Account]:
    """The callback's whole work: PSC's answer checked, then the professional's session opened. Every refusal is
    audited before it is raised. No statement runs before PSC has answered: no transaction waits on the network."""
    try:
        identity = complete(cfg, pending, params)
    except Refused as refusal:
        refuse(db, refusal, client_ip=client_ip)
        raise
    return open_session(db, identity, client_ip=client_ip, user_agent=user_agent)


def end_session_url(cfg: Config) -> str | None:
    """Where the browser ends its PSC session after the portal's logout (None when PSC cannot be reached)."""
    try:
        endpoint = metadata(cfg).get("end_session_endpoint")
    except Refused:
        return None
    if not endpoint:
        return None
    return f"{endpoint}?{urlencode({'client_id': cfg.client_id, 'post_logout_redirect_uri': cfg.post_logout_uri})}"
