"""Demo PPS: the programme of each demo patient in treatment or follow-up, from its tumour site's profile
(demo/profiles.py, demo/programmes.py), written after its RCP and handed over when its story says; some updated
with a CI-SIS reason. patient.simon has a released PPS whose newer version she has not read yet. Fictitious, like
the rest of the demo region; loading twice changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from dcc_portal.demo import acts, profiles, programmes
from dcc_portal.demo import rcp as demo_rcp
from dcc_portal.formatting import PARIS, paris_today
from dcc_portal.models import (
    Account,
    CancerDiagnosis,
    CareStage,
    CareTeamMembership,
    Document,
    DocumentKind,
    GpConsent,
    Patient,
    PpsAcknowledgement,
    Professional,
    TeamRole,
)
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.identity import sessions
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.record import documents

UNREAD_PATIENT = "patient.simon"


def _contacts(org_phone: str) -> list[dict]:
    return [
        {"who": "Infirmière de coordination en cancérologie", "reason": "Questions sur le traitement, rendez-vous, effets indésirables",
         "phone": "02 99 20 20 45", "hours": "Du lundi au vendredi, 9 h - 17 h", "emergency": ""},
        {"who": "Hôpital de jour d'oncologie", "reason": "Fièvre au-dessus de 38 °C, vomissements, saignements",
         "phone": org_phone, "hours": "24 h sur 24, 7 jours sur 7", "emergency": "true"},
        {"who": "Votre médecin traitant", "reason": "Suivi habituel, arrêt de travail, ordonnances", "phone": "", "hours": "", "emergency": ""},
    ]


def programme_form(profile: profiles.Profile, *, rcp: date, start: date, phone: str = "02 99 20 20 20") -> dict:
    """The PPS form of a profile's programme whose first treatment is on `start`."""
    programme = profile.programme(start)
    form = {"rcp_date": rcp.isoformat(), "end_of_treatment": "", **programme, "contacts": _contacts(phone)}
    form.setdefault("measures", [])
    form["rcp_proposal"] = programme["plan_summary"]
    return form


def issue(db: Session, *, author: Professional, patient: Patient, profile: profiles.Profile, rcp: date, treatment: date,
          follow_up: date | None, consent: str = GpConsent.AGREED, support_on: date | None = None) -> tuple[Document, dict]:
    """Write the programme after the RCP, hand it over with the treatment proposal (five days before the first
    treatment) as the referent physician does, add a support for the relatives on `support_on` when given, and once
    in follow-up replace it by the surveillance programme. Returns the document and the last form written."""
    actor = _actor(db, author)
    form = programme_form(profile, rcp=rcp, start=treatment)
    document = _write(db, actor, patient, None, form, when=_at(rcp + timedelta(days=2)))
    handed = max(rcp + timedelta(days=3), treatment - timedelta(days=5))
    handed_at = _at(handed, 12)
    with acts.act(db, actor, patient, at=handed_at, detail="PPS : remise au patient") as (handing, _grant):
        pps.hand_over(db, actor=handing, patient=patient, document=document, handed_over_on=handed, by=author,
                      consent=consent, now=handed_at)
    if support_on is not None and (follow_up is None or support_on < follow_up):
        form = _keep_uids(form, document, db)
        form["supportive_care"] = [*form["supportive_care"], {"type": "ORG-037", "contact": "Psychologue de l'équipe",
                                                              "detail": "Groupe de parole pour les proches, un jeudi par mois."}]
        document = _write(db, actor, patient, document, form, when=_at(support_on, 9), reason="MED-561")
    if follow_up is not None:
        form = {**form, **programmes.surveillance(follow_up), "end_of_treatment": follow_up.isoformat()}
        form["rcp_proposal"] = form["plan_summary"]
        _write(db, actor, patient, document, form, when=_at(follow_up), reason="MED-560")
    return document, form


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), PARIS).astimezone(UTC)


def _actor(db: Session, pro: Professional) -> Actor:
    account = db.exec(select(Account).where(Account.professional_id == pro.id)).one()
    return sessions.account_actor(db, account)


def _write(db: Session, actor: Actor, patient: Patient, document, form: dict, *, when: datetime, reason: str = "") -> Document:
    edited, errors = pc.normalize(form)
    if errors:
        raise AssertionError(f"demo PPS does not validate: {errors}")
    with acts.act(db, actor, patient, at=when, detail="PPS : enregistrement") as (writer, _grant):
        pps.write_version(db, actor=writer, patient=patient, document=document, edited=edited, reason_code=reason, now=when)
    return pps.current_document(db, patient_id=patient.id)


def load(db: Session, *, today: date | None = None) -> bool:
    """Adds the demo PPS once; False when there already is one."""
    if db.exec(select(Document.id).where(Document.kind == DocumentKind.PPS)).first() is not None:
        return False
    today = today or paris_today()
    chosen = db.exec(select(Patient).where(Patient.local_id.startswith("DEMO-"),
                                           Patient.care_stage.in_([CareStage.TREATMENT, CareStage.FOLLOW_UP]))
                     .order_by(Patient.local_id)).all()
    for number, patient in enumerate(chosen):
        story = demo_rcp.patient_story(patient, today)
        memberships = db.exec(select(CareTeamMembership).where(CareTeamMembership.patient_id == patient.id)).all()
        referent = next((m for m in memberships if m.team_role == TeamRole.REFERENT_PHYSICIAN), None)
        diagnosed = db.exec(select(CancerDiagnosis.id).where(CancerDiagnosis.patient_id == patient.id)).first()
        if referent is None or diagnosed is None or story.rcp is None or story.treatment is None:
            continue
        author = db.get(Professional, referent.professional_id)
        consent = GpConsent.REFUSED if number == 3 else GpConsent.AGREED
        handed = max(story.rcp + timedelta(days=3), story.treatment - timedelta(days=5))
        account = db.exec(select(Account).where(Account.identifier == UNREAD_PATIENT, Account.patient_id == patient.id)).first()
        support_on = min(handed + timedelta(days=10), today) if account is None and number % 3 == 2 else None
        document, form = issue(db, author=author, patient=patient, profile=story.profile, rcp=story.rcp,
                               treatment=story.treatment, follow_up=story.follow_up, consent=consent, support_on=support_on)
        if patient.medical_announcement_at is None:
            patient.medical_announcement_at = _at(handed, 11)
            db.add(patient)
        if account is not None:
            actor = _actor(db, author)
            db.add(PpsAcknowledgement(document_id=document.id, version=document.current_version, account_id=account.id,
                                      acknowledged_at=_at(handed, 20)))
            moved = dict(form)
            moved["treatments"] = [dict(item) for item in form["treatments"]]
            last = moved["treatments"][-1]
            last["start"] = (date.fromisoformat(last["start"]) + timedelta(days=7)).isoformat()
            last["time"] = "14:00"
            _write(db, actor, patient, document, _keep_uids(moved, document, db), when=_at(today - timedelta(days=1), 9), reason="GEN-176")
    db.flush()
    return True


def _keep_uids(form: dict, document: Document, db: Session) -> dict:
    """The same items as the stored version (same uids), so later versions update them rather than replace them."""
    stored = pc.as_form(documents.content_of(documents.version_row(db, document=document)))
    result = dict(form)
    for section in pc.SECTIONS:
        items = []
        for index, item in enumerate(form.get(section, [])):
            uid = stored[section][index]["uid"] if index < len(stored[section]) else pc.new_uid()
            items.append({**item, "uid": uid})
        result[section] = items
    return result
