"""Login: identifier + password, then the second factor (TOTP, recovery code, or enrolment at first login)."""

from __future__ import annotations

import asyncio
import time

import reflex as rx

from dcc_portal import admission, db, texts
from dcc_portal.services.identity import auth, passwords, psc, sessions
from dcc_portal.state.session import HOME_BY_ROLE, Browser, SessionState, resolve_browser

PENDING_SECONDS = auth.PENDING_LOGIN_TTL.total_seconds()
QUEUED_NOTICE_AFTER = 2.0  # s at the login door before the page says the login is queued


class LoginState(rx.State):
    step: str = "password"  # password | code | recovery | enrol | codes | recovery_used | signing_in
    identifier_error: str = ""
    pw_error: str = ""
    code_error: str = ""
    form_error: str = ""
    busy: bool = False
    queued: bool = False  # waiting at the login door (`admission`) during a login storm
    enrol_qr: str = ""
    enrol_key: str = ""  # shown once while enrolling, cleared as soon as the first code confirms it
    shown_codes: list[str] = []  # the 10 recovery codes, shown once after enrolment
    notice: str = ""
    psc_enabled: bool = False

    # Server-only: which account passed the first factor, and until when.
    _pending_account_id: int = 0
    _pending_until: float = 0.0
    _handoff: str = ""  # held while the recovery codes are shown

    def _clear_errors(self) -> None:
        self.identifier_error = self.pw_error = self.code_error = self.form_error = ""

    def _restart(self, message: str = "") -> None:
        self._clear_errors()
        self.step = "password"
        self.enrol_qr = self.enrol_key = ""
        self.shown_codes = []
        self._pending_account_id = 0
        self._pending_until = 0.0
        self._handoff = self.notice = ""
        self.form_error = message
        self.busy = self.queued = False

    @rx.event
    async def start(self):
        """on_load of /login: a fresh form; an already signed-in user goes to their area. A password step already
        passed in this tab is kept: the prerendered form can be submitted before this event arrives."""
        if not (self._pending_account_id and time.time() < self._pending_until):
            self._restart()
        (await self.get_state(SessionState)).handoff = ""
        self.psc_enabled = psc.config() is not None
        refusal = self.router.url.query_parameters.get("psc", "")[:20]
        if refusal in texts.PSC_REFUSED:
            self.form_error = texts.PSC_REFUSED[refusal]
        with db.transaction() as session:
            actor = resolve_browser(session, self)
        if actor is not None:
            return rx.redirect(HOME_BY_ROLE[actor.role])
        return None

    @rx.event
    def restart(self):
        self._restart()

    def _pending(self) -> int | None:
        if self._pending_account_id and time.time() < self._pending_until:
            return self._pending_account_id
        self._restart(texts.AUTH["pending_expired"])
        return None

    @rx.event(background=True)
    async def submit_password(self, form_data: dict):
        """A background event: the state is not locked while the hash is checked, so a queue of logins in the
        password pool (a morning's login storm) delays this answer without holding the state past its lock's expiry."""
        identifier = str(form_data.get("identifier", ""))[:200]
        password = str(form_data.get("password", ""))[:10_000]
        async with self:
            self._clear_errors()
            if not identifier.strip():
                self.identifier_error = texts.AUTH["required_identifier"]
            if not password:
                self.pw_error = texts.AUTH["required_password"]
            if self.identifier_error or self.pw_error or self.busy:
                return
            self.busy = True
            ip = Browser.of(self).client_ip
        try:
            await self._wait_at_the_door()
            result, enrolment = await _password_step(identifier, password, ip)
        except BaseException:
            async with self:
                self.busy = self.queued = False
            raise
        async with self:
            self.busy = self.queued = False
            if not result.ok:
                self.form_error = result.message
                return
            self._pending_account_id = result.account_id
            self._pending_until = time.time() + PENDING_SECONDS
            if enrolment is not None:
                self.enrol_qr, self.enrol_key = enrolment.qr_data_uri, enrolment.key_text
                self.step = "enrol"
            else:
                self.step = "code"

    async def _wait_at_the_door(self) -> None:
        """A login storm queues at the door first, while this worker's pages are busy; a wait long enough to be
        noticed is said on the page."""
        turn = asyncio.ensure_future(admission.LOGINS.wait_turn())
        try:
            done, _pending = await asyncio.wait({turn}, timeout=QUEUED_NOTICE_AFTER)
            if not done:
                async with self:
                    self.queued = True
            await turn
        finally:
            turn.cancel()

    @staticmethod
    def _handoff_of(token: str) -> str:
        """The login's session token, rotated into the single-use secret the page exchanges for its cookie."""
        with db.transaction() as session:
            return sessions.begin_handoff(session, token=token)

    @rx.event
    async def submit_code(self, form_data: dict):
        self._clear_errors()
        account_id = self._pending()
        if account_id is None:
            return None
        browser = Browser.of(self)
        with db.transaction() as session:
            result = auth.check_totp(
                session, account_id=account_id, code=str(form_data.get("code", ""))[:50],
                client_ip=browser.client_ip, user_agent=browser.user_agent,
            )
        if not result.ok:
            self.code_error = result.message
            return None
        self._restart()
        self._handoff = self._handoff_of(result.token)
        await self._complete()
        return None

    @rx.event
    def show_recovery(self):
        self._clear_errors()
        self.step = "recovery"

    @rx.event
    def show_code(self):
        self._clear_errors()
        self.step = "code"

    @rx.event
    async def submit_recovery(self, form_data: dict):
        self._clear_errors()
        account_id = self._pending()
        if account_id is None:
            return None
        browser = Browser.of(self)
        with db.transaction() as session:
            result = auth.check_recovery_code(
                session, account_id=account_id, code=str(form_data.get("recovery", ""))[:50],
                client_ip=browser.client_ip, user_agent=browser.user_agent,
            )
        if not result.ok:
            self.code_error = result.message
            return None
        self._restart()
        self._handoff = self._handoff_of(result.token)
        self.notice = texts.AUTH["recovery_left"].format(n=result.recovery_codes_left)
        self.step = "recovery_used"
        return None

    @rx.event
    async def submit_enrolment(self, form_data: dict):
        self._clear_errors()
        account_id = self._pending()
        if account_id is None:
            return
        browser = Browser.of(self)
        with db.transaction() as session:
            result, codes = auth.confirm_enrolment(
                session, account_id=account_id, code=str(form_data.get("code", ""))[:50],
                client_ip=browser.client_ip, user_agent=browser.user_agent,
            )
        if not result.ok:
            self.code_error = result.message
            return
        self._pending_account_id = 0
        self._handoff = self._handoff_of(result.token)
        self.enrol_qr = self.enrol_key = ""
        self.shown_codes = codes
        self.step = "codes"

    @rx.event
    async def proceed(self):
        """After the recovery codes or the recovery-code notice."""
        await self._complete()

    async def _complete(self) -> None:
        """The login is complete: the page posts the handoff to the cookie route and lands in the user's area."""
        self.shown_codes = []
        self.notice = ""
        if not self._handoff:
            self._restart(texts.AUTH["pending_expired"])
            return
        (await self.get_state(SessionState)).handoff, self._handoff = self._handoff, ""
        self.step = "signing_in"

    @rx.event
    async def handoff_posted(self):
        """The page is leaving for the cookie route: this tab's next /login starts from a fresh form, not from a
        "signing in" view that would replace what the user has begun to type."""
        (await self.get_state(SessionState)).handoff = ""
        self._restart()


async def _password_step(identifier: str, password: str, ip: str):
    """The deliberately slow hash check runs in the password pool, outside any transaction: a burst of logins
    neither blocks this worker's other events nor holds the database's write lock. The short transactions around
    it run in a thread and are tried again when other writers got in the way."""
    attempt = await asyncio.to_thread(db.run, lambda session: auth.start_password_check(session, identifier=identifier,
                                                                                       client_ip=ip))
    if attempt.blocked:
        return auth.StepResult(False, attempt.blocked), None
    verified = await passwords.check_off_loop(password, attempt.password_hash)

    def finish(session):
        result = auth.finish_password_check(session, attempt=attempt, verified=verified, client_ip=ip)
        enrolment = None
        if result.ok and result.needs_enrolment:
            enrolment = auth.start_enrolment(session, account_id=result.account_id)
        return result, enrolment

    return await asyncio.to_thread(db.run, finish)
