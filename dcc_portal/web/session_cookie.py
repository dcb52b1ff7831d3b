"""The session cookie: set when a login completes, cleared at logout. HttpOnly, so no page script can read it;
SameSite=Strict, so no other site's page sends it; Secure when the portal is served over HTTPS."""

from __future__ import annotations

import html

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dcc_portal import db, settings
from dcc_portal.services.identity import psc, sessions
from dcc_portal.state.session import HOME_BY_ROLE
from dcc_portal.web import client

OPEN_PATH = "/api/session"
END_PATH = "/api/session/end"
# Marks a browser whose session came from Pro Santé Connect: its logout also ends the PSC session.
VIA_PSC_COOKIE = "dcc_psc"


def with_cookie(response: Response, token: str) -> Response:
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=int(sessions.ABSOLUTE_TIMEOUT.total_seconds()) if token else 0,
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.public_url().startswith("https://"),
    )
    response.headers["cache-control"] = "no-store"
    return response


def _cross_site() -> Response:
    return PlainTextResponse("Requête refusée.", status_code=403, headers={"cache-control": "no-store"})


async def open_session(request: Request) -> Response:
    """The login page posts its single-use handoff here; the answer sets the cookie and opens the user's area."""
    if not client.same_origin(request):
        return _cross_site()
    form = await request.form()
    handoff = str(form.get("handoff", ""))[: sessions.MAX_TOKEN_LENGTH]
    agent, previous = client.user_agent(request), client.session_token(request)

    def exchange():
        with db.transaction() as session:
            opened = sessions.complete_handoff(session, handoff=handoff, user_agent=agent)
            if opened is None:  # used or expired: a session the browser already has stays
                current = sessions.resolve(session, token=previous, client_ip=client.client_ip(request), user_agent=agent)
                return None, current
            if previous:
                sessions.revoke_token(session, token=previous, reason="replaced")
            return opened, None

    opened, current = await run_in_threadpool(exchange)
    if opened is None:
        response = RedirectResponse(HOME_BY_ROLE[current.role] if current else "/login", status_code=303)
        response.headers["cache-control"] = "no-store"
        return response
    token, actor = opened
    response = with_cookie(RedirectResponse(HOME_BY_ROLE[actor.role], status_code=303), token)
    mark_via_psc(response, False)
    return response


def mark_via_psc(response: Response, via_psc: bool) -> None:
    response.set_cookie(VIA_PSC_COOKIE, "1" if via_psc else "", path="/api/", httponly=True, samesite="strict",
                        max_age=int(sessions.ABSOLUTE_TIMEOUT.total_seconds()) if via_psc else 0,
                        secure=settings.public_url().startswith("https://"))


def _psc_logout_page(url: str) -> Response:
    """A page, not a redirect: the logout is a form post, and the pages' CSP keeps form posts on the portal."""
    escaped = html.escape(url, quote=True)
    return HTMLResponse(
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url={escaped}">'
        f'<title>Déconnexion</title></head><body><p>Vous êtes déconnecté du portail. '
        f'<a href="{escaped}">Terminer aussi la session Pro Santé Connect</a>.</p></body></html>'
    )


async def end_session(request: Request) -> Response:
    """Logout: the session ends on the server and the cookie is cleared."""
    if not client.same_origin(request):
        return _cross_site()
    token, agent, address = client.session_token(request), client.user_agent(request), client.client_ip(request)

    def sign_out():
        with db.transaction() as session:
            sessions.sign_out(session, token=token, client_ip=address, user_agent=agent)

    if token:
        await run_in_threadpool(sign_out)
    cfg = psc.config() if request.cookies.get(VIA_PSC_COOKIE) else None
    url = await run_in_threadpool(psc.end_session_url, cfg) if cfg else None
    response = with_cookie(_psc_logout_page(url) if url else RedirectResponse("/login", status_code=303), "")
    mark_via_psc(response, False)
    return response


ROUTES = [Route(OPEN_PATH, open_session, methods=["POST"]), Route(END_PATH, end_session, methods=["POST"])]
