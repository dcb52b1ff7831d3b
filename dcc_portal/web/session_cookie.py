"""The session cookie: set when a login completes, cleared at logout. HttpOnly, so no page script can read it;
SameSite=Strict, so no other site's page sends it; Secure when the portal is served over HTTPS."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from dcc_portal import db, settings
from dcc_portal.services.identity import sessions
from dcc_portal.state.session import HOME_BY_ROLE
from dcc_portal.web import client

OPEN_PATH = "/api/session"
END_PATH = "/api/session/end"


def _with_cookie(response: Response, token: str) -> Response:
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
    return _with_cookie(RedirectResponse(HOME_BY_ROLE[actor.role], status_code=303), token)


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
    return _with_cookie(RedirectResponse("/login", status_code=303), "")


ROUTES = [Route(OPEN_PATH, open_session, methods=["POST"]), Route(END_PATH, end_session, methods=["POST"])]
