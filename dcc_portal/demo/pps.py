"""Demo PPS: realistic programmes (chemotherapy cycles, radiotherapy, surgery, follow-up) for demo patients in
treatment or follow-up, handed over, some updated with a CI-SIS reason. patient.simon has a released PPS whose
newer version she has not read yet. Fictitious, like the rest of the demo region; loading twice changes nothing."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from dcc_portal.formatting import PARIS
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
    Role,
    TeamRole,
)
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.identity import sessions
from dcc_portal.services.pps import content as pc
from dcc_portal.services.pps import programme as pps
from dcc_portal.services.record import documents

UNREAD_PATIENT = "patient.simon"
DEMO_PATIENTS = 8

DIAGNOSES = {
    "breast": ("C50.9", "Tumeur maligne du sein, sans précision", "8500/3", "Carcinome canalaire infiltrant", "left", "2", "1", "0"),
    "colon": ("C18.9", "Tumeur maligne du côlon, sans précision", "8140/3", "Adénocarcinome", "", "3", "1", "0"),
    "lung": ("C34.9", "Tumeur maligne d'une bronche ou du poumon, sans précision", "8140/3", "Adénocarcinome", "right", "2", "2", "0"),
    "prostate": ("C61", "Tumeur maligne de la prostate", "8140/3", "Adénocarcinome", "", "2", "0", "0"),
}


def _iso(day: date) -> str:
    return day.isoformat()


def _contacts(org_phone: str) -> list[dict]:
    return [
        {"who": "Infirmière de coordination en cancérologie", "reason": "Questions sur le traitement, rendez-vous, effets indésirables",
         "phone": "02 99 20 20 45", "hours": "Du lundi au vendredi, 9 h - 17 h", "emergency": ""},
        {"who": "Hôpital de jour d'oncologie", "reason": "Fièvre au-dessus de 38 °C, vomissements, saignements",
         "phone": org_phone, "hours": "24 h sur 24, 7 jours sur 7", "emergency": "true"},
        {"who": "Votre médecin traitant", "reason": "Suivi habituel, arrêt de travail, ordonnances", "phone": "", "hours": "", "emergency": ""},
    ]


def _breast(start: date) -> dict:
    surgery = start + timedelta(days=21 * 4 + 7 * 12 + 28)
    return {
        "plan_summary": "Quatre cures de chimiothérapie EC puis douze perfusions hebdomadaires de paclitaxel, ensuite une opération "
                        "du sein, puis des séances de radiothérapie et une hormonothérapie par comprimés pendant 5 ans.",
        "treatments": [
            {"type": "C15632", "title": "Chimiothérapie EC (épirubicine, cyclophosphamide)", "start": _iso(start), "time": "09:00",
             "sessions": "4", "every_days": "21", "rhythm": "Une cure toutes les 3 semaines", "place": "Hôpital de jour, Institut Loire-Océan",
             "route": "20045000", "side_effects": "Fatigue, nausées, chute des cheveux, baisse des globules blancs (risque d'infection).",
             "management": "Médicaments contre les nausées à prendre 3 jours. Prise de sang avant chaque cure. Fièvre au-dessus de 38 °C : appeler l'hôpital de jour."},
            {"type": "C15632", "title": "Chimiothérapie par paclitaxel", "start": _iso(start + timedelta(days=84)), "time": "10:30",
             "sessions": "12", "every_days": "7", "rhythm": "Une perfusion par semaine", "place": "Hôpital de jour, Institut Loire-Océan",
             "route": "20045000", "side_effects": "Fourmillements des mains et des pieds, douleurs musculaires, fatigue.",
             "management": "Signaler tout fourmillement gênant à l'infirmière : la dose peut être adaptée."},
            {"type": "387713003", "title": "Chirurgie du sein (tumorectomie et ganglion sentinelle)", "start": _iso(surgery),
             "time": "08:00", "place": "Bloc opératoire, CHU de Villeneuve-sur-Loire", "side_effects": "Douleur et raideur de l'épaule quelques semaines.",
             "management": "Antalgiques prescrits à la sortie ; exercices de kinésithérapie."},
            {"type": "C15313", "title": "Radiothérapie du sein", "start": _iso(surgery + timedelta(days=42)), "time": "11:15",
             "sessions": "15", "weekdays_only": "true", "rhythm": "Une séance par jour du lundi au vendredi, pendant 3 semaines",
             "place": "Service de radiothérapie, Institut Loire-Océan", "side_effects": "Rougeur de la peau, fatigue.",
             "management": "Crème hydratante prescrite, pas de déodorant sur la zone traitée."},
            {"type": "C15445", "title": "Hormonothérapie (létrozole)", "start": _iso(surgery + timedelta(days=70)),
             "end": _iso(surgery + timedelta(days=70 + 5 * 365)), "rhythm": "Un comprimé par jour pendant 5 ans", "at_home": "true",
             "route": "20053000", "side_effects": "Douleurs articulaires, bouffées de chaleur.", "management": "Activité physique régulière ; en parler à votre médecin."},
        ],
        "follow_up": [
            {"type": "11429006", "title": "Consultation avec votre oncologue", "date": _iso(start + timedelta(days=62)), "time": "14:30",
             "place": "Institut Loire-Océan"},
            {"type": "MED-092", "title": "IRM mammaire de fin de chimiothérapie", "date": _iso(surgery - timedelta(days=14)),
             "time": "08:45", "place": "Service d'imagerie, CHU"},
        ],
        "measures": [{"type": "MED-555", "detail": "Contraception non hormonale pendant les traitements."}],
        "supportive_care": [
            {"type": "ORG-175", "detail": "Programme d'activité physique adaptée, 2 séances par semaine.", "contact": "Maison sport-santé"},
            {"type": "ORG-036", "detail": "Consultation diététique si perte de poids.", "contact": "Diététicienne de l'hôpital de jour"},
        ],
        "social": [{"type": "PAT-024", "detail": "Aide ménagère pendant la chimiothérapie (demande faite par l'assistante sociale)."}],
    }


def _colon(start: date) -> dict:
    return {
        "plan_summary": "Après l'opération du côlon, une chimiothérapie FOLFOX de 6 mois : une cure toutes les 2 semaines, "
                        "avec une perfusion qui continue 2 jours à la maison.",
        "treatments": [
            {"type": "387713003", "title": "Colectomie (opération du côlon)", "start": _iso(start - timedelta(days=40)),
             "place": "Clinique du Parc", "side_effects": "Fatigue, transit perturbé quelques semaines.", "management": "Alimentation progressive."},
            {"type": "C15632", "title": "Chimiothérapie FOLFOX", "start": _iso(start), "time": "09:30", "sessions": "12", "every_days": "14",
             "rhythm": "Une cure toutes les 2 semaines pendant 6 mois ; diffuseur portable 46 heures à domicile",
             "place": "Hôpital de jour, CHU de Villeneuve-sur-Loire", "route": "20045000",
             "side_effects": "Fourmillements des doigts aggravés par le froid, nausées, diarrhée, aphtes.",
             "management": "Éviter les boissons et objets froids 5 jours après la cure. Diarrhée plus de 3 fois par jour : appeler."},
        ],
        "follow_up": [
            {"type": "MED-091", "title": "Prise de sang (numération, plaquettes)", "date": _iso(start + timedelta(days=12)),
             "place": "Laboratoire de ville", "rhythm": "La veille de chaque cure"},
            {"type": "MED-092", "title": "Scanner thoraco-abdomino-pelvien", "date": _iso(start + timedelta(days=90)), "time": "10:00",
             "place": "Service d'imagerie, CHU", "rhythm": "Tous les 3 mois"},
            {"type": "11429006", "title": "Consultation avec votre oncologue", "date": _iso(start + timedelta(days=97)), "time": "16:00",
             "place": "CHU de Villeneuve-sur-Loire"},
        ],
        "supportive_care": [{"type": "ORG-036", "detail": "Conseils alimentaires pendant la chimiothérapie.", "contact": "Diététicienne"}],
        "social": [{"type": "GEN-092.04.08", "detail": "Arrêt de travail pendant la chimiothérapie ; reprise à temps partiel à discuter."}],
    }


def _lung(start: date) -> dict:
    return {
        "plan_summary": "Quatre cures associant chimiothérapie et immunothérapie, puis un traitement d'entretien toutes les 3 semaines.",
        "treatments": [
            {"type": "C15632", "title": "Chimiothérapie carboplatine-pémétrexed avec immunothérapie (pembrolizumab)", "start": _iso(start),
             "time": "09:00", "sessions": "4", "every_days": "21", "rhythm": "Une cure toutes les 3 semaines",
             "place": "Hôpital de jour de pneumologie, CHU", "route": "20045000",
             "side_effects": "Fatigue, nausées, baisse des globules ; l'immunothérapie peut provoquer diarrhée, toux ou éruption.",
             "management": "Vitamines B9 et B12 prescrites. Toute diarrhée, toux nouvelle ou essoufflement : appeler sans attendre."},
            {"type": "C15262", "title": "Immunothérapie d'entretien (pembrolizumab)", "start": _iso(start + timedelta(days=84)), "time": "09:00",
             "sessions": "8", "every_days": "21", "place": "Hôpital de jour de pneumologie, CHU", "route": "20045000"},
        ],
        "follow_up": [{"type": "MED-092", "title": "Scanner thoracique d'évaluation", "date": _iso(start + timedelta(days=70)),
                       "time": "11:30", "place": "Service d'imagerie, CHU", "rhythm": "Toutes les 9 semaines"}],
        "supportive_care": [{"type": "MED-562", "detail": "Accompagnement à l'arrêt du tabac.", "contact": "Consultation de tabacologie"}],
        "social": [],
    }


def _prostate(start: date) -> dict:
    return {
        "plan_summary": "Une radiothérapie de la prostate de 4 semaines, associée à une hormonothérapie par injection tous les 3 mois.",
        "treatments": [
            {"type": "C15445", "title": "Hormonothérapie par injection", "start": _iso(start - timedelta(days=30)), "sessions": "4",
             "every_days": "91", "rhythm": "Une injection tous les 3 mois", "place": "Cabinet de votre médecin traitant ou infirmier",
             "route": "20066000", "side_effects": "Bouffées de chaleur, fatigue.", "management": "Activité physique régulière."},
            {"type": "C15313", "title": "Radiothérapie de la prostate", "start": _iso(start), "time": "15:40", "sessions": "20",
             "weekdays_only": "true", "rhythm": "Une séance par jour du lundi au vendredi, pendant 4 semaines",
             "place": "Service de radiothérapie, Institut Loire-Océan", "side_effects": "Envies fréquentes d'uriner, brûlures.",
             "management": "Boire 1,5 litre par jour ; vessie pleine avant chaque séance."},
        ],
        "follow_up": [{"type": "MED-091", "title": "Dosage du PSA", "date": _iso(start + timedelta(days=120)), "place": "Laboratoire de ville",
                       "rhythm": "Tous les 6 mois"}],
        "supportive_care": [{"type": "ORG-175", "detail": "Marche 30 minutes par jour.", "contact": ""}],
        "social": [],
    }


def _surveillance(start: date) -> dict:
    return {
        "plan_summary": "Les traitements sont terminés. Une surveillance régulière est prévue : consultations et examens.",
        "treatments": [{"type": "MED-227", "title": "Surveillance active", "start": _iso(start), "end": _iso(start + timedelta(days=5 * 365)),
                        "rhythm": "Consultation tous les 6 mois pendant 5 ans"}],
        "follow_up": [
            {"type": "11429006", "title": "Consultation de surveillance", "date": _iso(start + timedelta(days=180)), "time": "10:15",
             "place": "Institut Loire-Océan", "rhythm": "Tous les 6 mois"},
            {"type": "MED-092", "title": "Scanner de contrôle", "date": _iso(start + timedelta(days=170)), "time": "09:00",
             "place": "Service d'imagerie, CHU", "rhythm": "Tous les ans"},
        ],
        "supportive_care": [{"type": "ORG-176", "detail": "Conseils d'hygiène de vie pour l'après-cancer.", "contact": "Infirmière de coordination"}],
        "social": [{"type": "PAT-027", "detail": "Reprise du travail à temps partiel thérapeutique."}],
    }


PROGRAMMES = {"breast": _breast, "colon": _colon, "lung": _lung, "prostate": _prostate}
KINDS_BY_SEX = {"F": ("breast", "lung", "colon"), "M": ("prostate", "colon", "lung")}


def _form(kind: str, start: date, *, rcp: date, phone: str, follow_up_stage: bool) -> dict:
    programme = (_surveillance if follow_up_stage else PROGRAMMES[kind])(start)
    form = {"rcp_date": _iso(rcp), "rcp_proposal": "", "end_of_treatment": "", **programme, "contacts": _contacts(phone)}
    form.setdefault("measures", [])
    form["rcp_proposal"] = programme["plan_summary"]
    return form


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), PARIS).astimezone(UTC)


def _actor(db: Session, pro: Professional) -> Actor:
    account = db.exec(select(Account).where(Account.professional_id == pro.id)).one()
    return Actor(account_id=account.id, role=Role(account.role), display_name=sessions.display_name(db, account),
                 professional_id=pro.id)


def _write(db: Session, actor: Actor, patient: Patient, document, form: dict, *, when: datetime, reason: str = "") -> Document:
    edited, errors = pc.normalize(form)
    if errors:
        raise AssertionError(f"demo PPS does not validate: {errors}")
    pps.write_version(db, actor=actor, patient=patient, document=document, edited=edited, reason_code=reason, now=when)
    return pps.current_document(db, patient_id=patient.id)


def load(db: Session, *, today: date | None = None) -> bool:
    """Adds the demo PPS once; False when there already is one."""
    if db.exec(select(Document.id).where(Document.kind == DocumentKind.PPS)).first() is not None:
        return False
    today = today or date.today()
    rng = random.Random(6)
    unread_patient = db.exec(select(Patient).join(Account, Account.patient_id == Patient.id).where(Account.identifier == UNREAD_PATIENT)).first()
    chosen = list(db.exec(select(Patient).where(Patient.care_stage.in_([CareStage.TREATMENT, CareStage.FOLLOW_UP]))
                          .order_by(Patient.local_id).limit(DEMO_PATIENTS)).all())
    if unread_patient is not None:
        unread_patient.care_stage = CareStage.TREATMENT  # a patient with a PPS is past the announcement
        chosen.insert(0, unread_patient)
    for number, patient in enumerate(chosen):
        memberships = db.exec(select(CareTeamMembership).where(CareTeamMembership.patient_id == patient.id)).all()
        referent = next((m for m in memberships if m.team_role == TeamRole.REFERENT_PHYSICIAN), None)
        if referent is None:
            continue
        author = db.get(Professional, referent.professional_id)
        team_start = min(m.start_date for m in memberships)
        follow_up_stage = patient.care_stage == CareStage.FOLLOW_UP
        kind = "colon" if patient is unread_patient else KINDS_BY_SEX["F" if patient.sex == "F" else "M"][number % 3]
        rcp = max(team_start + timedelta(days=1), today - timedelta(days=rng.randint(200, 300) if follow_up_stage else rng.randint(14, 40)))
        handed = min(rcp + timedelta(days=4), today - timedelta(days=1))
        if db.exec(select(CancerDiagnosis.id).where(CancerDiagnosis.patient_id == patient.id)).first() is None:
            icd, icd_label, morph, morph_label, side, t, n, m = DIAGNOSES[kind]
            db.add(CancerDiagnosis(patient_id=patient.id, icd10_code=icd, icd10_label=icd_label, morphology_code=morph,
                                   morphology_label=morph_label, laterality=side, tnm_t=t, tnm_n=n, tnm_m=m,
                                   diagnosis_date=rcp - timedelta(days=12), suspicion_date=rcp - timedelta(days=30)))
        if patient.medical_announcement_at is None:
            patient.medical_announcement_at = _at(handed, 11)
        db.add(patient)
        db.flush()
        actor = _actor(db, author)
        start = handed + timedelta(days=7) if not follow_up_stage else today - timedelta(days=20)
        if patient is unread_patient:
            start = today - timedelta(days=16)  # cures every 14 days: the next ones are close
        form = _form(kind, start, rcp=rcp, phone="02 99 20 20 20", follow_up_stage=follow_up_stage)
        document = _write(db, actor, patient, None, form, when=_at(rcp + timedelta(days=2)))
        consent = GpConsent.REFUSED if number == 3 else GpConsent.AGREED
        pps.hand_over(db, actor=actor, patient=patient, document=document, handed_over_on=handed, by=author, consent=consent,
                      now=_at(handed, 12))
        if patient is unread_patient:
            account = db.exec(select(Account).where(Account.identifier == UNREAD_PATIENT)).one()
            db.add(PpsAcknowledgement(document_id=document.id, version=document.current_version, account_id=account.id,
                                      acknowledged_at=_at(handed, 20)))
            moved = dict(form)
            moved["treatments"] = [dict(item) for item in form["treatments"]]
            moved["treatments"][1]["start"] = _iso(start + timedelta(days=2))
            moved["treatments"][1]["time"] = "14:00"
            moved["follow_up"] = [dict(item) for item in form["follow_up"]]
            moved["follow_up"][1]["date"] = _iso(start + timedelta(days=95))
            _write(db, actor, patient, document, _keep_uids(moved, document, db), when=_at(today - timedelta(days=1), 9), reason="GEN-176")
        elif number % 3 == 2:
            changed = _keep_uids(dict(form), document, db)
            changed["supportive_care"] = [*changed["supportive_care"], {"type": "ORG-037", "detail": "Groupe de parole pour les proches, un jeudi par mois.",
                                                                        "contact": "Psychologue de l'équipe"}]
            _write(db, actor, patient, document, changed, when=_at(min(handed + timedelta(days=10), today), 9), reason="MED-561")
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
