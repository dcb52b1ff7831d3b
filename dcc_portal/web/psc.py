"""Pro Santé Connect routes: leaving for PSC and coming back. The pending login (state, nonce, PKCE verifier) rides
in a sealed HttpOnly cookie (SameSite=Lax: PSC's redirect back is a top-level navigation from another site); the
callback opens the session and sets the session cookie itself. A refusal lands on /login?psc=<reason>."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from dcc_portal import db, settings
from dcc_portal.services.identity import psc
from dcc_portal.state.session import HOME_BY_ROLE
from dcc_portal.web import client
from dcc_portal.web.session_cookie import mark_via_psc, with_cookie

START_PATH = "/api/psc/start"
CALLBACK_PATH = "/api/psc/callback"
PENDING_COOKIE = "dcc_psc_pending"


def _cookie(response: Response, name: str, value: str, *, max_age: int, samesite: str) -> None:
    response.set_cookie(name, value, max_age=max_age if value else 0, path="/api/", httponly=True, samesite=samesite,
                        secure=settings.public_url().startswith("https://"))


def _to_login(reason: str) -> Response:
    response = RedirectResponse(f"/login?psc={reason}", status_code=303)
    response.headers["cache-control"] = "no-store"
    _cookie(response, PENDING_COOKIE, "", max_age=0, samesite="lax")
    return response


async def start(request: Request) -> Response:
    cfg = psc.config()
    if cfg is None:
        return _to_login("off")
    try:
        url, pending = await run_in_threadpool(psc.begin, cfg)
    except psc.Refused as refusal:
        await run_in_threadpool(_audit_refusal, refusal, client.client_ip(request))
        return _to_login(refusal.reason)
    response = RedirectResponse(url, status_code=303)
    response.headers["cache-control"] = "no-store"
    _cookie(response, PENDING_COOKIE, psc.seal(pending), max_age=psc.PENDING_TTL, samesite="lax")
    return response


def _audit_refusal(refusal: psc.Refused, address: str) -> None:
    with db.transaction() as session:
        psc.refuse(session, refusal, client_ip=address)


async def callback(request: Request) -> Response:
    cfg = psc.config()
    if cfg is None:
        return _to_login("off")
    pending = psc.unseal(request.cookies.get(PENDING_COOKIE, ""))
    params = {key: str(value)[:2000] for key, value in request.query_params.items()}
    address, agent = client.client_ip(request), client.user_agent(request)

    def sign_in():
        with db.transaction() as session:
            return psc.finish(session, cfg, pending, params, client_ip=address, user_agent=agent)

    try:
        token, account = await run_in_threadpool(sign_in)
    except psc.Refused as refusal:
        return _to_login(refusal.reason)
    response = with_cookie(RedirectResponse(HOME_BY_ROLE[account.role], status_code=303), token)
    _cookie(response, PENDING_COOKIE, "", max_age=0, samesite="lax")
    mark_via_psc(response, True)
    return response


ROUTES = [Route(START_PATH, start, methods=["GET"]), Route(CALLBACK_PATH, callback, methods=["GET"])]
