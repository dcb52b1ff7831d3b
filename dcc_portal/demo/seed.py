"""The demo region: one network, three establishments, GP practices, about 25 professionals and 60
clearly fictitious patients (test INS OID, local ids DEMO-...). Loading twice keeps existing data."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from dcc_portal import formatting
from dcc_portal.demo import acts
from dcc_portal.demo import rcp as demo_rcp
from dcc_portal.models import (
    Account,
    AuditAction,
    CareStage,
    CareTeamMembership,
    EmergencyAccess,
    Grant,
    Organisation,
    OrganisationKind,
    Patient,
    PatientOpposition,
    Professional,
    ProfessionalOrganisation,
    Role,
    TeamRole,
    utcnow,
)
from dcc_portal.services.access import audit, charter
from dcc_portal.services.access import rule as access
from dcc_portal.services.common import identifiers, registry
from dcc_portal.services.common.actor import Actor
from dcc_portal.services.identity import passwords

DEMO_PASSWORD = "Oncologie-Demo-2026"
NETWORK_NAME = "ONCO-DÉMO, réseau régional de cancérologie (fictif)"

CHARTER_V1_BODY = """Le dossier communicant de cancérologie (DCC) est un outil de partage d'informations entre les professionnels qui prennent en charge un patient atteint de cancer, sous la responsabilité du réseau régional de cancérologie.

Je n'accède qu'aux dossiers des patients que je prends en charge, au sein de leur équipe de soins, et uniquement aux informations strictement nécessaires à leur prise en charge.

Mes identifiants et mon second facteur d'authentification sont personnels : je ne les communique à personne et je ferme ma session lorsque je quitte mon poste.

Je respecte le secret professionnel. Je n'imprime ou n'exporte des documents que lorsque la prise en charge l'exige, et je les conserve en sécurité.

Chaque consultation, création ou modification est tracée (qui, quand, quoi, pourquoi). Le patient peut connaître la date et l'objet des consultations de son dossier.

Un accès en urgence à un dossier hors de mon équipe de soins (bris de glace) doit être justifié ; il est signalé au patient et à son équipe.

