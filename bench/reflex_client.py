"""A minimal Reflex client speaking the browser's protocol: socket.io (Engine.IO v4) over a websocket on /_event.

What .web/utils/state.js does, reduced to what the load and crash tests need:
- connect to ws://host/_event/?EIO=4&transport=websocket&token=<client token> with the deployment's Origin, then
  to the socket.io namespace `/_event`;
- the handshake carries the login session's HttpOnly cookie and a user agent (the session is bound to it);
- the hydrate event (`reflex___state____state.hydrate_and_load`) rides in the socket.io CONNECT packet, with the
  page's router data;
- events are `42/_event,["event", {name, payload, router_data}]`; the server answers `42["event", {delta, events}]`;
  events whose name starts with `_` are for the browser (`_redirect`...), the others the server queues itself;
- navigation sends `on_load_internal` with the new page's router data, as the browser does on a route change;
- the server pings ("2"), the client answers ("3");
- a login ends as in the browser: the page's single-use handoff is posted to /api/session, whose answer sets the
  cookie and names the home page, which opens with a new socket.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import websockets

ROOT = "reflex___state____state"
NAMESPACE = "/_event"  # the socket.io namespace, also the Engine.IO path


def state_name(module: str, class_snake: str) -> str:
    """Reflex's full name of a state class: dcc_portal.state.login / login_state."""
    return f"{ROOT}.{module.replace('.', '___')}____{class_snake}"


LOGIN = state_name("dcc_portal.state.login", "login_state")
SESSION = state_name("dcc_portal.state.session", "session_state")
USER_AGENT = "dcc-portal-bench/1"
HYDRATE = f"{ROOT}.hydrate_and_load"
ON_LOAD = f"{ROOT}.reflex___state____on_load_internal_state.on_load_internal"
UPDATE_VARS = f"{ROOT}.reflex___state____update_vars_internal_state.update_vars_internal"


class ServerError(Exception):
    """The server answered with its generic error message (a handler failed) or closed the connection."""


