"""/notifications: the inbox, newest first; opening one marks it read and goes to what it is about."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from dcc_portal.models import NotificationKind, Role
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.paging import Page
from dcc_portal.services.record import notifications
from dcc_portal.state.paging import PagedListMixin
from dcc_portal.state.session import SessionState, authenticated

PATIENT_PAGE = {Role.GP: "/gp/patient", Role.CLINICIAN: "/team/patient", Role.NURSE: "/team/patient",
                Role.RCP_SECRETARY: "/team/patient"}


class NotificationsState(PagedListMixin, rx.State):
    def _fetch(self, session: Session, actor: Actor) -> Page:
        return notifications.inbox(session, actor=actor, page=self.page)

    @rx.event
    async def open(self, public_id: str):
        async with authenticated(self) as (db, actor):
            item = notifications.mark_read(db, actor=actor, public_id=public_id)
            unread = notifications.unread_count(db, actor=actor)
        (await self.get_state(SessionState)).unread = unread
        if item is None:
            return None
        if item.kind == NotificationKind.PPS_UPDATED and actor.role == Role.PATIENT:
            return rx.redirect("/patient/pps")  # the patient's own page shows what changed
        if actor.role == Role.PATIENT and item.kind == NotificationKind.EMERGENCY_ACCESS:
            return rx.redirect("/patient/access-log")
        if item.document_public_id:
            return rx.redirect(f"/document?d={item.document_public_id}")
        if item.patient_public_id and actor.role in PATIENT_PAGE:
            return rx.redirect(f"{PATIENT_PAGE[actor.role]}?p={item.patient_public_id}")
        await self._reload()
        return None
