"""Documents of one patient: the team's list with versions and release state and its forms (structured report,
PDF upload, new version, release decision); the patient's own released documents (the GP's: state/gp.py)."""

from __future__ import annotations

import secrets

import reflex as rx
from sqlmodel import Session

from dcc_portal import formatting
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.common.errors import StaleVersion, ValidationFailed
from dcc_portal.services.common.paging import Page
from dcc_portal.services.record import reports
from dcc_portal.state.paging import PagedListMixin
from dcc_portal.state.patient_file import PatientFileState
from dcc_portal.state.session import authenticated

REPORT_FIELDS = ("kind", "service_date", "title", "author", "establishment", "conclusion", "body", "announces_cancer", "validate",
                 "share_dmp")


class TeamDocumentsState(PagedListMixin, PatientFileState):
    can_write: bool = False
    can_file: bool = False
    can_validate: bool = False
    can_release: bool = False
    # form: "" | structured | upload | correct | new_file | release
    form: str = ""
    form_title: str = ""
    form_doc: str = ""
    form_values: dict[str, str] = {}
    form_key: str = ""
    staged_name: str = ""
    staged_size: str = ""
    errors: dict[str, str] = {}
    notice: str = ""
    saving: bool = False
    _patient_public_id: str = ""
    _form_version: int = 0
    _staged_token: str = ""

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return reports.team_documents(session, actor=actor, patient_public_id=self._patient_public_id, page=self.page)

    @rx.event
    async def load(self):
        self._patient_public_id = self.router.url.query_parameters.get("p", "")[:32]
        self.page, self.form, self.errors, self.notice = 1, "", {}, ""
        await self._reload()
        async with authenticated(self) as (db, actor):
            self.can_write = actor.role in reports.STRUCTURED_WRITERS
            self.can_file = actor.role in reports.FILERS
            self.can_validate = actor.role in reports.VALIDATORS
            self.can_release = actor.role in reports.RELEASERS

    def _open(self, form: str, title: str, values: dict[str, str], document: str = "", version: int = 0) -> None:
        self.form, self.form_title, self.form_values, self.form_doc = form, title, values, document
        self._form_version = version
        self.form_key = secrets.token_hex(16)
        self.errors, self.notice = {}, ""
        self.staged_name, self.staged_size, self._staged_token = "", "", ""

    @rx.event
    async def open_structured(self):
        async with authenticated(self) as (db, actor):
            establishment = reports.default_establishment(db, actor=actor)
        self._open("structured", "Nouveau compte rendu ou courrier", {
            "kind": "consultation", "service_date": formatting.paris_today().isoformat(),
            "establishment": establishment, "validate": "on", "share_dmp": "on"})

    @rx.event
    def open_upload(self):
        self._open("upload", "Déposer un compte rendu PDF", {
            "kind": "", "service_date": "", "validate": "on" if self.can_validate else "", "share_dmp": "on"})

    @rx.event
    async def open_correction(self, public_id: str):
        async with authenticated(self) as (db, actor):
            current = reports.edit_form(db, actor=actor, document_public_id=str(public_id)[:32])
        values = {"kind": current.kind, "service_date": current.service_date, "title": current.title,
                  "establishment": current.establishment, "conclusion": current.conclusion, "body": current.body,
                  "announces_cancer": current.announces_cancer, "share_dmp": current.share_dmp}
        if current.is_file:
            self._open("new_file", f"Nouvelle version du PDF : {current.title} (version {current.version})", values,
                       current.public_id, current.version)
        else:
            self._open("correct", f"Corriger : {current.title} (version {current.version})", values,
                       current.public_id, current.version)

    @rx.event
    def open_release(self, public_id: str, title: str, mode: str):
        self._open("release", f"Diffusion au patient : {str(title)[:120]}", {"mode": str(mode)[:10]}, str(public_id)[:32])

    @rx.event
    def close_form(self):
        self.form, self.errors = "", {}
        self._staged_token = ""

    @rx.event
    async def stage_file(self, files: list[rx.UploadFile]):
        if not files:  # the browser refused the file (file_rejected says why)
            return
        self.errors = {k: v for k, v in self.errors.items() if k != "file"}
        self.staged_name, self.staged_size, self._staged_token = "", "", ""
        upload = files[0]
        data = await upload.read(reports.MAX_UPLOAD_BYTES + 1)
        try:
            async with authenticated(self) as (db, actor):
                staged = reports.stage_pdf(db, actor=actor, patient_public_id=self._patient_public_id, data=data,
                                           file_name=upload.name or "")
        except ValidationFailed as error:
            self.errors = {**self.errors, **error.errors}
            return
        self._staged_token, self.staged_name, self.staged_size = staged.token, staged.name, staged.size

    @rx.event
    def file_rejected(self):
        """The browser refused the file before sending it (too big, not a PDF, several files)."""
        self.staged_name, self.staged_size, self._staged_token = "", "", ""
        self.errors = {**self.errors, "file": "Fichier refusé : choisissez un seul fichier PDF de 20 Mo au plus."}

    async def _save(self, action) -> bool:
        self.saving = True
        try:
            async with authenticated(self) as (db, actor):
                action(db, actor)
        except ValidationFailed as error:
            self.errors = error.errors
            return False
        except StaleVersion as error:
            self.errors = {"form": error.message}
            self.saving = False
            await self._reload()  # the list shows the version saved meanwhile; the form keeps what was typed
            return False
        finally:
            self.saving = False
        return True

    @rx.event
    async def submit(self, form_data: dict):
        if not self.form or self.saving:
            return
        self.errors, self.notice = {}, ""
        values = {name: str(form_data.get(name, "") or "")[:21000] for name in REPORT_FIELDS}
        reason = str(form_data.get("reason", "") or "")[:600]
        mode = str(form_data.get("mode", "") or "")[:10]
        self.form_values = {**self.form_values, **{k: v for k, v in values.items() if k in form_data},
                            "reason": reason, **({"mode": mode} if mode else {})}
        yield
        form, key, document, version, token = self.form, self.form_key, self.form_doc, self._form_version, self._staged_token
        patient = self._patient_public_id
        actions = {
            "structured": lambda db, actor: reports.create_structured(
                db, actor=actor, patient_public_id=patient, values=values, submission_key=key),
            "upload": lambda db, actor: reports.file_pdf(
                db, actor=actor, patient_public_id=patient, staged_token=token, values=values, submission_key=key),
            "correct": lambda db, actor: reports.correct_structured(
                db, actor=actor, document_public_id=document, expected_version=version, values=values, reason=reason),
            "new_file": lambda db, actor: reports.replace_pdf(
                db, actor=actor, document_public_id=document, expected_version=version, staged_token=token, reason=reason),
            "release": lambda db, actor: reports.set_release(
                db, actor=actor, document_public_id=document, mode=mode, reason=reason),
        }
        if not await self._save(actions[form]):
            return
        self.notice = {
            "structured": "Compte rendu enregistré.", "upload": "Compte rendu déposé.",
            "correct": "Nouvelle version enregistrée.", "new_file": "Nouvelle version du PDF enregistrée.",
            "release": "Diffusion au patient modifiée (motif tracé).",
        }[form]
        self.form, self._staged_token, self.staged_name = "", "", ""
        await self._reload()

    @rx.event
    async def validate(self, public_id: str, version: str):
        self.errors, self.notice = {}, ""
        try:
            number = int(str(version)[:6])
        except ValueError:
            return
        ok = await self._save(lambda db, actor: reports.validate_report(
            db, actor=actor, document_public_id=str(public_id)[:32], expected_version=number))
        if ok:
            self.notice = "Document validé : partagé avec le médecin traitant."
            await self._reload()


class MyDocumentsState(PagedListMixin, rx.State):
    """/patient/documents: the patient's released documents."""

    def _fetch(self, session: Session, actor: Actor) -> Page:
        return reports.my_documents(session, actor=actor, page=self.page)


