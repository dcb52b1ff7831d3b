"""Who sent an HTTP request: client IP behind the configured proxies, user agent, session cookie, same origin."""

from __future__ import annotations

from urllib.parse import urlsplit

from reflex_base.config import get_config
from starlette.requests import Request

from dcc_portal import settings
from dcc_portal.services.identity import sessions


def client_ip(request: Request) -> str:
    """The client's address, as the websocket computes it (X-Forwarded-For only through trusted proxies)."""
    address = request.client.host if request.client else ""
    hops = get_config().trusted_proxy_hops
    if hops:
        forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    return address[:64]


def user_agent(request: Request) -> str:
    return request.headers.get("user-agent", "")[:200]


def session_token(request: Request) -> str:
    return sessions.token_from_cookies(request.headers.get("cookie", ""))


def public_origin() -> str:
    public = urlsplit(settings.public_url())
    return f"{public.scheme}://{public.netloc}"


def same_origin(request: Request) -> bool:
    """A request sent by the portal's own pages (a login or logout forced from another site is refused). Browsers say
    so in Sec-Fetch-Site; their Origin is "null" here, pages being served with `Referrer-Policy: no-referrer`. Other
    clients must name the portal's origin."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    return request.headers.get("origin", "") == public_origin()
