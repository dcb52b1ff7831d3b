"""HTTP routes next to Reflex's websocket: the single-use file endpoint, and security headers on every response."""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from dcc_portal import db
from dcc_portal.services import downloads, render
from dcc_portal.services.errors import AccessDenied, NotAuthenticated

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
