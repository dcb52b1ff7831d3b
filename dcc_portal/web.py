"""HTTP routes next to Reflex's websocket: the single-use file endpoint, and security headers on every response."""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from dcc_portal import db
from dcc_portal.services.common import render
from dcc_portal.services.common.errors import AccessDenied, NotAuthenticated
from dcc_portal.services.record import downloads

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


async def _file(request: Request) -> Response:
    ticket = request.path_params["ticket"][:100]
    client_ip = request.client.host if request.client else ""

    def redeem():
        with db.transaction() as session:
            return downloads.redeem(session, ticket=ticket, client_ip=client_ip)

    try:
        payload, inline = await run_in_threadpool(redeem)
    except (NotAuthenticated, AccessDenied) as error:
        return PlainTextResponse(error.message, status_code=403, headers={"cache-control": "no-store"})
    disposition = "inline" if inline else "attachment"
    headers = {
        "content-disposition": f"{disposition}; filename*=UTF-8''{quote(payload.filename)}",
        "cache-control": "no-store",
    }
    if payload.mime_type.startswith("text/html"):
        headers["content-security-policy"] = render.PRINT_VIEW_CSP
    elif not payload.mime_type.startswith("application/pdf"):
        headers["content-security-policy"] = "default-src 'none'; sandbox"
    return Response(payload.data, media_type=payload.mime_type, headers=headers)


files_app = Starlette(routes=[Route(downloads.URL_PREFIX + "{ticket}", _file, methods=["GET"])])


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


def security_headers(app):
    """ASGI middleware adding conservative headers to every HTTP response."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in SECURITY_HEADERS if header[0] not in present
                ]
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped
