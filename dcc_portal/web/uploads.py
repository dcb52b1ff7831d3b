"""Reflex's upload endpoint: bodies over the limit refused before they are spooled, requests without a session or
for an unknown tab answered with a complete 4xx."""

from __future__ import annotations

import logging

from reflex.utils import prerequisites
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse

from dcc_portal import db
from dcc_portal.services.identity import sessions
from dcc_portal.web import client

logger = logging.getLogger("dcc_portal.web")

UPLOAD_PATH = "/_upload"
UPLOAD_LIMIT = 21 * 1024 * 1024  # one 20 MB PDF plus the multipart envelope; handlers check the file itself


def upload_limit(app):
    """ASGI middleware refusing upload bodies over the limit before they are spooled to disk."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(UPLOAD_PATH):
            await app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > UPLOAD_LIMIT):
            await PlainTextResponse("Fichier trop volumineux (20 Mo au plus).", status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > UPLOAD_LIMIT:
                    raise ValueError("upload over the size limit")
            return message

        await app(scope, limited_receive, send)

    return wrapped


def _refusal(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message, status_code=status, headers={"cache-control": "no-store"})


async def _tab_connected(tab: str) -> bool:
    """Whether a page of this client token is connected (to any worker)."""
    namespace = prerequisites.get_app().app.event_namespace
    return bool(tab) and namespace is not None and await namespace._token_manager.is_token_connected(tab)


def upload_guard(app):
    """ASGI middleware in front of Reflex's upload route: only a signed-in browser may post a file, and a request
    Reflex cannot attach to a tab gets a 400, not a server error."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" or scope.get("path", "") != UPLOAD_PATH:
            await app(scope, receive, send)
            return
        request = Request(scope)
        token, agent = client.session_token(request), client.user_agent(request)

        def signed_in() -> bool:
            with db.transaction() as session:
                return sessions.resolve(session, token=token, client_ip=client.client_ip(request),
                                        user_agent=agent) is not None

        if not token or not await run_in_threadpool(signed_in):
            await _refusal(401, "Session expirée : reconnectez-vous.")(scope, receive, send)
            return
        if not await _tab_connected(request.headers.get("reflex-client-token", "")[:100]):
            # Reflex would run the handler on a new, empty state and fail once its answer has started.
            await _refusal(400, "Envoi refusé : rechargez la page.")(scope, receive, send)
            return
        started = False

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await app(scope, receive, tracked_send)
        except Exception as error:
            if started:
                raise
            logger.warning("upload refused: %s", str(error).splitlines()[0][:200] if str(error) else type(error).__name__)
            await _refusal(400, "Envoi refusé : rechargez la page.")(scope, receive, send)

    return wrapped
