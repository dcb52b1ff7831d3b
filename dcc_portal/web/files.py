"""The single-use file endpoint: a document, print view or export behind a ticket issued to a session."""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from dcc_portal import db
from dcc_portal.services.common import render
from dcc_portal.services.common.errors import AccessDenied, NotAuthenticated
from dcc_portal.services.record import downloads
from dcc_portal.web import client

# A file may be shown in the portal's own document page (an iframe), never framed by another site.
FRAMED_BY_THE_PORTAL_ONLY = "frame-ancestors 'self'"


async def _file(request: Request) -> Response:
    ticket = request.path_params["ticket"][:100]
    client_ip = client.client_ip(request)

    def redeem():
        with db.transaction() as session:
            return downloads.redeem(session, ticket=ticket, client_ip=client_ip)

    try:
        payload, inline = await run_in_threadpool(redeem)
    except (NotAuthenticated, AccessDenied) as error:
        # Shown in the document page's frame when a ticket is used up.
        return PlainTextResponse(error.message, status_code=403, headers={
            "cache-control": "no-store", "content-security-policy": f"default-src 'none'; {FRAMED_BY_THE_PORTAL_ONLY}"})
    disposition = "inline" if inline else "attachment"
    headers = {
        "content-disposition": f"{disposition}; filename*=UTF-8''{quote(payload.filename)}",
        "cache-control": "no-store",
    }
    if payload.mime_type.startswith("text/html"):
        headers["content-security-policy"] = render.PRINT_VIEW_CSP
    elif payload.mime_type.startswith("application/pdf"):
        headers["content-security-policy"] = FRAMED_BY_THE_PORTAL_ONLY
    else:
        headers["content-security-policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    return Response(payload.data, media_type=payload.mime_type, headers=headers)


ROUTES = [Route(downloads.URL_PREFIX + "{ticket}", _file, methods=["GET"])]