Le patient peut s'opposer à ce qu'un professionnel extérieur à son équipe de soins accède à son dossier ; je respecte son choix."""


@dataclass(frozen=True)
class DemoPro:
    identifier: str
    role: Role
    given: str
    family: str
    specialty: str
    org: str  # key in ORGS
    team_role: TeamRole | None = None


ORGS = {
    "network": ("ONCO-DÉMO, réseau régional de cancérologie (fictif)", OrganisationKind.NETWORK, "Villeneuve-sur-Loire", "02 99 00 00 00", "990000001"),
    "chu": ("CHU de Villeneuve-sur-Loire (fictif)", OrganisationKind.UNIVERSITY_HOSPITAL, "Villeneuve-sur-Loire", "02 99 10 10 10", "990000101"),
    "clcc": ("Institut de cancérologie Loire-Océan (fictif)", OrganisationKind.CANCER_CENTRE, "Saint-Aubin-des-Prés", "02 99 20 20 20", "990000201"),
    "clinic": ("Clinique du Parc (fictive)", OrganisationKind.PRIVATE_CLINIC, "Montfort-la-Rivière", "02 99 30 30 30", "990000301"),
    "gp_tilleuls": ("Cabinet médical des Tilleuls (fictif)", OrganisationKind.GP_PRACTICE, "Villeneuve-sur-Loire", "02 99 40 40 40", None),
    "gp_port": ("Maison de santé du Port (fictive)", OrganisationKind.GP_PRACTICE, "Port-Joli", "02 99 50 50 50", None),
}

GP = "G15_10/SM54"
PROS = [
    DemoPro("mg.durand", Role.GP, "Claire", "Durand", GP, "gp_tilleuls"),
    DemoPro("mg.garnier", Role.GP, "Hugo", "Garnier", GP, "gp_tilleuls"),
    DemoPro("mg.faure", Role.GP, "Inès", "Faure", GP, "gp_port"),
    DemoPro("mg.renaud", Role.GP, "Marc", "Renaud", GP, "gp_port"),
    DemoPro("mg.colin", Role.GP, "Sophie", "Colin", GP, "gp_tilleuls"),
    DemoPro("mg.vidal", Role.GP, "Yann", "Vidal", GP, "gp_port"),
    DemoPro("onco.moreau", Role.CLINICIAN, "Paul", "Moreau", "G15_10/SM36", "clcc", TeamRole.ONCOLOGIST),
    DemoPro("onco.girard", Role.CLINICIAN, "Léa", "Girard", "G15_10/SM36", "chu", TeamRole.ONCOLOGIST),
    DemoPro("onco.benali", Role.CLINICIAN, "Karim", "Benali", "G15_10/SM36", "clcc", TeamRole.ONCOLOGIST),
    DemoPro("chir.lambert", Role.CLINICIAN, "Anne", "Lambert", "G15_10/SM14", "chu", TeamRole.SURGEON),
    DemoPro("chir.rousseau", Role.CLINICIAN, "Julien", "Rousseau", "G15_10/SM20", "clinic", TeamRole.SURGEON),
    DemoPro("chir.nguyen", Role.CLINICIAN, "Thi", "Nguyen", "G15_10/SM12", "chu", TeamRole.SURGEON),
    DemoPro("radiotherapie.blanc", Role.CLINICIAN, "Émilie", "Blanc", "G15_10/SM37", "clcc", TeamRole.RADIOTHERAPIST),
    DemoPro("anapath.chevalier", Role.CLINICIAN, "Louis", "Chevalier", "G15_10/SM01", "chu", TeamRole.PATHOLOGIST),
    DemoPro("radiologie.mercier", Role.CLINICIAN, "Nadia", "Mercier", "G15_10/SM44", "chu", TeamRole.RADIOLOGIST),
    DemoPro("pneumo.fontaine", Role.CLINICIAN, "Olivier", "Fontaine", "G15_10/SM41", "chu", TeamRole.ORGAN_SPECIALIST),
    DemoPro("gastro.masson", Role.CLINICIAN, "Camille", "Masson", "G15_10/SM24", "clinic", TeamRole.ORGAN_SPECIALIST),
    DemoPro("hemato.perrin", Role.CLINICIAN, "Sarah", "Perrin", "G15_10/SM21", "chu", TeamRole.ORGAN_SPECIALIST),
    DemoPro("ide.petit", Role.NURSE, "Julie", "Petit", "G15_60/SI02", "clcc", TeamRole.NURSE),
    DemoPro("ide.marchand", Role.NURSE, "Thomas", "Marchand", "G15_60", "chu", TeamRole.NURSE),
    DemoPro("ide.robin", Role.NURSE, "Aurélie", "Robin", "G15_60", "clinic", TeamRole.NURSE),
    DemoPro("sec.roux", Role.RCP_SECRETARY, "Nathalie", "Roux", "SECRETARIAT_MEDICAL", "clcc", TeamRole.RCP_SECRETARY),
    DemoPro("sec.leclerc", Role.RCP_SECRETARY, "Damien", "Leclerc", "SECRETARIAT_MEDICAL", "chu", TeamRole.RCP_SECRETARY),
    DemoPro("admin.dsrc", Role.ADMIN, "Hélène", "Bertin", "SECRETARIAT_MEDICAL", "network"),
    DemoPro("chir.fabre", Role.CLINICIAN, "Marion", "Fabre", "G15_10/SM11", "chu", TeamRole.SURGEON),
]

# Patients with a portal account (identifier -> patient index in the generated list).
PATIENT_ACCOUNTS = {"patient.leroy": 0, "patient.dubois": 1, "patient.morel": 2, "patient.simon": 4}

FEMALE_FIRST = ["Monique", "Françoise", "Catherine", "Sylvie", "Martine", "Isabelle", "Nathalie", "Christine",
                "Brigitte", "Valérie", "Sandrine", "Véronique", "Chantal", "Josiane", "Odile", "Agnès"]
MALE_FIRST = ["Jean", "Michel", "Alain", "Bernard", "Patrick", "Gérard", "Daniel", "Christian", "Philippe",
              "Jacques", "René", "Pascal", "Dominique", "Serge", "Thierry", "Gilles"]
FAMILY = ["LEROY", "DUBOIS", "MOREL", "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEGRAND", "BOYER", "FOURNIER",
          "GIRAUD", "BONNET", "DUPUIS", "LEMAIRE", "CARON", "GAUTHIER", "PERROT", "BRUN", "ROCHE", "ROY",
          "BARBIER", "ARNAUD", "MARTINEZ", "MEYER", "LUCAS", "DENIS", "JOLY", "BRUNET", "HUBERT", "AUBERT"]
CITIES = [("44000", "Villeneuve-sur-Loire"), ("44500", "Port-Joli"), ("49100", "Saint-Aubin-des-Prés"),
          ("85000", "Montfort-la-Rivière"), ("20000", "Ajaccio")]
STAGES = [CareStage.SUSPICION, CareStage.DIAGNOSIS, CareStage.RCP, CareStage.ANNOUNCEMENT,
          CareStage.TREATMENT, CareStage.TREATMENT, CareStage.FOLLOW_UP]


def demo_rpps(index: int) -> str:
    return identifiers.with_rpps_check_digit(f"99990{index:05d}")


def demo_finess(first8: str) -> str:
    for digit in "0123456789":
        if identifiers.luhn_ok(first8 + digit):
            return first8 + digit
    raise AssertionError("unreachable")


def is_loaded(db: Session) -> bool:
    return db.exec(select(Organisation.id).where(Organisation.name == NETWORK_NAME)).first() is not None


# Feature demo data, loaded in this order after the base region; each loader is idempotent, so a region loaded
# before a feature existed gets that feature's demo data at the next `load-demo`.
FEATURE_LOADERS = (
    "dcc_portal.demo.pathways:load_demo_pathways",
    "dcc_portal.demo.rcp:load_demo_rcp",
    "dcc_portal.demo.pps:load",
    "dcc_portal.demo.gp:load",
    "dcc_portal.demo.symptoms:load",
    "dcc_portal.demo.mssante:load",
)


def load_demo_region(db: Session, *, password: str = DEMO_PASSWORD, patient_count: int = 60) -> bool:
    """Returns False when everything was already there (nothing changed)."""
    changed = False
    if not is_loaded(db):
        _load_base_region(db, password=password, patient_count=patient_count)
        changed = True
    for loader in FEATURE_LOADERS:
        changed |= bool(registry.resolve(loader)(db))
        db.flush()
    return changed


def _load_base_region(db: Session, *, password: str, patient_count: int) -> None:
    rng = random.Random(2026)
    orgs: dict[str, Organisation] = {}
    for key, (name, kind, city, phone, finess_base) in ORGS.items():
        org = Organisation(name=name, kind=kind, city=city, phone=phone, finess=demo_finess(finess_base[:8]) if finess_base else None)
        db.add(org)
        orgs[key] = org
    db.flush()

    pros: dict[str, Professional] = {}
    for index, spec in enumerate(PROS, start=1):
        pro = Professional(
            rpps=demo_rpps(index),
            family_name=spec.family,
            given_name=spec.given,
            specialty_code=spec.specialty,
            phone=f"02 99 {60 + index:02d} {10 + index:02d} {20 + index:02d}",
            email=f"{spec.identifier}@demo.dcc.invalid",
        )
        db.add(pro)
        pros[spec.identifier] = pro
    db.flush()
    for spec in PROS:
        db.add(ProfessionalOrganisation(professional_id=pros[spec.identifier].id, organisation_id=orgs[spec.org].id))
        db.add(
            Account(
                identifier=spec.identifier,
                role=spec.role,
                email=pros[spec.identifier].email,
                professional_id=pros[spec.identifier].id,
                password_hash=passwords.hash_password(password),
            )
        )

    gps = [pros[p.identifier] for p in PROS if p.role == Role.GP]
    by_team_role: dict[TeamRole, list[Professional]] = {}
    for spec in PROS:
        if spec.team_role:
            by_team_role.setdefault(spec.team_role, []).append(pros[spec.identifier])

    today = formatting.paris_today()
    patients: list[Patient] = []
    for index in range(patient_count):
        female = index % 2 == 0
        first = (FEMALE_FIRST if female else MALE_FIRST)[rng.randrange(16)]
        second = (FEMALE_FIRST if female else MALE_FIRST)[rng.randrange(16)]
        family = FAMILY[index % len(FAMILY)] if index < len(FAMILY) else FAMILY[rng.randrange(len(FAMILY))]
        birth = date(rng.randint(1940, 1985), rng.randint(1, 12), rng.randint(1, 28))
        postal, city = CITIES[index % len(CITIES)]
        dept = "2A" if postal == "20000" else postal[:2]
        first13 = f"{2 if female else 1}{birth.year % 100:02d}{birth.month:02d}{dept}{rng.randint(1, 999):03d}{index + 1:03d}"
        used_family = ""
        if female and index % 6 == 0:
            used_family = FAMILY[(index + 7) % len(FAMILY)]
        patient = Patient(
            ins=identifiers.with_ins_key(first13),
            ins_oid=identifiers.INS_OID_TEST,
            local_id=f"DEMO-{index + 1:06d}",
            birth_family_name=family,
            used_family_name=used_family,
            first_names=f"{first} {second}" if first != second else first,
            used_first_name=first,
            sex="F" if female else "M",
            birth_date=birth,
            birth_place_code=f"{dept}{rng.randint(1, 300):03d}",
            address=f"{rng.randint(1, 120)} rue des Lilas (adresse fictive)",
            postal_code=postal,
            city=city,
            phone=f"06 00 {index // 100:02d} {index % 100:02d} {rng.randint(10, 99)}",
            gp_professional_id=(gps[0] if index % 4 == 0 else gps[index % len(gps)]).id,
            care_stage=STAGES[index % len(STAGES)],
        )
        patient.search_name = identifiers.search_key(f"{used_family} {family} {patient.first_names}")
        db.add(patient)
        patients.append(patient)
    db.flush()

    by_specialty = {pros[spec.identifier].specialty_code: pros[spec.identifier] for spec in PROS
                    if spec.team_role in (TeamRole.SURGEON, TeamRole.ORGAN_SPECIALIST)}
    for index, patient in enumerate(patients):
        story = demo_rcp.patient_story(patient, today)
        profile = story.profile
        team = [(by_team_role[TeamRole.ONCOLOGIST][index % 3], TeamRole.REFERENT_PHYSICIAN)]
        if profile.surgeon:
            team.append((by_specialty[profile.surgeon], TeamRole.SURGEON))
        team += [(by_team_role[TeamRole.NURSE][index % 3], TeamRole.NURSE),
                 (by_team_role[TeamRole.RCP_SECRETARY][index % 2], TeamRole.RCP_SECRETARY)]
        if profile.radiotherapy:
            team.append((by_team_role[TeamRole.RADIOTHERAPIST][0], TeamRole.RADIOTHERAPIST))
        if index % 2 == 0:
            team.append((by_team_role[TeamRole.PATHOLOGIST][0], TeamRole.PATHOLOGIST))
        if profile.organ_specialist:
            team.append((by_specialty[profile.organ_specialist], TeamRole.ORGAN_SPECIALIST))
        for pro, role in team:
            db.add(CareTeamMembership(patient_id=patient.id, professional_id=pro.id, team_role=role,
                                      start_date=story.suspicion))

    for identifier, index in PATIENT_ACCOUNTS.items():
        db.add(
            Account(
                identifier=identifier,
                role=Role.PATIENT,
                patient_id=patients[index].id,
                email=f"{identifier}@demo.dcc.invalid",
                password_hash=passwords.hash_password(password),
            )
        )
    if charter.current(db) is None:
        charter.publish(db, version="1.0", title="Charte d'utilisation du DCC", body=CHARTER_V1_BODY, now=utcnow())
    db.flush()
    _access_history(db, patients=patients, orgs=orgs)
    _demo_dmp_feed(db, patients, pros, orgs)


DEMO_EMERGENCY_REASON = "Hospitalisation en urgence pour détresse respiratoire : recherche du traitement en cours"


def _access_history(db: Session, *, patients: list[Patient], orgs: dict[str, Organisation]) -> None:
    """Past accesses so that "Qui a consulté mon dossier" is not empty: team reads for the three patients with an
    account, a past emergency access (expired) to patient.dubois's record, and patient.morel's opposition."""
    accounts = {row.identifier: row for row in db.exec(select(Account).where(Account.professional_id.is_not(None))).all()}
    org_of = {spec.identifier: orgs[spec.org].id for spec in PROS}
    now = utcnow()

    def actor(identifier: str, session: str) -> Actor:
        row = accounts[identifier]
        return Actor(account_id=row.id, role=Role(row.role), display_name=identifier, professional_id=row.professional_id,
                     organisation_id=org_of[identifier], session_hash=f"demo{session}", client_ip="192.0.2.10")

    def read(identifier: str, patient: Patient, grant: str, *, days: float, count: int = 1, action: str = AuditAction.READ,
             justification: str = "", detail: str = "synthèse patient (démonstration)") -> None:
        who = actor(identifier, f"{identifier[:6]}{int(days * 10)}")
        for index in range(count):
            audit.record(db, actor=who, action=action, patient_id=patient.id, grant=grant, justification=justification,
                         detail=detail, at=now - timedelta(days=days) + timedelta(minutes=4 * index))

    leroy, dubois, morel = patients[0], patients[1], patients[2]
    read("onco.moreau", leroy, Grant.CARE_TEAM, days=3.2, count=3)
    read("ide.petit", leroy, Grant.CARE_TEAM, days=2.1, action=AuditAction.UPDATE)
    read("mg.durand", leroy, Grant.MEDECIN_TRAITANT, days=1.3, count=2)
    read("onco.girard", dubois, Grant.CARE_TEAM, days=5.4, count=2)

    fontaine = accounts["pneumo.fontaine"]
    started = now - timedelta(days=2, hours=3)
    db.add(EmergencyAccess(patient_id=dubois.id, professional_id=fontaine.professional_id, account_id=fontaine.id,
                           reason=DEMO_EMERGENCY_REASON, started_at=started, expires_at=started + access.EMERGENCY_DURATION))
    read("pneumo.fontaine", dubois, Grant.EMERGENCY, days=2.125, action=AuditAction.EMERGENCY_ACCESS,
         justification=DEMO_EMERGENCY_REASON, detail="accès en urgence ouvert pour 4 heures (démonstration)")
    read("pneumo.fontaine", dubois, Grant.EMERGENCY, days=2.12, count=3, justification=DEMO_EMERGENCY_REASON)

    masson = accounts["gastro.masson"]
    db.add(PatientOpposition(patient_id=morel.id, professional_id=masson.professional_id, created_at=now - timedelta(days=20),
                             created_by_account_id=db.exec(select(Account.id).where(Account.patient_id == morel.id)).one()))
    db.flush()


# Reports shared with the DMP: (patient index, kind, title, what the outbox shows). Pending ones are sent by the
# worker when `make run` starts the test recipient; the others show a refusal, a retry and the patient's opposition.
DMP_REPORTS = [
    (0, "imaging", "Scanner thoraco-abdomino-pelvien", "pending"),
    (6, "cro", "Compte rendu opératoire : tumorectomie", "rejected"),
    (12, "imaging", "IRM pelvienne", "retrying"),
    (18, "consultation", "Consultation d'oncologie", "pending"),
    (24, "imaging", "Scintigraphie osseuse", "opposed"),
    (3, "cr_acp", "Compte rendu d'anatomopathologie : biopsie", "pending"),
]
DEMO_REJECTION = "Refusé par le destinataire (HTTP 422) : le patient n'a pas de DMP ouvert (démonstration)."


def _demo_dmp_feed(db: Session, patients: list[Patient], pros: dict[str, Professional], orgs: dict[str, Organisation]) -> None:
    from dcc_portal.models import SharingSubmission, SubmissionStatus
    from dcc_portal.services.common import render
    from dcc_portal.services.common.actor import Actor
    from dcc_portal.services.record import documents

    pdf = render.pdf("<html><body><h1>Compte rendu (démonstration)</h1><p>Document fictif de la région de démonstration."
                     "</p></body></html>")
    oncologists = [spec.identifier for spec in PROS if spec.team_role == TeamRole.ONCOLOGIST]
    accounts = {a.professional_id: a for a in db.exec(select(Account).where(Account.professional_id.is_not(None))).all()}
    now = utcnow()
    for index, kind, title, outcome in DMP_REPORTS:
        patient = patients[index]
        spec = next(p for p in PROS if p.identifier == oncologists[index % 3])
        author = pros[spec.identifier]
        actor = Actor(account_id=accounts[author.id].id, role=Role.CLINICIAN, display_name=f"Dr {author.family_name}",
                      professional_id=author.id, organisation_id=orgs[spec.org].id)
        if outcome == "opposed":
            patient.dmp_opposed_at, patient.dmp_opposition_source = now - timedelta(days=20), "patient"
            db.add(patient)
        with acts.act(db, actor, patient, at=now, action=AuditAction.CREATE,
                      detail="dépôt d'un compte rendu PDF") as (actor, _grant):
            document, _version = documents.create(
                db, actor=actor, patient=patient, kind=kind, title=title, file_bytes=pdf, mime_type="application/pdf",
                service_date=(now - timedelta(days=3 + index)).date(), organisation_id=orgs[spec.org].id,
                share_with_dmp=True, now=now,
            )
            documents.validate(db, actor=actor, document=document, now=now)
        submission = db.exec(select(SharingSubmission).where(SharingSubmission.document_id == document.id)).one()
        if outcome == "rejected":
            submission.status, submission.attempts, submission.last_attempt_at = SubmissionStatus.REJECTED, 1, now
            submission.last_http_status, submission.last_error, submission.next_attempt_at = 422, DEMO_REJECTION, None
        elif outcome == "retrying":
            submission.status, submission.attempts, submission.last_attempt_at = SubmissionStatus.RETRYING, 3, now
            submission.last_http_status, submission.next_attempt_at = 503, now + timedelta(minutes=20)
            submission.last_error = "Erreur du destinataire (HTTP 503) : service momentanément indisponible."
        db.add(submission)
    db.flush()
