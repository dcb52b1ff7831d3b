"""/account: password change, recovery codes, own sessions."""

from __future__ import annotations

import reflex as rx

from dcc_portal import formatting, texts
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.identity import auth, passwords, sessions
from dcc_portal.services.record import mail
from dcc_portal.state.session import authenticated

T = texts.ACCOUNT


class AccountState(rx.State):
    open_sessions: list[dict[str, str]] = []
    codes_left: int = 0
    new_codes: list[str] = []
    change_errors: dict[str, str] = {}
    codes_errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    mail_enabled: bool = False
    mail_address: str = ""
    mail_error: str = ""

    @rx.event
    async def load(self):
        self.new_codes = []
        self.change_errors = {}
        self.codes_errors = {}
        self.notice = ""
        self.mail_error = ""
        await self._refresh()

    async def _refresh(self) -> None:
        async with authenticated(self) as (session, actor):
            listed = sessions.list_sessions(session, actor=actor)
            self.codes_left = auth.remaining_recovery_codes(session, actor=actor)
            choice = mail.preference(session, actor=actor)
        self.mail_enabled, self.mail_address = choice.enabled, choice.address
        self.open_sessions = [
            {
                "ref": item.public_ref,
                "created": formatting.datetime_fr(item.created_at),
                "seen": formatting.datetime_fr(item.last_seen_at),
                "ip": item.client_ip,
                "agent": formatting.device_label(item.user_agent),
                "current": "true" if item.current else "",
            }
            for item in listed
        ]

    @rx.event
    async def change_password(self, form_data: dict):
        self.change_errors = {}
        self.notice = ""
        self.busy = True
        yield
        current = str(form_data.get("current_password", ""))[:10_000]
        new_password = str(form_data.get("new_password", ""))[:10_000]
        async with authenticated(self) as (session, actor):
            errors = auth.new_password_errors(session, actor=actor, new_password=new_password,
                                              confirm=str(form_data.get("confirm", ""))[:10_000])
            stored = auth.stored_password_hash(session, actor=actor)
        if not errors:
            checked = await _check_current(current, stored)
            new_hash = await passwords.hash_off_loop(new_password) if checked.matches else ""
            async with authenticated(self) as (session, actor):
                errors = auth.change_password(session, actor=actor, current=checked, code=str(form_data.get("code", ""))[:50],
                                              new_password_hash=new_hash)
        self.busy = False
        if errors:
            self.change_errors = errors
            return
        self.notice = T["password_changed"]
        yield rx.set_value("current_password", "")
        await self._refresh()

    @rx.event
    async def regenerate_codes(self, form_data: dict):
        self.codes_errors = {}
        self.notice = ""
        async with authenticated(self) as (session, actor):
            stored = auth.stored_password_hash(session, actor=actor)
        checked = await _check_current(str(form_data.get("codes_password", ""))[:10_000], stored)
        async with authenticated(self) as (session, actor):
            errors, codes = auth.regenerate_recovery_codes(session, actor=actor, current=checked,
                                                           code=str(form_data.get("codes_code", ""))[:50])
        if errors:
            self.codes_errors = {("codes_password" if key == "current_password" else "codes_code"): value for key, value in errors.items()}
            return
        self.new_codes = codes
        self.notice = T["regenerated"]
        await self._refresh()

    @rx.event
    async def set_mail(self, enabled: bool):
        self.mail_error, self.notice = "", ""
        try:
            async with authenticated(self) as (session, actor):
                choice = mail.set_preference(session, actor=actor, enabled=enabled is True)
        except ValidationFailed as error:
            self.mail_error = error.errors.get("email_notifications", error.message)
            self.mail_enabled = False
            return
        self.mail_enabled, self.mail_address = choice.enabled, choice.address
        self.notice = T["mail_on"] if choice.enabled else T["mail_off"]

    @rx.event
    def hide_codes(self):
        self.new_codes = []

    @rx.event
    async def end_session(self, ref: str):
        async with authenticated(self) as (session, actor):
            sessions.end_session(session, actor=actor, public_ref=str(ref)[:16])
        self.notice = T["session_ended"]
        await self._refresh()


async def _check_current(password: str, stored_hash: str) -> auth.CurrentPassword:
    """The slow hash check of a sensitive change, in the password pool and outside any transaction."""
    matches, _ = await passwords.check_off_loop(password, stored_hash)
    return auth.CurrentPassword(checked_hash=stored_hash, matches=matches)
