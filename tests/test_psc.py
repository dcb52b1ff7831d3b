"""Pro Santé Connect login against the local provider (oidc-provider, a real OpenID Connect implementation): the
professional picked on its login page opens their own account; every answer that cannot be trusted is refused and
audited, and the provider being away leaves the password login working."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlmodel import select

from dcc_portal.models import AuditAction, AuditEvent, AuditOutcome, Professional, Role
from dcc_portal.peers.psc import KnownProfessional, new_signing_key
from dcc_portal.services.identity import accounts, auth, psc, sessions
from tests import factories
from tests.psc_fixtures import CLIENT_ID, PscPeer, through_provider

REDIRECT = "http://localhost:8999/api/psc/callback"
GP_RPPS = "10000000009"  # a valid RPPS (check digit), as are the others below
UNKNOWN_RPPS = "10000000017"


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    provider = PscPeer(
        tmp_path_factory.mktemp("psc"), redirect_uri=REDIRECT, post_logout_uri="http://localhost:8999/login",
        professionals=[KnownProfessional(GP_RPPS, "Claire", "DURAND", specialty_code="SM54"),
                       KnownProfessional(UNKNOWN_RPPS, "Jeanne", "HORS-RÉSEAU", specialty_code="SM54")],
    ).start()
    yield provider
    provider.stop()


@pytest.fixture
def cfg(peer) -> psc.Config:
    return psc.Config(peer.issuer, CLIENT_ID, peer.client_secret, REDIRECT, "http://localhost:8999/login")


@pytest.fixture
def gp(db):
    pro = factories.professional(db, specialty="G15_10/SM54", family="Durand")
    pro.rpps, pro.given_name = GP_RPPS, "Claire"
    db.add(pro)
    account, _ = factories.account(db, role=Role.GP, professional=pro, identifier="mg.psc")
    db.commit()
    return account


def _login(cfg: psc.Config, rpps: str | None):
    url, pending = psc.begin(cfg)
    return pending, through_provider(url, idnps=None if rpps is None else f"8{rpps}", redirect_uri=REDIRECT)


def _audits(db, action: str) -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)).all())


def _refused(db, cfg, pending, params, reason: str) -> AuditEvent:
    with pytest.raises(psc.Refused) as refused:
        psc.finish(db, cfg, pending, params, client_ip="10.0.0.9", user_agent="test")
    assert refused.value.reason == reason
    event = _audits(db, AuditAction.LOGIN_FAILED)[-1]
    assert event.outcome == AuditOutcome.DENIED and event.detail.startswith("Pro Santé Connect")
    return event


def test_the_authorization_request_asks_psc_for_eidas1_with_pkce_state_and_nonce(cfg):
    url, pending = psc.begin(cfg)
    assert "acr_values=eidas1" in url and "scope=openid+scope_all" in url
    assert "code_challenge_method=S256" in url and f"state={pending.state}" in url and f"nonce={pending.nonce}" in url
    assert pending.code_verifier not in url  # only its S256 challenge leaves


def test_a_gp_signs_in_with_psc_and_gets_the_usual_session(db, cfg, gp):
    pending, params = _login(cfg, GP_RPPS)
    token, account = psc.finish(db, cfg, pending, params, client_ip="10.0.0.9", user_agent="test")
    db.commit()
    assert account.id == gp.id
    actor = sessions.resolve(db, token=token, user_agent="test")
    assert actor is not None and actor.role == Role.GP and actor.account_id == gp.id
    login = _audits(db, AuditAction.LOGIN)[-1]
    assert login.account_id == gp.id
    assert login.detail == f"Pro Santé Connect (acr eidas1, IDNPS 8{GP_RPPS})"


def test_a_name_or_profession_psc_reports_differently_is_kept_for_the_administrator(db, cfg, gp):
    pro = db.get(Professional, gp.professional_id)
    pending, params = _login(cfg, GP_RPPS)
    psc.finish(db, cfg, pending, params, client_ip="10.0.0.9", user_agent="test")
    assert pro.psc_reported == ""  # "Claire DURAND", médecin SM54: the directory agrees

    pro.family_name, pro.specialty_code = "Durand-Martin", "G15_10/SM36"
    pending, params = _login(cfg, GP_RPPS)
    psc.finish(db, cfg, pending, params, client_ip="10.0.0.9", user_agent="test")
    assert pro.psc_reported == "Claire DURAND, profession 10, savoir-faire SM54"
    admin, _ = factories.account(db, role=Role.ADMIN)
    rows = accounts.list_accounts(db, actor=factories.actor_for(db, admin), query="mg.psc").items
    assert [row.psc_reported for row in rows] == ["Claire DURAND, profession 10, savoir-faire SM54"]


def test_the_identity_comes_from_the_signed_userinfo(cfg):
    pending, params = _login(cfg, GP_RPPS)
    identity = psc.complete(cfg, pending, params)
    assert (identity.idnps, identity.rpps, identity.family_name) == (f"8{GP_RPPS}", GP_RPPS, "DURAND")
    assert (identity.profession_code, identity.specialty_code, identity.acr) == ("10", "SM54", "eidas1")


def test_an_unknown_rpps_is_refused_and_audited(db, cfg, gp):
    pending, params = _login(cfg, UNKNOWN_RPPS)
    event = _refused(db, cfg, pending, params, "unknown")
    assert UNKNOWN_RPPS in event.detail
    assert _audits(db, AuditAction.LOGIN) == []


def test_a_patient_account_never_opens_through_psc(db, cfg):
    pro = factories.professional(db)
    pro.rpps = GP_RPPS
    patient_account, _ = factories.account(db, role=Role.PATIENT, professional=pro)
    db.commit()
    pending, params = _login(cfg, GP_RPPS)
    event = _refused(db, cfg, pending, params, "unknown")
    assert event.account_id == patient_account.id
    assert _audits(db, AuditAction.LOGIN) == []


def test_a_wrong_state_is_refused(db, cfg, gp):
    pending, params = _login(cfg, GP_RPPS)
    _refused(db, cfg, pending, {**params, "state": "forged"}, "invalid")
    assert _audits(db, AuditAction.LOGIN) == []


def test_a_wrong_nonce_is_refused(db, cfg, gp):
    pending, params = _login(cfg, GP_RPPS)
    event = _refused(db, cfg, replace(pending, nonce="another-login"), params, "invalid")
    assert "nonce" in event.detail


def test_a_replayed_code_is_refused_by_the_provider(db, cfg, gp):
    pending, params = _login(cfg, GP_RPPS)
    psc.finish(db, cfg, pending, params, client_ip="10.0.0.9", user_agent="test")
    _refused(db, cfg, pending, params, "invalid")


def test_a_code_without_its_pkce_verifier_is_refused_by_the_provider(db, cfg, gp):
    pending, params = _login(cfg, GP_RPPS)
    event = _refused(db, cfg, replace(pending, code_verifier="x" * 64), params, "invalid")
    assert "invalid_grant" in event.detail


def test_a_login_cancelled_at_psc_comes_back_with_its_reason(db, cfg, gp):
    pending, params = _login(cfg, None)
    assert params["error"] == "access_denied"
    _refused(db, cfg, pending, params, "cancelled")


def test_a_callback_without_pending_login_is_refused(db, cfg, gp):
    _, params = _login(cfg, GP_RPPS)
    _refused(db, cfg, None, params, "expired")


def _id_token(peer, cfg, *, key: dict | None = None, **changes) -> dict:
    now = int(time.time())
    claims = {"iss": cfg.issuer, "sub": f"8{GP_RPPS}", "aud": CLIENT_ID, "iat": now, "exp": now + 300,
              "nonce": "n-1", "acr": "eidas1", **changes}
    key = key or peer.signing_key()
    token = jwt.encode({"alg": "RS256", "kid": key["kid"]}, claims, RSAKey.import_key(key))
    return {"id_token": token, "access_token": "at"}


def _keys(cfg) -> KeySet:
    return psc.key_set(psc.metadata(cfg))


def test_an_id_token_signed_with_the_provider_key_passes(peer, cfg):
    assert psc.check_id_token(cfg, _id_token(peer, cfg), keys=_keys(cfg), nonce="n-1")["sub"] == f"8{GP_RPPS}"


@pytest.mark.parametrize("changes, why", [
    ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, "exp"),
    ({"aud": "another-client"}, "azp"),  # an audience without this client: authorised party missing
    ({"iss": "http://127.0.0.1:1/auth/realms/other"}, "iss"),
    ({"acr": "eidas0"}, "acr"),
    ({"nonce": "replayed-from-another-login"}, "nonce"),
])
def test_an_id_token_that_does_not_hold_is_refused(peer, cfg, changes, why):
    with pytest.raises(psc.Refused) as refused:
        psc.check_id_token(cfg, _id_token(peer, cfg, **changes), keys=_keys(cfg), nonce="n-1")
    assert refused.value.reason == "invalid" and why in refused.value.detail


def test_an_id_token_signed_by_another_key_is_refused(peer, cfg):
    forger = {**new_signing_key(), "kid": peer.signing_key()["kid"]}  # same key id, not the provider's key
    with pytest.raises(psc.Refused) as refused:
        psc.check_id_token(cfg, _id_token(peer, cfg, key=forger), keys=_keys(cfg), nonce="n-1")
    assert "signature" in refused.value.detail


def test_the_provider_publishes_its_next_key_ahead_of_rotation(peer, cfg):
    published = {key.kid for key in _keys(cfg).keys}
    assert len(published) == 2 and peer.signing_key()["kid"] in published


def test_userinfo_for_another_client_is_refused(peer, cfg):
    key = peer.signing_key()
    body = jwt.encode({"alg": "RS256", "kid": key["kid"]},
                      {"iss": cfg.issuer, "aud": "another-client", "sub": f"8{GP_RPPS}", "SubjectNameID": f"8{GP_RPPS}"},
                      RSAKey.import_key(key))
    with pytest.raises(psc.Refused):
        psc.check_userinfo(cfg, body, keys=_keys(cfg), subject=f"8{GP_RPPS}")


def test_the_pending_login_cookie_cannot_be_altered_or_kept(cfg):
    _, pending = psc.begin(cfg)
    sealed = psc.seal(pending)
    assert psc.unseal(sealed) == pending
    assert psc.unseal(sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]) is None
    assert psc.unseal(sealed, now=pending.started + psc.PENDING_TTL + 1) is None


def test_psc_down_gives_a_clear_reason_and_the_password_login_still_works(db, gp):
    from tests.servers import free_port

    down = psc.Config(f"http://127.0.0.1:{free_port()}/auth/realms/esante-wallet", CLIENT_ID, "s", REDIRECT, "")
    with pytest.raises(psc.Refused) as refused:
        psc.begin(down)
    assert refused.value.reason == "unavailable"
    assert auth.check_password(db, identifier="mg.psc", password=factories.PASSWORD, client_ip="10.0.0.9").ok


@pytest.fixture
def routes(monkeypatch, peer, db_url):
    from starlette.testclient import TestClient

    from dcc_portal.web import routes_app

    for name, value in peer.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REFLEX_DB_URL", db_url)
    with TestClient(routes_app, base_url="http://localhost:8999", follow_redirects=False,
                    headers={"user-agent": "browser-1", "sec-fetch-site": "same-origin"}) as client:
        yield client


def _through_routes(routes, rpps: str) -> object:
    start = routes.get("/api/psc/start")
    assert start.status_code == 303
    pending_cookie = start.headers["set-cookie"]
    assert "HttpOnly" in pending_cookie and "SameSite=lax" in pending_cookie and "Path=/api/" in pending_cookie
    params = through_provider(start.headers["location"], idnps=f"8{rpps}", redirect_uri=REDIRECT)
    return routes.get("/api/psc/callback", params=params)


def test_the_callback_route_sets_the_session_cookie_and_opens_the_gp_area(db, routes, gp):
    answer = _through_routes(routes, GP_RPPS)
    assert answer.status_code == 303 and answer.headers["location"] == "/gp"
    token = answer.cookies.get(sessions.COOKIE_NAME)
    assert sessions.resolve(db, token=token, user_agent="browser-1").account_id == gp.id
    db.commit()
    assert routes.cookies.get("dcc_psc_pending") is None  # single use

    logout = routes.post("/api/session/end")
    assert logout.status_code == 200  # a page that sends the browser on to PSC's end-session endpoint
    assert f"{psc.metadata(psc.config())['end_session_endpoint']}?client_id={CLIENT_ID}" in logout.text
    assert sessions.resolve(db, token=token, user_agent="browser-1") is None


def test_the_callback_route_sends_an_unknown_rpps_back_to_the_login_page(db, routes, gp):
    answer = _through_routes(routes, UNKNOWN_RPPS)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?psc=unknown"
    assert sessions.COOKIE_NAME not in answer.cookies


def test_a_callback_in_another_browser_is_refused(db, routes, gp):
    start = routes.get("/api/psc/start")
    params = through_provider(start.headers["location"], idnps=f"8{GP_RPPS}", redirect_uri=REDIRECT)
    routes.cookies.clear()  # the code reaches a browser that did not start this login
    answer = routes.get("/api/psc/callback", params=params)
    assert answer.headers["location"] == "/login?psc=expired"
    assert _audits(db, AuditAction.LOGIN) == []


def _create(db, admin_actor, org, **changes):
    values = dict(identifier="mg.pscseule", role="gp", family_name="Seule", given_name="Claire", rpps=UNKNOWN_RPPS,
                  specialty_code="G15_10/SM54", organisation_public_id=org.public_id, email="", phone="",
                  initial_password="")
    return accounts.create_professional_account(db, actor=admin_actor, **{**values, **changes})


def test_an_organisation_that_allows_it_gets_psc_only_accounts(db, cfg):
    from dcc_portal.services.common.errors import ValidationFailed
    from dcc_portal.services.identity import organisations

    org = factories.organisation(db, "Cabinet PSC")
    admin, _ = factories.account(db, role=Role.ADMIN)
    admin_actor = factories.actor_for(db, admin)
    with pytest.raises(ValidationFailed) as refused:  # not allowed yet: a password is needed
        _create(db, admin_actor, org)
    assert "initial_password" in refused.value.errors

    assert organisations.allow_psc_only(db, actor=admin_actor, organisation_public_id=org.public_id, allowed=True)
    _create(db, admin_actor, org)
    db.commit()
    row = accounts.list_accounts(db, actor=admin_actor, query="mg.pscseule").items[0]
    assert row.second_factor == "Pro Santé Connect seul"
    assert not auth.check_password(db, identifier="mg.pscseule", password="", client_ip="10.0.0.9").ok

    pending, params = _login(cfg, UNKNOWN_RPPS)
    token, account = psc.finish(db, cfg, pending, params, client_ip="10.0.0.9", user_agent="test")
    assert account.identifier == "mg.pscseule" and sessions.resolve(db, token=token, user_agent="test").role == Role.GP


def test_a_key_rotation_signs_with_the_key_published_ahead(tmp_path):
    from dcc_portal.peers.psc import load_keys, rotate_keys

    path = tmp_path / "keys.json"
    current, upcoming = (key["kid"] for key in load_keys(path))
    rotated = rotate_keys(path)
    assert rotated[0]["kid"] == upcoming and current not in {key["kid"] for key in rotated} and len(rotated) == 2


def test_every_refusal_has_its_french_message():
    import inspect
    import re

    from dcc_portal import texts
    from dcc_portal.web import psc as psc_routes

    source = inspect.getsource(psc) + inspect.getsource(psc_routes)
    reasons = set(re.findall(r'Refused\(\s*"(\w+)"', source)) | set(re.findall(r'_to_login\("(\w+)"\)', source))
    reasons |= set(re.findall(r'"(cancelled)" if', source))
    assert len(reasons) >= 8 and reasons <= texts.PSC_REFUSED.keys()