class ReflexClient:
    def __init__(self, base_url: str, *, origin: str | None = None, token: str | None = None, login_state: str = LOGIN,
                 session_state: str = SESSION):
        self.base_url = base_url.rstrip("/")
        self.login_state, self.session_state = login_state, session_state  # another app's names (bench.load --floor)
        self.received = 0  # bytes of the server's event messages
        self.origin = origin or self.base_url
        self.client_token = token or str(uuid.uuid4())  # the tab's token (sessionStorage in the browser)
        self.session_token = ""  # the login session (the HttpOnly cookie `dcc_session`)
        self.state: dict[str, dict] = {}
        self.redirects: list[str] = []
        self.toasts: list[str] = []
        self.updates = 0
        self.path = "/"
        self.query: dict[str, str] = {}
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._changed = asyncio.Event()
        self.closed: BaseException | None = None
        self.on_update: Callable[[dict], None] | None = None  # for debugging: sees every update

    # ------------------------------------------------------------------------------------------ connection

    def _router_data(self, path: str) -> dict:
        parts = urlsplit(path)
        pathname = parts.path or "/"
        data = {"pathname": pathname, "asPath": path}
        query = dict(parse_qsl(parts.query))
        if query:
            data["query"] = query
        return data

    async def connect(self, path: str = "/login", *, timeout: float = 30) -> None:
        """Open the socket on a page: the hydrate event and the page's on_load run on the server."""
        self.path = path
        ws_url = self.base_url.replace("http", "ws", 1) + "/_event/?" + urlencode(
            {"EIO": "4", "transport": "websocket", "token": self.client_token})
        cookie = {"Cookie": f"dcc_session={self.session_token}"} if self.session_token else {}
        self._ws = await websockets.connect(ws_url, origin=self.origin, open_timeout=timeout, max_size=None,
                                            ping_interval=None, additional_headers=cookie, user_agent_header=USER_AGENT)
        opening = await asyncio.wait_for(self._ws.recv(), timeout)
        if not str(opening).startswith("0"):
            raise ServerError(f"unexpected Engine.IO opening: {opening!r}")
        boot = {"name": HYDRATE, "payload": {}, "router_data": self._router_data(path)}
        self.state.get(ROOT, {}).pop("is_hydrated_rx_state_", None)
        await self._ws.send(f"40{NAMESPACE}," + json.dumps({"event": boot}))
        self.closed = None
        self._reader = asyncio.create_task(self._read())
        # The page's on_load handlers run after the hydrate; the page is ready once the server says it is hydrated.
        await self.until(self.hydrated, timeout=timeout)

    def hydrated(self) -> bool:
        return self.state.get(ROOT, {}).get("is_hydrated_rx_state_") is True

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            await self._ws.close()

    async def _read(self) -> None:
        try:
            async for message in self._ws:
                if message == "2":
                    await self._ws.send("3")
                elif message.startswith(f"42{NAMESPACE},"):
                    self.received += len(message)
                    name, *args = json.loads(message[len(NAMESPACE) + 3:])
                    if name == "event" and args:
                        self._apply(args[0])
                elif message.startswith(f"44{NAMESPACE}"):
                    raise ServerError(f"connection refused: {message}")
                elif message.startswith(f"41{NAMESPACE}"):
                    raise ServerError("disconnected by the server")
        except BaseException as error:  # noqa: BLE001 - any end of the socket wakes the waiters
            self.closed = error if not isinstance(error, asyncio.CancelledError) else ServerError("closed")
            self._changed.set()
            if isinstance(error, asyncio.CancelledError):
                raise
        else:
            self.closed = ServerError("connection closed")
            self._changed.set()

    def _apply(self, update: dict) -> None:
        self.updates += 1
        if self.on_update is not None:
            self.on_update(update)
        for substate, values in (update.get("delta") or {}).items():
            self.state.setdefault(substate, {}).update(values)
        for event in update.get("events") or []:
            name = event.get("name", "")
            payload = event.get("payload") or {}
            if name == "_redirect":
                self.redirects.append(payload.get("path", ""))
            elif name.startswith("_call_function") or name.startswith("_toast"):
                self.toasts.append(json.dumps(payload, ensure_ascii=False)[:300])
        self._changed.set()

    # ------------------------------------------------------------------------------------------ events

    def get(self, state: str, name: str, default=None):
        return self.state.get(state, {}).get(f"{name}_rx_state_", default)

    async def emit(self, handler: str, payload: dict | None = None) -> None:
        event = {"name": handler, "payload": payload or {}, "router_data": self._router_data(self.path)}
        try:
            await self._ws.send(f"42{NAMESPACE}," + json.dumps(["event", event]))
        except websockets.ConnectionClosed as error:
            raise ServerError(f"connection closed: {error}") from error

    async def until(self, condition: Callable[[], bool], *, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.closed is not None:
                raise ServerError(str(self.closed))
            if any("generic_error" in toast or "Une erreur est survenue" in toast for toast in self.toasts):
                raise ServerError(f"server error: {self.toasts[-1]}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no answer from the server")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    async def call(self, handler: str, payload: dict | None, done: Callable[[], bool], *, timeout: float = 30) -> float:
        """Send one event and wait until `done()` holds; returns the latency in seconds."""
        start = time.perf_counter()
        await self.emit(handler, payload)
        await self.until(done, timeout=timeout)
        return time.perf_counter() - start

    async def navigate(self, path: str, done: Callable[[], bool], *, timeout: float = 30) -> float:
        """Go to another page as the browser's router does (the page's on_load runs on the server)."""
        self.path = path
        self.state.get(ROOT, {}).pop("is_hydrated_rx_state_", None)
        start = time.perf_counter()
        await self.emit(ON_LOAD)
        await self.until(lambda: done() and self.hydrated(), timeout=timeout)
        return time.perf_counter() - start

    def expect_update(self, state: str, name: str):
        """A condition that holds once `state.name` has been sent again after now (any value)."""
        before = self.updates
        marker = object()
        self.state.get(state, {}).pop(f"{name}_rx_state_", marker)
        return lambda: self.updates > before and f"{name}_rx_state_" in self.state.get(state, {})

    def expect_redirect(self):
        count = len(self.redirects)
        return lambda: len(self.redirects) > count

    # ------------------------------------------------------------------------------------------ login

    async def login(self, identifier: str, password: str, code_for: Callable[[int], Awaitable[str]], *,
                    timeout: float = 60) -> tuple[float, float, str]:
        """Password then TOTP through the login page; returns (password latency, code latency, home path).

        `code_for(attempt)` gives a code; a code refused (already used, or the step changed) is tried again with
        the next time step, as a user would wait for the next code."""
        await self.until(lambda: self.get(self.login_state, "step") == "password", timeout=timeout)
        self.state.get(self.login_state, {}).pop("step_rx_state_", None)
        self.state.get(self.login_state, {}).pop("form_error_rx_state_", None)
        password_latency = await self.call(
            f"{self.login_state}.submit_password", {"form_data": {"identifier": identifier, "password": password}},
            lambda: self.get(self.login_state, "step") == "code" or bool(self.get(self.login_state, "form_error")), timeout=timeout)
        if self.get(self.login_state, "step") != "code":
            raise ServerError(f"password refused for {identifier}: {self.get(self.login_state, 'form_error')}")
        for attempt in range(3):
            self.state.get(self.login_state, {}).pop("code_error_rx_state_", None)
            self.state.get(self.session_state, {}).pop("handoff_rx_state_", None)
            code_latency = await self.call(
                f"{self.login_state}.submit_code", {"form_data": {"code": await code_for(attempt)}},
                lambda: bool(self.get(self.session_state, "handoff")) or bool(self.get(self.login_state, "code_error")), timeout=timeout)
            if self.get(self.session_state, "handoff"):
                start = time.perf_counter()
                home = await self.complete_login(self.get(self.session_state, "handoff"), timeout=timeout)
                return password_latency, code_latency + time.perf_counter() - start, home
        raise ServerError(f"second factor refused for {identifier}: {self.get(self.login_state, 'code_error')}")

    async def complete_login(self, handoff: str, *, timeout: float = 60) -> str:
        """What the login page does with its handoff: post it, keep the cookie, open the home page on a new socket."""
        async with httpx.AsyncClient(timeout=timeout) as http:
            answer = await http.post(f"{self.base_url}/api/session", data={"handoff": handoff},
                                     headers={"Origin": self.origin, "User-Agent": USER_AGENT})
        self.session_token = answer.cookies.get("dcc_session", "")
        home = answer.headers.get("location", "")
        if answer.status_code != 303 or not self.session_token:
            raise ServerError(f"the session cookie was refused ({answer.status_code}, {home})")
        await self.close()
        await self.connect(home, timeout=timeout)
        return home
