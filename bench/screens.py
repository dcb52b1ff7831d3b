"""Server time of each screen on the regional dataset, next to the bare SQL query the screen needs (its floor).

    python -m dcc_portal generate-region --db-url URL      # once (minutes); then, as often as needed:
    python -m bench.screens --db-url URL [--runs 200] [--only gp_list,worklist] [--markdown]

Each measure is what a Reflex event handler does: one transaction that resolves the session token into an Actor
(a real session of a real account), calls the same service function the state calls (access check and audit event
included) and commits. The floor is the SQL alone, in its own transaction, without the ORM or the access rule: the
reads the screen needs and, for every screen whose handler records audit events (all of them here), the same number
of audit rows, appended to the hash chain with plain SQL (head read, the application's hash, INSERT, head moved on)
and committed durably, as the law requires of the screen itself. Handler and floor calls alternate, so that both go
through the same moments of a machine whose speed drifts. Prints p50/p95 and the ratio of the p95 to the floor's
p95, and warns when a floor does not write as many audit events as its handler.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import DateTime, bindparam, text
from sqlmodel import select

from bench.common import markdown_table, percentiles, print_table, timed_pair
from dcc_portal import db as dbmod
from dcc_portal import formatting, memory, settings
from dcc_portal.conformance import cda as cda_validation
from dcc_portal.demo import region
from dcc_portal.models import (
    Account,
    AuditAction,
    CareTeamMembership,
    CharterAcceptance,
    Document,
    DocumentKind,
    DocumentStatus,
    Patient,
    utcnow,
)
from dcc_portal.services.access import audit, audit_log, charter
from dcc_portal.services.access import rule as access
from dcc_portal.services.access.audit_log import AuditFilters
from dcc_portal.services.common import render
from dcc_portal.services.gp import area as gp_service
from dcc_portal.services.identity import sessions
from dcc_portal.services.indicators import report
from dcc_portal.services.indicators import summary as indicator_summary
from dcc_portal.services.indicators.sql import Filters
from dcc_portal.services.pps import cda as pps_cda
from dcc_portal.services.rcp import sitting as rcp_sitting
from dcc_portal.services.record import documents, downloads, pathway, patients
from dcc_portal.services.symptoms import alerts as symptom_alerts


@dataclass
class Screen:
    key: str
    label: str
    call: Callable[[object, object, int], object]  # (db, actor, i)
    account: str
    floor: Callable[[object, int], object]  # (db, i)
    runs: int | None = None


class World:
    """Accounts, patients and documents picked from the generated region (and the demo region inside it)."""

    def __init__(self, url: str):
        self.url = url
        self.tokens: dict[str, str] = {}
        with dbmod.transaction(url) as db:
            if db.exec(select(Account.id).where(Account.identifier == region.gp_identifier(1))).first() is None:
                raise SystemExit(f"no generated region in {url}: run `python -m dcc_portal generate-region --db-url {url}`")
            self.big_gp = region.gp_identifier(1)
            self.gp_professional = self._professional(db, self.big_gp)
            # The busiest hospital clinician (largest worklist) and a patient of theirs with many documents.
            busiest = db.exec(text(
                "SELECT m.professional_id, COUNT(*) AS n FROM care_team_membership m JOIN account a "
                "ON a.professional_id = m.professional_id WHERE a.role = 'clinician' AND a.identifier LIKE 'region.%' "
                "AND m.end_date IS NULL AND m.removed_at IS NULL GROUP BY m.professional_id ORDER BY n DESC LIMIT 1"
            )).one()
            self.team_professional, self.worklist_size = busiest
            self.clinician = db.exec(select(Account.identifier).where(Account.professional_id == self.team_professional)).one()
            heavy = db.exec(text(
                "SELECT d.patient_id, COUNT(*) AS n FROM document d JOIN care_team_membership m ON m.patient_id = d.patient_id "
                "WHERE m.professional_id = :pro AND m.end_date IS NULL AND m.removed_at IS NULL "
                "GROUP BY d.patient_id ORDER BY n DESC LIMIT 1"), params={"pro": self.team_professional}).one()
            self.patient_id, self.patient_documents = heavy
            self.patient_public = db.get(Patient, self.patient_id).public_id
            self.document_public = db.exec(select(Document.public_id).where(
                Document.patient_id == self.patient_id, Document.status == DocumentStatus.VALIDATED,
                Document.kind == DocumentKind.CONSULTATION)).first() or db.exec(select(Document.public_id).where(
                    Document.patient_id == self.patient_id, Document.status == DocumentStatus.VALIDATED)).first()
            # The next published session with the most registered cases, and a physician member of its RCP.
            session_row = db.exec(text(
                "SELECT s.id, s.public_id, s.rcp_id, COUNT(c.id) AS n FROM rcp_session s JOIN rcp_case c ON c.session_id = s.id "
                "WHERE s.status = 'published' AND s.starts_at > :now GROUP BY s.id, s.public_id, s.rcp_id ORDER BY n DESC LIMIT 1"
            ), params={"now": utcnow()}).one()
            self.session_id, self.session_public, self.session_rcp, self.session_cases = session_row
            rcp_id = self.session_rcp
            # The agenda audits one read per case not withdrawn, in its order.
            self.agenda_patients = list(db.exec(text(
                "SELECT patient_id FROM rcp_case WHERE session_id = :session AND status <> 'withdrawn' "
                "ORDER BY created_at"), params={"session": self.session_id}).scalars())
            self.rcp_member = db.exec(text(
                "SELECT a.identifier FROM rcp_member m JOIN account a ON a.professional_id = m.professional_id "
                "WHERE m.rcp_id = :rcp AND a.role = 'clinician' ORDER BY m.is_coordinator DESC LIMIT 1"),
                params={"rcp": rcp_id}).one()[0]
            self.audit_patient_local = db.exec(select(Patient.local_id).where(Patient.id == self.patient_id)).one()
            self.audit_user = self.clinician
            # A signed fiche RCP and a handed-over PPS of the demo region, with a care-team member of each patient.
            self.frcp_public, self.frcp_patient, self.frcp_reader = self._demo_document(db, DocumentKind.FRCP)
            self.pps_public, self.pps_patient, self.pps_reader = self._demo_document(db, DocumentKind.PPS)
            self.search_prefix = db.exec(select(Patient.search_name).where(
                Patient.gp_professional_id == self.gp_professional).order_by(Patient.id)).first()[:3]
            self._symptom_nurse(db)
        for identifier in {self.big_gp, self.clinician, self.rcp_member, self.frcp_reader, self.pps_reader, "admin.dsrc",
                           *([self.nurse] if self.nurse else [])}:
            self.tokens[identifier] = self._open_session(identifier)

    def _symptom_nurse(self, db) -> None:
        """The nurse with the most open symptom alerts among their patients, and what the first page shows."""
        today = formatting.paris_today()
        busiest = db.exec(text(
            f"SELECT m.professional_id, COUNT(*) AS n FROM symptom_alert a JOIN care_team_membership m "
            f"ON m.patient_id = a.patient_id JOIN account u ON u.professional_id = m.professional_id "
            f"WHERE a.acknowledged_at IS NULL AND u.role = 'nurse' AND {ACTIVE} "
            f"GROUP BY m.professional_id ORDER BY n DESC LIMIT 1"), params={"today": today}).first()
        self.nurse = self.nurse_professional = None
        self.open_alerts, self.alert_patients, self.alert_reports = 0, [], []
        if busiest is None:
            return
        self.nurse_professional, self.open_alerts = busiest
        self.nurse = db.exec(select(Account.identifier).where(Account.professional_id == self.nurse_professional)).one()
        page = db.exec(symptom_alerts.worklist_statements(self.nurse_professional, page=1, today=today)[1]).all()
        self.alert_patients = [alert.patient_id for alert in page]
        reports = [alert.report_id for alert in page]
        previous = [row[2] for row in db.exec(symptom_alerts.REPORTS_WITH_PREVIOUS, params={"report_ids": reports}).all()]
        self.alert_reports = (reports, sorted(set(reports) | {rid for rid in previous if rid is not None}))

    def _professional(self, db, identifier: str) -> int:
        return db.exec(select(Account.professional_id).where(Account.identifier == identifier)).one()

    def _demo_document(self, db, kind: str) -> tuple[str, int, str]:
        today = date.today()
        for document in db.exec(select(Document).where(Document.kind == kind, Document.status == DocumentStatus.VALIDATED)
                                .order_by(Document.id)).all():
            member = db.exec(
                select(Account.identifier).join(CareTeamMembership, CareTeamMembership.professional_id == Account.professional_id)
                .where(CareTeamMembership.patient_id == document.patient_id, access.active_membership_clause(today),
                       Account.role == "clinician").order_by(Account.id)).first()
            if member:
                return document.public_id, document.patient_id, member
        raise SystemExit(f"no validated {kind} document with a clinician in its patient's care team")

    def _open_session(self, identifier: str) -> str:
        with dbmod.transaction(self.url) as db:
            account = db.exec(select(Account).where(Account.identifier == identifier)).one()
            current = charter.current(db)
            if current is not None and charter.needs_acceptance(db, account_id=account.id):
                db.add(CharterAcceptance(account_id=account.id, charter_version_id=current.id))
            return sessions.open_session(db, account_id=account.id, client_ip="127.0.0.1", user_agent="bench.screens")


def _floor(sql: str, **fixed):
    statements = [part.strip() for part in sql.split(";") if part.strip()]

    def run(db, _i):
        for statement in statements:
            db.execute(text(statement), fixed).all()

    return run


def _compiled_floor(world: World, account: str, build: Callable[[object], list]):
    """The statements a service builds (SQLAlchemy Core), compiled once with their values, run as plain SQL."""
    compiled: list[str] = []

    def run(db, _i):
        if not compiled:
            actor = sessions.resolve(db, token=world.tokens[account], client_ip="127.0.0.1")
            dialect = db.get_bind().dialect
            compiled.extend(str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
                            for statement in build(actor))
        for sql in compiled:
            db.execute(text(sql)).all()

    return run


_AUDIT_HEAD = "SELECT seq, hash FROM audit_head WHERE id = 1"
# `at` is bound as the application binds it (SQLite stores a datetime as its own text, which the hash must match).
_AUDIT_INSERT = text(
    'INSERT INTO audit_event (seq, at, account_id, actor_role, organisation_id, action, outcome, patient_id, document_id, '
    'document_version, "grant", justification, detail, client_ip, session_hash, prev_hash, hash) VALUES (:seq, :at, '
    ':account_id, :actor_role, :organisation_id, :action, :outcome, :patient_id, :document_id, :document_version, '
    ':grant, :justification, :detail, :client_ip, :session_hash, :prev_hash, :hash)'
).bindparams(bindparam("at", type_=DateTime()))
_AUDIT_ADVANCE = text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1")


def _with_audit(world: World, account: str, action: str, floor, *, patients=(None,), document: str = ""):
    """floor, then one audit event per entry of `patients`, chained as audit._chain_pending chains them at commit:
    the head read (locked, where the database can), the application's own hash, the rows inserted, the head moved on.
    Same account, action, patient (and document) as the handler's events; marked as the floor's in their detail."""
    actor = []

    def run(db, i):
        floor(db, i)
        if not actor:
            actor.append(sessions.resolve(db, token=world.tokens[account], client_ip="127.0.0.1"))
        who = actor[0]
        lock = "" if db.get_bind().dialect.name == "sqlite" else " FOR UPDATE"  # SQLite: the transaction is IMMEDIATE
        seq, prev = db.execute(text(_AUDIT_HEAD + lock)).one()
        rows = []
        for patient_id in patients:
            seq += 1
            row = {"seq": seq, "at": utcnow(), "account_id": who.account_id, "actor_role": str(who.role),
                   "organisation_id": who.organisation_id, "action": str(action), "outcome": "success",
                   "patient_id": patient_id, "document_id": document, "document_version": None, "grant": "",
                   "justification": "", "detail": "bench.screens floor", "client_ip": who.client_ip,
                   "session_hash": who.session_hash, "prev_hash": prev}
            row["hash"] = prev = audit.event_hash(prev, row)
            rows.append(row)
        db.execute(_AUDIT_INSERT, rows)
        db.execute(_AUDIT_ADVANCE, {"seq": seq, "hash": prev})

    return run


ACTIVE = "m.start_date <= :today AND (m.end_date IS NULL OR m.end_date >= :today) AND m.removed_at IS NULL"


def _symptom_screen(world: World) -> list[Screen]:
    """The nurses' alert worklist, first page: the open alerts of the busiest nurse's patients, oldest first."""
    if world.nurse is None:
        return []
    reports, with_previous = world.alert_reports

    def build(actor):
        count, page = symptom_alerts.worklist_statements(actor.professional_id, page=1, today=formatting.paris_today())
        shown = page.subquery()
        return [count, page, select(Patient).where(Patient.id.in_(select(shown.c.patient_id))),
                symptom_alerts.REPORTS_WITH_PREVIOUS.params(report_ids=reports),
                symptom_alerts.PRESENT_ANSWERS.params(report_ids=with_previous)]

    return [Screen("symptom_alerts", f"IDE : alertes symptômes, 1re page ({world.open_alerts} ouvertes)",
                   lambda db, actor, _i: symptom_alerts.worklist(db, actor=actor, page=1), world.nurse,
                   _with_audit(world, world.nurse, AuditAction.READ, _compiled_floor(world, world.nurse, build),
                               patients=world.alert_patients))]


def _indicators_screen(world: World) -> Screen:
    """The administrator's Indicateurs page, whole network, last 12 months (from the summary tables once the periodic
    job has filled them); its floor: the same figures computed without the session, scope and filter checks."""
    today = formatting.paris_today()
    start = today - timedelta(days=365)

    def call(db, actor, _i):
        report.indicators(db, actor=actor, date_from=start.isoformat(), date_to=today.isoformat())

    def figures(db, _i):
        filters = Filters(start, today)
        summarised = indicator_summary.state(db) is not None
        report.compute(db, filters, {}, summarised=summarised)
        report.use(db, filters, summarised=summarised)

    return Screen("indicators", "administrateur : indicateurs du réseau, 12 mois", call, "admin.dsrc",
                  _with_audit(world, "admin.dsrc", AuditAction.READ, figures), runs=20)


def screens(world: World) -> list[Screen]:
    today = date.today()
    pro = world.team_professional
    patient_columns = "p.public_id, p.birth_family_name, p.used_family_name, p.first_names, p.used_first_name, " \
                      "p.birth_date, p.sex, p.ins, p.care_stage, p.gp_professional_id"
    prefix = world.search_prefix
    team_where = f"p.id IN (SELECT m.patient_id FROM care_team_membership m WHERE m.professional_id = :pro AND {ACTIVE})"
    documents_page = ("SELECT p.id FROM document p WHERE p.patient_id = :patient AND p.status <> 'entered_in_error' "
                      "ORDER BY p.created_at DESC, p.id DESC LIMIT 20")
    on_agenda = "c.session_id = :session AND c.status <> 'withdrawn'"
    read, search, admin, export = AuditAction.READ, AuditAction.SEARCH, AuditAction.ADMIN, AuditAction.EXPORT

    def document_open(db, actor, _i):
        documents.describe(db, actor=actor, document_public_id=world.document_public)
        downloads.issue(db, actor=actor, producer="document_view", target=world.document_public, inline=True)

    def document_view(db, actor, _i):
        documents.produce_view(db, actor=actor, target=world.document_public)

    def frcp_layout(db, _actor, _i):
        # What documents.lay_out_pdf_ahead does after a signature, without keeping the result.
        document = db.exec(select(Document).where(Document.public_id == world.frcp_public)).one()
        render.pdf(documents.print_html(db, document=document, version=documents.version_row(db, document=document),
                                        patient=db.get(Patient, document.patient_id)))

    def cda(db, actor, _i):
        xml = pps_cda.cda_bytes(db, actor=actor, document_public_id=world.pps_public)
        errors = cda_validation.xsd_errors(xml)
        if errors:
            raise RuntimeError(f"PPS CDA does not validate: {errors[:3]}")

    return [
        Screen("gp_list", f"GP « mes patients », 1re page ({world.big_gp})",
               lambda db, actor, _i: gp_service.my_patients(db, actor=actor, page=1), world.big_gp,
               _with_audit(world, world.big_gp, search, _compiled_floor(
                   world, world.big_gp, lambda actor: list(gp_service.list_statements_with_values(
                       actor, query="", page=1, today=formatting.paris_today()))))),
        Screen("gp_search", f"GP « mes patients », recherche « {prefix} »",
               lambda db, actor, _i: gp_service.my_patients(db, actor=actor, query=prefix, page=1), world.big_gp,
               _with_audit(world, world.big_gp, search, _compiled_floor(
                   world, world.big_gp, lambda actor: list(gp_service.list_statements_with_values(
                       actor, query=prefix, page=1, today=formatting.paris_today()))))),
        Screen("worklist", f"équipe : liste de travail ({world.worklist_size} patients)",
               lambda db, actor, _i: patients.list_for_team(db, actor=actor, page=1), world.clinician,
               # The busiest clinician's patients are most of the region: read in name order, keeping theirs.
               _with_audit(world, world.clinician, search, _floor(
                   f"SELECT COUNT(*) FROM patient p WHERE {team_where}; SELECT {patient_columns} FROM patient p "
                   f"WHERE EXISTS (SELECT 1 FROM care_team_membership m WHERE m.patient_id = p.id "
                   f"AND m.professional_id = :pro AND {ACTIVE}) ORDER BY p.search_name, p.id LIMIT 20",
                   pro=pro, today=today))),
        Screen("pathway", f"parcours patient : frise + documents ({world.patient_documents} documents)",
               lambda db, actor, _i: (pathway.timeline(db, actor=actor, patient_public_id=world.patient_public),
                                      documents.list_for_patient(db, actor=actor, patient_public_id=world.patient_public)),
               world.clinician,
               # Two audited reads: the timeline and the document list.
               _with_audit(world, world.clinician, read, _floor(
                   "SELECT e.public_id, e.kind, e.occurred_on, e.title, d.public_id FROM pathway_event e "
                   "LEFT JOIN document d ON d.id = e.document_id WHERE e.patient_id = :patient "
                   "ORDER BY e.occurred_on, e.id LIMIT 500; "
                   "SELECT COUNT(*) FROM document d WHERE d.patient_id = :patient AND d.status <> 'entered_in_error'; "
                   "SELECT d.public_id, d.kind, d.title, d.status, d.current_version, d.service_date, d.updated_at "
                   "FROM document d WHERE d.patient_id = :patient AND d.status <> 'entered_in_error' "
                   "ORDER BY d.created_at DESC, d.id DESC LIMIT 20; "
                   # Each row's author: named in its current version, or the authoring professional.
                   f"SELECT v.document_id, v.content_json, v.file_name FROM document_version v JOIN document d "
                   f"ON d.id = v.document_id AND v.version = d.current_version WHERE d.id IN ({documents_page}); "
                   f"SELECT r.id, r.family_name, r.given_name FROM professional r WHERE r.id IN "
                   f"(SELECT d.author_professional_id FROM document d WHERE d.id IN ({documents_page}))",
                   patient=world.patient_id),
                   patients=(world.patient_id, world.patient_id))),
        Screen("rcp_agenda", f"RCP : ordre du jour d'une séance ({world.session_cases} dossiers)",
               lambda db, actor, _i: rcp_sitting.session_detail(db, actor=actor, session_public_id=world.session_public),
               world.rcp_member,
               # What the agenda shows: its cases, the attendance sheet, each case's checklist (document kinds,
               # diagnosis, médecin traitant) and the professionals named; one audited read per patient on it.
               _with_audit(world, world.rcp_member, read, _floor(
                   f"SELECT c.public_id, c.reason, c.question, c.status, c.checklist_json, c.requester_professional_id, "
                   f"c.presenter_professional_id, c.document_id, p.public_id, p.birth_family_name, p.first_names, "
                   f"p.gp_professional_id FROM rcp_case c JOIN patient p ON p.id = c.patient_id WHERE {on_agenda} "
                   f"ORDER BY c.created_at; "
                   f"SELECT professional_id, specialty_code FROM rcp_attendance WHERE session_id = :session; "
                   f"SELECT m.professional_id, m.is_coordinator, r.family_name, r.given_name, r.specialty_code "
                   f"FROM rcp_member m JOIN professional r ON r.id = m.professional_id WHERE m.rcp_id = :rcp "
                   f"ORDER BY r.family_name; "
                   f"SELECT DISTINCT d.patient_id, d.kind FROM document d JOIN rcp_case c ON c.patient_id = d.patient_id "
                   f"WHERE {on_agenda} AND d.status = 'validated'; "
                   f"SELECT g.* FROM cancer_diagnosis g JOIN rcp_case c ON c.patient_id = g.patient_id WHERE {on_agenda}; "
                   f"SELECT r.id, r.family_name, r.given_name, r.specialty_code FROM professional r WHERE r.id IN "
                   f"(SELECT p.gp_professional_id FROM rcp_case c JOIN patient p ON p.id = c.patient_id WHERE {on_agenda} "
                   f"UNION SELECT c.requester_professional_id FROM rcp_case c WHERE {on_agenda} "
                   f"UNION SELECT c.presenter_professional_id FROM rcp_case c WHERE {on_agenda})",
                   session=world.session_id, rcp=world.session_rcp),
                   patients=world.agenda_patients)),
        Screen("audit_patient", "audit : recherche par patient (1re page)",
               lambda db, actor, _i: audit_log.search(db, actor=actor, filters=AuditFilters(patient=world.audit_patient_local)),
               "admin.dsrc",
               _with_audit(world, "admin.dsrc", admin, _floor(
                   "SELECT COUNT(*) FROM (SELECT 1 FROM audit_event WHERE patient_id = :patient LIMIT 10001) AS capped; "
                   "SELECT * FROM audit_event WHERE patient_id = :patient ORDER BY at DESC, seq DESC LIMIT 50",
                   patient=world.patient_id))),
        Screen("audit_user_month", "audit : un utilisateur sur un mois (1re page)",
               lambda db, actor, _i: audit_log.search(db, actor=actor, filters=AuditFilters(
                   user=world.audit_user, date_from=(today - timedelta(days=30)).isoformat(), date_to=today.isoformat())),
               "admin.dsrc",
               _with_audit(world, "admin.dsrc", admin, _floor(
                   "SELECT COUNT(*) FROM (SELECT 1 FROM audit_event a JOIN account u ON u.id = a.account_id "
                   "WHERE u.identifier = :user AND a.at >= :start LIMIT 10001) AS capped; "
                   "SELECT a.* FROM audit_event a JOIN account u ON u.id = a.account_id WHERE u.identifier = :user "
                   "AND a.at >= :start ORDER BY a.at DESC, a.seq DESC LIMIT 50",
                   user=world.audit_user, start=utcnow() - timedelta(days=31)))),
        Screen("document_open", "ouverture d'un document (lecteur + ticket, audité)", document_open, world.clinician,
               _with_audit(world, world.clinician, read, _floor(
                   "SELECT * FROM document WHERE public_id = :doc; SELECT v.* FROM document_version v JOIN document d "
                   "ON d.id = v.document_id AND v.version = d.current_version WHERE d.public_id = :doc",
                   doc=world.document_public), patients=(world.patient_id,), document=world.document_public)),
        Screen("document_view", "vue imprimable du document (/api/files)", document_view, world.clinician,
               _with_audit(world, world.clinician, read, _floor(
                   "SELECT v.content_json FROM document_version v JOIN document d ON d.id = v.document_id "
                   "AND v.version = d.current_version WHERE d.public_id = :doc", doc=world.document_public),
                   patients=(world.patient_id,), document=world.document_public)),
        Screen("frcp_pdf", "fiche RCP en PDF (mise en page conservée, servie)",
               lambda db, actor, _i: documents.produce_pdf(db, actor=actor, target=world.frcp_public), world.frcp_reader,
               _with_audit(world, world.frcp_reader, export, _floor(
                   "SELECT v.content_json FROM document_version v JOIN document d ON d.id = v.document_id "
                   "AND v.version = d.current_version WHERE d.public_id = :doc", doc=world.frcp_public),
                   patients=(world.frcp_patient,), document=world.frcp_public), runs=30),
        Screen("frcp_pdf_layout", "fiche RCP : mise en page WeasyPrint (en tâche de fond, une fois par version)",
               frcp_layout, world.frcp_reader,
               _floor("SELECT v.content_json FROM document_version v JOIN document d ON d.id = v.document_id "
                      "AND v.version = d.current_version WHERE d.public_id = :doc", doc=world.frcp_public), runs=30),
        Screen("cda", "CDA R2 du PPS : génération + validation XSD", cda, world.pps_reader,
               _with_audit(world, world.pps_reader, export, _floor(
                   "SELECT v.content_json FROM document_version v JOIN document d ON d.id = v.document_id "
                   "AND v.version = d.current_version WHERE d.public_id = :doc", doc=world.pps_public),
                   patients=(world.pps_patient,), document=world.pps_public), runs=50),
        *_symptom_screen(world),
        _indicators_screen(world),
    ]


def measure(world: World, screen: Screen, runs: int) -> tuple[list[float], list[float]]:
    token = world.tokens[screen.account]

    def handler(i):
        with dbmod.transaction(world.url) as db:
            actor = sessions.resolve(db, token=token, client_ip="127.0.0.1")
            if actor is None:
                raise RuntimeError(f"session of {screen.account} not valid")
            screen.call(db, actor, i)

    def floor(i):
        with dbmod.transaction(world.url) as db:
            screen.floor(db, i)

    def head() -> int:
        with dbmod.transaction(world.url) as db:
            return db.execute(text(_AUDIT_HEAD)).one()[0]

    def events_written(call) -> int:
        before = head()
        call(0)
        return head() - before

    handler_events, floor_events = events_written(handler), events_written(floor)
    if handler_events != floor_events:
        print(f"  {screen.key}: the floor wrote {floor_events} audit events, the handler {handler_events}", file=sys.stderr)
    return timed_pair(handler, floor, screen.runs or runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screens", description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=os.environ.get("REFLEX_DB_URL") or settings.db_url(),
                        help="database holding the generated region (default REFLEX_DB_URL)")
    parser.add_argument("--runs", type=int, default=200, help="timed calls per screen (PDF and CDA: fewer)")
    parser.add_argument("--only", default="", help="comma-separated screen keys")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table (for the README)")
    args = parser.parse_args(argv)

    world = World(args.db_url)
    memory.settle()  # the garbage collector as a portal worker runs it once started
    backend = "PostgreSQL" if not args.db_url.startswith("sqlite") else "SQLite (WAL, synchronous=FULL)"
    with dbmod.transaction(args.db_url) as db:
        counts = {name: db.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one()
                  for name in ("patient", "document", "audit_event", "rcp_session")}
    print(f"DCC Portal — screens on the regional dataset ({backend}, {os.cpu_count()} CPU), {date.today()}: "
          f"{counts['patient']:,} patients, {counts['document']:,} documents, {counts['audit_event']:,} audit events, "
          f"{counts['rcp_session']:,} RCP sessions")
    print()
    wanted = {key.strip() for key in args.only.split(",") if key.strip()}
    rows = []
    for screen in screens(world):
        if wanted and screen.key not in wanted:
            continue
        handler, floor = measure(world, screen, args.runs)
        (p50, p95), (f50, f95) = percentiles(handler), percentiles(floor)
        rows.append((screen.label, f"{p50:.1f} ms", f"{p95:.1f} ms", f"{f50:.1f} ms", f"{f95:.1f} ms", f"{p95 / f95:.1f}×"))
        print(f"  {screen.key}: p95 {p95:.1f} ms (floor {f95:.1f} ms)", file=sys.stderr)
    dbmod.dispose_engines()
    header = ("screen (service calls of the handler)", "p50", "p95", "floor p50", "floor p95", "p95 / floor")
    print(markdown_table(header, rows) if args.markdown else "")
    if not args.markdown:
        print_table(header, rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
