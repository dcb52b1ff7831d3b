"""Headers of every HTTP answer. Pages get a Content-Security-Policy allowing the built app's own scripts and, by
SHA-256, the inline scripts of that very page; nothing is cached but the built assets (content-hashed names): any
other answer may carry health data."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import zlib
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool

from dcc_portal import settings

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_CACHEABLE = ("/assets/", "/favicon.svg")
# Nothing the portal uses; the rest of the powerful features are off too.
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), midi=(), payment=(), usb=(), serial=(), hid=(), bluetooth=(), "
                      "publickey-credentials-get=(), screen-wake-lock=(), xr-spatial-tracking=()")
COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"cross-origin-opener-policy", b"same-origin"),
]
NOT_A_PAGE_POLICY = "default-src 'none'; frame-ancestors 'none'"


def _public_origins() -> str:
    public = urlsplit(settings.public_url())
    websocket = "wss" if public.scheme == "https" else "ws"
    return f"{public.scheme}://{public.netloc} {websocket}://{public.netloc}"


def inline_script_hashes(html: bytes) -> list[str]:
    return sorted({base64.b64encode(hashlib.sha256(body).digest()).decode() for body in _INLINE_SCRIPT.findall(html)})


def page_policy(html: bytes) -> str:
    """The page's CSP. Styles stay inline-capable: Radix and emotion insert style elements while the page runs."""
    scripts = " ".join(["'self'", *(f"'sha256-{digest}'" for digest in inline_script_hashes(html))])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        f"connect-src 'self' {_public_origins()}",
        "frame-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ])


def _decoded(body: bytes, encoding: bytes) -> bytes:
    if encoding == b"gzip":
        return gzip.decompress(body)
    if encoding == b"deflate":
        return zlib.decompress(body)
    return body


def _finish_headers(headers: list[tuple[bytes, bytes]], path: str, policy: str | None) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    added = [header for header in COMMON if header[0] not in present]
    csp = next((value for name, value in headers if name.lower() == b"content-security-policy"), None)
    if csp is None:
        csp = (policy or NOT_A_PAGE_POLICY).encode()
        added.append((b"content-security-policy", csp))
    if b"x-frame-options" not in present:
        added.append((b"x-frame-options", b"SAMEORIGIN" if b"frame-ancestors 'self'" in csp else b"DENY"))
    if not path.startswith(_CACHEABLE):
        headers = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
        added.append((b"cache-control", b"no-store"))
    return headers + added


def response_headers(app):
    """ASGI middleware: security headers on every HTTP answer; an HTML page is held until its body is complete to
    hash its inline scripts (pages are a few dozen kilobytes)."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        path = scope.get("path", "")
        start: dict | None = None
        chunks: list[bytes] = []

        async def send_with_headers(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
                has_policy = any(name.lower() == b"content-security-policy" for name, _ in headers)
                if content_type.startswith(b"text/html") and not has_policy and scope.get("method") != "HEAD":
                    start = {**message, "headers": headers}
                    return
                await send({**message, "headers": _finish_headers(headers, path, None)})
                return
            if start is None:
                await send(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                message = {"type": "http.response.body", "body": body, "more_body": False}
            elif message["type"] == "http.response.pathsend":  # the server sends the file itself
                body = await run_in_threadpool(Path(message["path"]).read_bytes)
            encoding = next((value for name, value in start["headers"] if name.lower() == b"content-encoding"), b"")
            try:
                policy = page_policy(_decoded(body, encoding.strip().lower()))
            except (OSError, zlib.error):
                policy = page_policy(b"")
            await send({**start, "headers": _finish_headers(start["headers"], path, policy)})
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped
