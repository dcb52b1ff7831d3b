"""What the server answers at the HTTP level: websocket origin check, security headers, file tickets."""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlparse

import httpx
import pytest


def _websocket_handshake(base_url: str, origin: str) -> str:
    """Status line of a raw websocket upgrade on Reflex's event endpoint."""
    url = urlparse(base_url)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {url.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
    )
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request.encode())
        return sock.recv(4096).decode(errors="replace").split("\r\n", 1)[0]


def test_websocket_from_the_portal_origin_is_accepted(server):
    assert " 101 " in _websocket_handshake(server.base_url, server.base_url)


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:1", "null"])
def test_websocket_from_a_foreign_origin_is_refused(server, origin):
    assert " 101 " not in _websocket_handshake(server.base_url, origin)


def test_pages_carry_security_headers(server):
    response = httpx.get(f"{server.base_url}/login/")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"


@pytest.mark.parametrize("ticket", ["nope", "A" * 43, "../../etc/passwd", "%00"])
def test_unknown_file_tickets_are_refused(server, ticket):
    response = httpx.get(f"{server.base_url}/api/files/{ticket}")
    assert response.status_code in (403, 404)
    assert "%PDF" not in response.text
