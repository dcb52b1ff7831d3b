"""Administration: accounts, organisations, care teams, the MSSanté directory."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal import texts
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import ValidationFailed
from dcc_portal.services.common.paging import Page
from dcc_portal.services.exchange import mssante_directory
from dcc_portal.services.identity import accounts, organisations
from dcc_portal.state.care_team import CareTeamState  # noqa: F401  the administrator manages care teams with it
from dcc_portal.state.paging import PagedListMixin
from dcc_portal.state.session import authenticated

T = texts.ADMIN


def _form(form_data: dict, *names: str) -> dict[str, str]:
    return {name: str(form_data.get(name, ""))[:200] for name in names}


class AdminAccountsState(PagedListMixin, rx.State):
    organisation_options: list[list[str]] = []
    create_errors: dict[str, str] = {}
    patient_errors: dict[str, str] = {}
    notice: str = ""

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return accounts.list_accounts(session, actor=actor, query=self.query, page=self.page)

    @rx.event
    async def load(self):
        self.page = 1
        self.notice = ""
        await self._reload()
        async with authenticated(self) as (session, actor):
            self.organisation_options = [[org.public_id, org.name] for org in organisations.options(session, actor=actor)]

    @rx.event
    async def create_professional(self, form_data: dict):
        self.create_errors, self.notice = {}, ""
        values = _form(form_data, "identifier", "role", "family_name", "given_name", "rpps", "specialty_code",
                       "organisation", "email", "phone")
        try:
            async with authenticated(self) as (session, actor):
                accounts.create_professional_account(
                    session, actor=actor, identifier=values["identifier"], role=values["role"],
                    family_name=values["family_name"], given_name=values["given_name"], rpps=values["rpps"],
                    specialty_code=values["specialty_code"], organisation_public_id=values["organisation"],
                    email=values["email"], phone=values["phone"],
                    initial_password=str(form_data.get("initial_password", ""))[:10_000],
                )
        except ValidationFailed as error:
            self.create_errors = error.errors
            return
        self.notice = T["created"]
        yield rx.set_value("initial_password", "")
        await self._reload()

    @rx.event
    async def create_patient(self, form_data: dict):
        self.patient_errors, self.notice = {}, ""
        values = _form(form_data, "patient_identifier", "patient", "patient_email")
        try:
            async with authenticated(self) as (session, actor):
                accounts.create_patient_account(
                    session, actor=actor, identifier=values["patient_identifier"],
                    patient_ins_or_local_id=values["patient"], email=values["patient_email"],
                    initial_password=str(form_data.get("patient_password", ""))[:10_000],
                )
        except ValidationFailed as error:
            self.patient_errors = {("patient_identifier" if k == "identifier" else "patient_password" if k == "initial_password" else k): v for k, v in error.errors.items()}
            return
        self.notice = T["created"]
        yield rx.set_value("patient_password", "")
        await self._reload()

    async def _act(self, action, public_id: str, **kwargs) -> None:
        async with authenticated(self) as (session, actor):
            done = action(session, actor=actor, account_public_id=str(public_id)[:32], **kwargs)
        self.notice = T["done"] if done else ""
        await self._reload()

    @rx.event
    async def disable(self, public_id: str):
        await self._act(accounts.set_active, public_id, active=False)

    @rx.event
    async def enable(self, public_id: str):
        await self._act(accounts.set_active, public_id, active=True)

    @rx.event
    async def reset_mfa(self, public_id: str):
        await self._act(accounts.reset_second_factor, public_id)

    @rx.event
    async def unlock(self, public_id: str):
        await self._act(accounts.unlock, public_id)


class AdminOrganisationsState(PagedListMixin, rx.State):
    create_errors: dict[str, str] = {}
    notice: str = ""

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return organisations.list_organisations(session, actor=actor, page=self.page)

    @rx.event
    async def create(self, form_data: dict):
        self.create_errors, self.notice = {}, ""
        values = _form(form_data, "name", "kind", "finess", "city", "phone")
        try:
            async with authenticated(self) as (session, actor):
                organisations.create_organisation(session, actor=actor, **values)
        except ValidationFailed as error:
            self.create_errors = error.errors
            return
        self.notice = T["done"]
        await self._reload()

    @rx.event
    async def allow_psc_only(self, public_id: str, allowed: bool):
        async with authenticated(self) as (session, actor):
            done = organisations.allow_psc_only(session, actor=actor, organisation_public_id=str(public_id)[:32],
                                                allowed=bool(allowed))
        self.notice = T["done"] if done else ""
        await self._reload()

class AdminMssanteState(PagedListMixin, rx.State):
    """The MSSanté directory: add or edit a mailbox, deactivate or reactivate one."""

    create_errors: dict[str, str] = {}
    notice: str = ""

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return mssante_directory.directory_page(session, actor=actor, query=self.query, page=self.page)

    @rx.event
    async def create(self, form_data: dict):
        self.create_errors, self.notice = {}, ""
        values = _form(form_data, "address", "owner", "label")
        try:
            async with authenticated(self) as (session, actor):
                mssante_directory.set_address(session, actor=actor, **values)
        except ValidationFailed as error:
            self.create_errors = error.errors
            return
        self.notice = T["done"]
        await self._reload()

    async def _activate(self, public_id: str, active: bool) -> None:
        async with authenticated(self) as (session, actor):
            done = mssante_directory.set_active(session, actor=actor, entry_public_id=str(public_id)[:32], active=active)
        self.notice = T["done"] if done else ""
        await self._reload()

    @rx.event
    async def disable(self, public_id: str):
        await self._activate(public_id, False)

    @rx.event
    async def enable(self, public_id: str):
        await self._activate(public_id, True)
