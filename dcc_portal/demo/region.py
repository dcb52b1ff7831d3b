"""A fictitious region at production scale, for benchmarks and load tests: `python -m dcc_portal generate-region`.

Default sizes: 100,000 patients, 2,000 GPs, 1,000 hospital professionals, 50 RCPs with 5 years of sessions,
1,000,000 documents and 5,000,000 audit events. The demo region is loaded first (its accounts, signed fiches RCP
and PPS stay usable); the region is added around it with bulk inserts (executemany on SQLite, COPY on
PostgreSQL), identifiers assigned here, the audit hash chain computed in Python as the application does.
Everything follows from the seed: the same seed gives the same region.

Distributions: GPs have about 50 patients each (médecin traitant), a few have 2,000; 90% have a cancer that fits
their sex, dated by their care stage (demo/region_clinical.py, from the tumour-site profiles of demo/profiles.py);
every patient has a care team of 3 to 6 hospital professionals, the surgeon and organ specialist of its tumour site
(some memberships ended); the organ RCPs of each kind meet every one or two weeks: a patient's first case in the
session after its diagnosis, then re-discussions, up to 25 cases; documents of the other kinds, skewed per patient (a
few patients have hundreds), mostly small structured contents; most audit events are reads by the care team.
Every patient in treatment has answered the weekly symptom check-in for up to a year (demo/region_symptoms.py).
The fiches of the first `Sizes.fiches` first RCPs are signed by the RCP's coordinator and the PPS of those patients
in treatment written and handed over through the services (CDA included), after the bulk load; the other decisions
are pathway steps without a fiche.

Accounts: every generated professional and 2,000 patients have an account (password DEMO_PASSWORD, charter
accepted, TOTP enrolled with the seed `totp_seed(identifier)`), so load tests can log in through both factors.
TOTP seeds are encrypted with DCC_SECRET_KEY: generate with the key the server will use.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dcc_portal import db as dbmod
from dcc_portal import migrate, settings
from dcc_portal.demo import profiles
from dcc_portal.demo import region_clinical as rc
from dcc_portal.demo import region_symptoms
from dcc_portal.demo.region_records import RecordsMixin, weighted
from dcc_portal.demo.bulk import BulkWriter
from dcc_portal.demo.seed import DEMO_PASSWORD, demo_finess
from dcc_portal.models import (
    CareStage,
    OrganisationKind,
    PathwayEventKind,
    RcpCaseReason,
    RcpCaseStatus,
    RcpKind,
    RcpSessionStatus,
    Role,
    TeamRole,
)
from dcc_portal.services.common import identifiers
from dcc_portal.services.identity import passwords, totp

TOTP_KEY = b"dcc-portal region: known TOTP seeds for load tests"


def totp_seed(identifier: str) -> str:
    """The TOTP seed of a generated account (fictitious accounts only: the seed is derivable by design)."""
    digest = hmac.new(TOTP_KEY, identifier.encode(), hashlib.sha256).digest()[:20]
    return base64.b32encode(digest).decode()


def gp_identifier(index: int) -> str:
    return f"region.mg{index:05d}"


def hospital_identifier(index: int) -> str:
    return f"region.hp{index:05d}"


def patient_identifier(index: int) -> str:
    return f"region.pt{index:06d}"


@dataclass(frozen=True)
class Sizes:
    patients: int = 100_000
    gps: int = 2_000
    hospital: int = 1_000
    rcps: int = 50
    years: int = 5
    documents: int = 1_000_000
    audit_events: int = 5_000_000
    big_gps: int = 5  # GPs with `big_gp_patients` patients each
    big_gp_patients: int = 2_000
    patient_accounts: int = 2_000
    fiches: int = 2_000  # first RCPs whose fiche is signed through the services (with its CDA), and those patients' PPS



# ------------------------------------------------------------------------------------------------ vocabulary

FAMILY_ROOTS = [
    "MART", "BERN", "DUB", "THOM", "ROB", "RICH", "PET", "DUR", "LER", "MOR", "SIM", "LAUR", "LEF", "MICH", "GARC",
    "DAV", "BERTR", "ROUX", "VINC", "FOURN", "MOREL", "GIR", "ANDR", "LEG", "GAUT", "MASS", "BLANC", "GUER", "BOY",
    "CHEV", "FRAN", "LAMB", "BONN", "FAUR", "MERC", "ROUSS", "NICOL", "PERR", "MARCH", "DUP", "LAC", "BRUN", "CARON",
    "HUB", "LEM", "GUILL", "BAR", "COL", "RENA", "AUB", "HENR", "PICA", "LEBR", "MEY", "CLEM", "NOE", "BRET", "JOL",
]
FAMILY_ENDINGS = ["IN", "ET", "OT", "AUD", "EAU", "IER", "ARD", "ON", "AND", "EL", "AIS", "Y", "IN", "OUX", "ANT", "ERT",
                  "ELLE", "ARDIN", "ELIN", "ETTE"]
FEMALE_FIRST = ["Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Martine", "Christine", "Monique",
                "Valérie", "Sandrine", "Sophie", "Céline", "Chantal", "Brigitte", "Nicole", "Véronique", "Anne",
                "Julie", "Aurélie", "Émilie", "Camille", "Léa", "Manon", "Chloé", "Inès", "Jeanne", "Odile"]
MALE_FIRST = ["Jean", "Michel", "Philippe", "Alain", "Patrick", "Nicolas", "Christophe", "Pierre", "Daniel",
              "Bernard", "Éric", "Frédéric", "Laurent", "Stéphane", "David", "Pascal", "Thierry", "Julien",
              "Thomas", "Hugo", "Lucas", "Louis", "Gérard", "René", "Yves", "Marc", "Paul", "Olivier"]
CITIES = [("44000", "Nantes-sur-Loire"), ("49000", "Angevin-les-Bains"), ("85000", "La Roche-Fictive"),
          ("72000", "Le Mans-Imaginaire"), ("53000", "Laval-des-Prés"), ("44600", "Port-Joli"),
          ("49300", "Cholet-la-Forêt"), ("85100", "Les Sables-Fictifs")]
HOSPITAL_SPECIALTIES = [
    # (JDV_J01 specialty code, team role, role, weight)
    ("G15_10/SM36", TeamRole.ONCOLOGIST, Role.CLINICIAN, 14),
    ("G15_10/SM14", TeamRole.SURGEON, Role.CLINICIAN, 6),
    ("G15_10/SM20", TeamRole.SURGEON, Role.CLINICIAN, 5),
    ("G15_10/SM12", TeamRole.SURGEON, Role.CLINICIAN, 4),
    ("G15_10/SM11", TeamRole.SURGEON, Role.CLINICIAN, 3),
    ("G15_10/SM15", TeamRole.ORGAN_SPECIALIST, Role.CLINICIAN, 2),
    ("G15_10/SM37", TeamRole.RADIOTHERAPIST, Role.CLINICIAN, 6),
    ("G15_10/SM01", TeamRole.PATHOLOGIST, Role.CLINICIAN, 5),
    ("G15_10/SM44", TeamRole.RADIOLOGIST, Role.CLINICIAN, 6),
    ("G15_10/SM41", TeamRole.ORGAN_SPECIALIST, Role.CLINICIAN, 5),
    ("G15_10/SM24", TeamRole.ORGAN_SPECIALIST, Role.CLINICIAN, 5),
    ("G15_10/SM21", TeamRole.ORGAN_SPECIALIST, Role.CLINICIAN, 4),
    ("G15_60", TeamRole.NURSE, Role.NURSE, 28),
    ("SECRETARIAT_MEDICAL", TeamRole.RCP_SECRETARY, Role.RCP_SECRETARY, 12),
]
GP_SPECIALTY = "G15_10/SM54"
class _Ids:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def public(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"


# ------------------------------------------------------------------------------------------------ generation


def generate(url: str | None = None, *, sizes: Sizes = Sizes(), seed: int = 2026, progress=print,
             now: datetime | None = None) -> dict[str, int]:
    """Migrate, load the demo region, then add the region. Returns the number of rows written per table."""
    from dcc_portal.demo import seed as demo

    url = url or settings.db_url()
    started = time.perf_counter()
    migrate.upgrade(url)
    with dbmod.transaction(url) as session:
        demo.load_demo_region(session)
    dbmod.dispose_engines()
    progress(f"région de démonstration chargée ({time.perf_counter() - started:.0f} s)")

    writer = BulkWriter(url)
    if writer.scalar("SELECT COUNT(*) FROM account WHERE identifier LIKE 'region.%'"):
        writer.connection.close()
        raise RuntimeError("cette base contient déjà une région générée")
    rng = random.Random(seed)
    ids = _Ids(rng)
    now = now or datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    region = _Region(writer, rng, ids, sizes, now, today, progress, started)
    region.directory()
    region.plan_rcps()
    region.patients()
    region.care_teams()
    region.rcps()
    region.documents()
    symptoms = region_symptoms.generate(region, totp_seed=totp_seed)
    region._say(f"{symptoms['reports']:,} questionnaires de symptômes, {symptoms['alerts']:,} alertes "
                f"({symptoms['immediate']:,} immédiates, {symptoms['open']:,} ouvertes)")
    writer.commit()
    region.audit_trail()
    writer.finish()
    signed, handed = rc.issue_documents(url, region.fiches[: sizes.fiches])
    writer.counts["fiches RCP signées"], writer.counts["PPS remis"] = signed, handed
    progress(f"{signed:,} fiches RCP signées, {handed:,} PPS remis ({time.perf_counter() - started:.0f} s)")
    progress(f"terminé en {time.perf_counter() - started:.0f} s")
    return writer.counts


class _Region(RecordsMixin):
    def __init__(self, writer: BulkWriter, rng: random.Random, ids: _Ids, sizes: Sizes, now: datetime, today: date,
                 progress, started: float):
        self.w, self.rng, self.ids, self.sizes = writer, rng, ids, sizes
        self.now, self.today, self.progress, self.started = now, today, progress, started
        self.gp_ids: list[int] = []
        self.hospital: list[tuple[int, str, TeamRole, Role]] = []  # (professional id, specialty, team role, role)
        self.account_of_pro: dict[int, int] = {}
        self.patient_ids: list[int] = []
        self.team_of_patient: dict[int, list[int]] = {}
        self.org_ids: list[int] = []
        self.clinical: dict[int, rc.Clinical] = {}
        self.schedule = rc.RcpSchedule()
        self.fiches: list[rc.Fiche] = []

    def _say(self, what: str) -> None:
        self.progress(f"{what} ({time.perf_counter() - self.started:.0f} s)")

    # --- organisations, professionals, accounts

    def directory(self) -> None:
        w, rng, ids, sizes = self.w, self.rng, self.ids, self.sizes
        org_id = w.max_id("organisation")
        orgs = []
        for index in range(20):
            org_id += 1
            kind = [OrganisationKind.UNIVERSITY_HOSPITAL, OrganisationKind.CANCER_CENTRE, OrganisationKind.GENERAL_HOSPITAL,
                    OrganisationKind.PRIVATE_CLINIC][index % 4]
            finess = demo_finess(f"98{index:06d}")
            orgs.append((org_id, ids.public(), finess, f"Établissement régional n° {index + 1} (fictif)", str(kind),
                         CITIES[index % len(CITIES)][1], "02 98 00 00 00", self.now))
            self.org_ids.append(org_id)
        gp_orgs = []
        for index in range(sizes.gps // 4 + 1):
            org_id += 1
            gp_orgs.append(org_id)
            orgs.append((org_id, ids.public(), None, f"Cabinet médical n° {index + 1} (fictif)",
                         str(OrganisationKind.GP_PRACTICE), CITIES[index % len(CITIES)][1], "02 98 10 00 00", self.now))
        w.insert("organisation", ["id", "public_id", "finess", "name", "kind", "city", "phone", "created_at"], orgs)

        pro_id = w.max_id("professional")
        account_id = w.max_id("account")
        password_hash = passwords.hash_password(DEMO_PASSWORD)
        charter_id = w.scalar("SELECT id FROM charter_version ORDER BY published_at DESC, id DESC LIMIT 1")
        pros, links, accounts, acceptances = [], [], [], []
        pick_specialty = weighted(rng, HOSPITAL_SPECIALTIES, 3)
        enrolled = self.now - timedelta(days=400)

        def add(identifier: str, role: Role, specialty: str, org: int, rpps_index: int) -> int:
            nonlocal pro_id, account_id
            pro_id += 1
            account_id += 1
            female = rng.random() < 0.55
            given = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
            family = self._family_name()
            pros.append((pro_id, ids.public(), identifiers.with_rpps_check_digit(f"98{rpps_index:08d}"), family.title(),
                         given, specialty, f"02 98 {rpps_index % 100:02d} {rpps_index // 100 % 100:02d} 00",
                         f"{identifier}@region.dcc.invalid", self.now))
            links.append((pro_id, org, True))
            accounts.append((account_id, ids.public(), identifier, str(role), "active", f"{identifier}@region.dcc.invalid",
                             pro_id, None, password_hash, enrolled,
                             totp.encrypt(totp_seed(identifier), account_id=account_id), enrolled, 0, enrolled))
            if charter_id is not None:
                acceptances.append((account_id, charter_id, enrolled, "127.0.0.1"))
            self.account_of_pro[pro_id] = account_id
            return pro_id

        for index in range(sizes.gps):
            self.gp_ids.append(add(gp_identifier(index + 1), Role.GP, GP_SPECIALTY, gp_orgs[index // 4], index + 1))
        for index in range(sizes.hospital):
            specialty, team_role, role, _ = pick_specialty()
            pid = add(hospital_identifier(index + 1), role, specialty, self.org_ids[index % len(self.org_ids)],
                      50_000 + index + 1)
            self.hospital.append((pid, specialty, team_role, role))
        w.insert("professional", ["id", "public_id", "rpps", "family_name", "given_name", "specialty_code", "phone", "email",
                                  "created_at"], pros)
        w.insert("professional_organisation", ["professional_id", "organisation_id", "is_primary"], links)
        self._accounts(accounts)
        self.charter_id = charter_id
        self.password_hash = password_hash
        if acceptances:
            acceptance_id = w.max_id("charter_acceptance")
            w.insert("charter_acceptance", ["id", "account_id", "charter_version_id", "accepted_at", "client_ip"],
                     [(acceptance_id + i + 1, *row) for i, row in enumerate(acceptances)])
        self._say(f"{len(pros):,} professionnels et leurs comptes")

    def _accounts(self, accounts: list[tuple]) -> None:
        self.w.insert("account", ["id", "public_id", "identifier", "role", "status", "email", "professional_id",
                                  "patient_id", "password_hash", "password_changed_at", "totp_secret_enc",
                                  "totp_enrolled_at", "failed_count", "created_at", "email_notifications"],
                    [(*row, False) for row in accounts])

    def _family_name(self) -> str:
        rng = self.rng
        # Zipf-like: a few very common names, a long tail of rare ones.
        root = FAMILY_ROOTS[min(int(rng.paretovariate(1.2)) - 1, len(FAMILY_ROOTS) - 1)] if rng.random() < 0.5 \
            else rng.choice(FAMILY_ROOTS)
        return root + rng.choice(FAMILY_ENDINGS) + ("" if rng.random() < 0.7 else rng.choice(FAMILY_ENDINGS))

    # --- patients

    def patients(self) -> None:
        w, rng, ids, sizes = self.w, self.rng, self.ids, self.sizes
        self.pick_female = weighted(rng, [c for c in rc.REGION_CANCERS if "F" in c[5]], 6)
        self.pick_male = weighted(rng, [c for c in rc.REGION_CANCERS if "M" in c[5]], 6)
        patient_id = w.max_id("patient")
        # Médecin traitant: a few GPs with big lists, the others around 50 (1% of patients declare none).
        big = self.gp_ids[: sizes.big_gps]
        others = self.gp_ids[sizes.big_gps:] or self.gp_ids
        rows, accounts = [], []
        account_id = w.max_id("account")
        stages = [CareStage.SUSPICION, CareStage.DIAGNOSIS, CareStage.RCP, CareStage.ANNOUNCEMENT, CareStage.TREATMENT,
                  CareStage.TREATMENT, CareStage.FOLLOW_UP, CareStage.FOLLOW_UP]
        big_total = min(sizes.big_gps * sizes.big_gp_patients, sizes.patients // 2)
        enrolled = self.now - timedelta(days=200)
        for index in range(sizes.patients):
            patient_id += 1
            female = rng.random() < 0.52
            first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
            second = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
            family = self._family_name()
            used_family = self._family_name() if female and rng.random() < 0.3 else ""
            birth = date(rng.randint(1930, 1995), rng.randint(1, 12), rng.randint(1, 28))
            postal, city = CITIES[rng.randrange(len(CITIES))]
            first13 = f"{2 if female else 1}{birth.year % 100:02d}{birth.month:02d}98{index:06d}"
            if index < big_total:
                gp = big[index % len(big)]
            elif rng.random() < 0.01:
                gp = None
            else:
                gp = others[rng.randrange(len(others))]
            first_names = first if first == second else f"{first} {second}"
            clinical = self._clinical(female, stages[rng.randrange(len(stages))], index)
            stage = clinical.stage
            announced = datetime.combine(clinical.rcp_day + timedelta(days=rng.randint(3, 7)), datetime.min.time(), UTC) \
                + timedelta(hours=10) if stage in (CareStage.ANNOUNCEMENT, CareStage.TREATMENT, CareStage.FOLLOW_UP) else None
            rows.append((patient_id, ids.public(), identifiers.with_ins_key(first13), identifiers.INS_OID_TEST,
                         f"REG-{index + 1:07d}", family, used_family, first_names, first, "F" if female else "M", birth,
                         f"98{rng.randint(1, 300):03d}", f"{rng.randint(1, 200)} rue de la Région (fictive)", postal, city,
                         f"06 98 {index // 10000 % 100:02d} {index // 100 % 100:02d} {index % 100:02d}", "", gp,
                         str(stage), announced, identifiers.search_key(f"{used_family} {family} {first_names}"),
                         self.now - timedelta(days=rng.randint(30, 1800))))
            self.patient_ids.append(patient_id)
            self.clinical[patient_id] = clinical
            if index < sizes.patient_accounts:
                account_id += 1
                identifier = patient_identifier(index + 1)
                accounts.append((account_id, ids.public(), identifier, str(Role.PATIENT), "active", "", None, patient_id,
                                 self.password_hash, enrolled, totp.encrypt(totp_seed(identifier), account_id=account_id),
                                 enrolled, 0, enrolled))
            if len(rows) == 20_000:
                self._flush_patients(rows)
                rows = []
        self._flush_patients(rows)
        self._accounts(accounts)
        self._say(f"{sizes.patients:,} patients")

    def _clinical(self, female: bool, stage: str, index: int) -> rc.Clinical:
        """A cancer that fits the patient's sex (none for 1 in 10: a suspicion only), dated by its stage."""
        rng = self.rng
        if rng.random() >= 0.9:
            return rc.Clinical("", (), CareStage.SUSPICION, None)
        cancer = (self.pick_female if female else self.pick_male)()
        if stage == CareStage.SUSPICION:
            return rc.Clinical(cancer[0], cancer, stage, None)
        horizon = 365 * self.sizes.years - 30
        clinical = rc.Clinical(cancer[0], cancer, stage, self.today - timedelta(days=rng.randint(*rc.diagnosis_age(stage, horizon))))
        rc.plan_dates(clinical, rng, self.schedule, index, self.today)
        return clinical

    def _flush_patients(self, rows: list[tuple]) -> None:
        self.w.insert("patient", ["id", "public_id", "ins", "ins_oid", "local_id", "birth_family_name", "used_family_name",
                                  "first_names", "used_first_name", "sex", "birth_date", "birth_place_code", "address",
                                  "postal_code", "city", "phone", "email", "gp_professional_id", "care_stage",
                                  "medical_announcement_at", "search_name", "created_at"], rows)

    # --- care teams and diagnoses

    def care_teams(self) -> None:
        """Each patient's team: an oncologist, a nurse and an RCP secretary, then (for larger teams) the surgeon and
        organ specialist of its tumour site and a radiotherapist when its programme has radiotherapy."""
        w, rng, ids = self.w, self.rng, self.ids
        pools: dict[str, list[int]] = {}
        for pid, specialty, team_role, _role in self.hospital:
            pools.setdefault(str(team_role), []).append(pid)
            pools.setdefault(specialty, []).append(pid)
        # A few hospital professionals carry far more patients than the others (the referent oncologists).
        busy = {key: members[: max(1, len(members) // 10)] for key, members in pools.items()}
        member_id = w.max_id("care_team_membership")
        diagnosis_id = w.max_id("cancer_diagnosis")
        memberships, diagnoses = [], []
        for patient_id in self.patient_ids:
            clinical = self.clinical[patient_id]
            profile = profiles.PROFILES.get(clinical.profile)
            wanted = [(TeamRole.ONCOLOGIST, str(TeamRole.ONCOLOGIST)), (TeamRole.NURSE, str(TeamRole.NURSE)),
                      (TeamRole.RCP_SECRETARY, str(TeamRole.RCP_SECRETARY))]
            if profile is not None:
                wanted += [(role, code) for role, code in ((TeamRole.SURGEON, profile.surgeon),
                                                           (TeamRole.ORGAN_SPECIALIST, profile.organ_specialist)) if code]
                if profile.radiotherapy:
                    wanted.append((TeamRole.RADIOTHERAPIST, str(TeamRole.RADIOTHERAPIST)))
            size = rng.randint(3, 6)
            first_day = clinical.diagnosis - timedelta(days=rng.randint(10, 30)) if clinical.diagnosis else None
            team = []
            for team_role, pool_key in wanted[:size]:
                pool = pools.get(pool_key)
                if not pool:
                    continue
                source = busy[pool_key] if rng.random() < 0.3 else pool
                pro = source[rng.randrange(len(source))]
                if pro in team:
                    continue
                team.append(pro)
                start = first_day or self.today - timedelta(days=rng.randint(5, 60))
                ended = len(team) > 1 and rng.random() < 0.08
                member_id += 1
                memberships.append((member_id, ids.public(), patient_id, pro, str(team_role), start,
                                    start + timedelta(days=rng.randint(30, 300)) if ended else None, None,
                                    self.now - timedelta(days=(self.today - start).days)))
            self.team_of_patient[patient_id] = team
            if clinical.profile:
                diagnosis_id += 1
                diagnoses.append(self._diagnosis_row(diagnosis_id, patient_id, clinical))
            if len(memberships) >= 50_000:
                self._flush_teams(memberships, diagnoses)
                memberships, diagnoses = [], []
        self._flush_teams(memberships, diagnoses)
        self._say("équipes de soins et diagnostics")

    def _diagnosis_row(self, diagnosis_id: int, patient_id: int, clinical: rc.Clinical) -> tuple:
        rng = self.rng
        _profile, code, label, morphology, morphology_label, _sexes, _weight = clinical.cancer
        day = clinical.diagnosis
        if day is None:  # suspected, not yet confirmed by a pathology report
            return (diagnosis_id, self.ids.public(), patient_id, code, label, "", "", "", "c", "", "", "", "", None, None,
                    self.today - timedelta(days=rng.randint(5, 40)), None, "symptoms", "initial", 1, self.now, self.now)
        staged = clinical.profile != "lymphoma"
        return (diagnosis_id, self.ids.public(), patient_id, code, label, morphology, morphology_label, "", "c",
                f"T{rng.randint(1, 4)}" if staged else "", f"N{rng.randint(0, 2)}" if staged else "",
                ("M0" if rng.random() < 0.85 else "M1") if staged else "", "" if staged else "Ann Arbor II",
                rng.randint(0, 2), day, day - timedelta(days=20), day, "symptoms", "initial", 1, self.now, self.now)

    def _flush_teams(self, memberships, diagnoses) -> None:
        self.w.insert("care_team_membership", ["id", "public_id", "patient_id", "professional_id", "team_role", "start_date",
                                               "end_date", "removed_at", "created_at"], memberships)
        self.w.insert("cancer_diagnosis", ["id", "public_id", "patient_id", "icd10_code", "icd10_label", "morphology_code",
                                           "morphology_label", "laterality", "tnm_prefix", "tnm_t", "tnm_n", "tnm_m",
                                           "other_staging", "who_performance_status", "who_performance_date",
                                           "suspicion_date", "diagnosis_date", "discovery_mode", "clinical_phase",
                                           "version", "created_at", "updated_at"], diagnoses)

    # --- RCP directory, sessions, cases, attendance

    def plan_rcps(self) -> None:
        """The region's organ RCPs (one kind of RCP after the other) and their session days, before the patients."""
        rcp_id = self.w.max_id("rcp")
        start_day = self.today - timedelta(days=365 * self.sizes.years)
        self.rcp_plan: list[tuple[int, int, rc.RcpGroup]] = []
        for index in range(self.sizes.rcps):
            rcp_id += 1
            group = rc.RCP_GROUPS[index % len(rc.RCP_GROUPS)]
            period = 7 if index % 3 == 0 else 14
            day, days = start_day + timedelta(days=index % period), []
            while day <= self.today + timedelta(days=56):
                days.append(day)
                day += timedelta(days=period)
            self.schedule.days[rcp_id] = days
            self.schedule.by_group.setdefault(group.name, []).append(rcp_id)
            self.rcp_plan.append((rcp_id, index, group))

    def _board(self, group: rc.RcpGroup, by_specialty: dict[str, list[int]]) -> tuple[list[int], int]:
        """Members of an RCP of this kind: oncologists (the first coordinates), the surgeons and organ specialists
        of its tumour sites, a radiotherapist, a pathologist, a radiologist and a surgeon (its secretariat runs it
        without sitting in it)."""
        rng = self.rng

        def some(code: str, count: int) -> list[int]:
            pool = by_specialty.get(code, [])
            return rng.sample(pool, min(count, len(pool)))

        oncologists = some("G15_10/SM36", 3)
        chosen = [*oncologists, *(pid for code in group.specialties for pid in some(code, 2)),
                  *some("G15_10/SM37", 1), *some("G15_10/SM01", 1), *some("G15_10/SM44", 1),
                  *some(profiles.SURGERY_DIGESTIVE, 1)]
        board = list(dict.fromkeys(chosen))
        coordinator = oncologists[0] if oncologists else next(pid for pid in board if pid in self.physician_specialty)
        return board, coordinator

    def rcps(self) -> None:
        """Sessions over the years; each patient's first case in its RCP's session after its diagnosis, then
        re-discussions of patients already discussed by RCPs of that kind, 8 to 25 cases a session."""
        w, rng, ids, sizes = self.w, self.rng, self.ids, self.sizes
        session_id = w.max_id("rcp_session")
        case_id = w.max_id("rcp_case")
        attendance_id = w.max_id("rcp_attendance")
        event_id = w.max_id("pathway_event")
        by_specialty: dict[str, list[int]] = {}
        for pid, specialty, _team_role, role in self.hospital:
            by_specialty.setdefault(specialty, []).append(pid)
        self.physician_specialty = {pid: spec for pid, spec, _t, role in self.hospital if role == Role.CLINICIAN}
        first_cases: dict[tuple[int, date], list[int]] = {}
        discussed: dict[str, list[tuple[date, int]]] = {}
        for patient, clinical in self.clinical.items():
            if clinical.rcp_id is not None:
                first_cases.setdefault((clinical.rcp_id, clinical.rcp_day), []).append(patient)
                if clinical.rcp_day < self.today:
                    discussed.setdefault(rc.GROUP_OF_PROFILE[clinical.profile].name, []).append((clinical.rcp_day, patient))
        for pool in discussed.values():
            pool.sort()
        secretaries = [pid for pid, _s, _t, role in self.hospital if role == Role.RCP_SECRETARY]
        rcps, members, secretariat, sessions, cases, attendance, events = [], [], [], [], [], [], []
        self.rcp_members: dict[int, list[int]] = {}
        for rcp_id, index, group in self.rcp_plan:
            organisation = self.org_ids[index % len(self.org_ids)]
            quorum = " ".join(dict.fromkeys(["G15_10/SM36", *group.specialties, "G15_10/SM37", "G15_10/SM44", "G15_10/SM01"]))
            rcps.append((rcp_id, ids.public(), f"RCP98{index:05d}", "RRC98", f"3C98{index:03d}", f"3C régional n° {index % 10 + 1}",
                         f"RCP {group.name} n° {index // len(rc.RCP_GROUPS) + 1} (fictive)", organisation, str(RcpKind.ORGAN),
                         False, False, group.appareil, " ".join(group.organs), "", quorum,
                         "mardi 14 h", "Salle de staff", "", True, 1, self.now, self.now))
            board, coordinator = self._board(group, by_specialty)
            self.rcp_members[rcp_id] = board
            for pid in board:
                members.append((rcp_id, pid, pid == coordinator, self.now))
            # the 3C secretariat runs the board without sitting in it
            secretariat.extend((rcp_id, pid, self.now) for pid in rng.sample(secretaries, min(2, len(secretaries))))
            pool = discussed.get(group.name, [])
            for day in self.schedule.days[rcp_id]:
                session_id += 1
                starts = datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)
                past = day < self.today
                status = RcpSessionStatus.CLOSED if past else RcpSessionStatus.PUBLISHED
                sessions.append((session_id, ids.public(), rcp_id, starts, starts - timedelta(days=2), "", "",
                                 str(status), "", starts - timedelta(days=20), starts - timedelta(days=30)))
                if not past and day > self.today + timedelta(days=21):
                    continue
                firsts = first_cases.get((rcp_id, day), [])
                earlier = bisect.bisect_left(pool, (day, 0))
                again = [pool[rng.randrange(earlier)][1] for _ in range(min(earlier // 8, max(0, rng.randint(8, 25) - len(firsts))))]
                # a patient is registered once per session, however often drawn again
                for number, patient in enumerate(dict.fromkeys(firsts + again)):
                    case_id += 1
                    clinical = self.clinical[patient]
                    team = self.team_of_patient.get(patient) or board
                    profile = profiles.PROFILES[clinical.profile]
                    proposal = json.dumps([{"type": profile.first_treatment, "intention": "first", "detail": profile.proposal}],
                                          ensure_ascii=False) if past else "[]"
                    cases.append((case_id, ids.public(), session_id, patient, team[0], team[0],
                                  str(RcpCaseReason.TREATMENT_PROPOSAL), "Proposition thérapeutique ?", "", "{}",
                                  str(RcpCaseStatus.DISCUSSED if past else RcpCaseStatus.REGISTERED),
                                  starts - timedelta(days=5), proposal, "Référentiel régional" if past else "",
                                  False, "", "", "", True if past else None, False,
                                  starts + timedelta(hours=1) if past else None, 1 if past else 0,
                                  starts + timedelta(hours=1) if past else starts - timedelta(days=5)))
                    if not past:
                        continue
                    if number < len(firsts) and len(self.fiches) < sizes.fiches:
                        self.fiches.append(rc.Fiche(case_id, coordinator, team[0], clinical))
                    else:  # the decision without its fiche in this region
                        event_id += 1
                        events.append((event_id, ids.public(), patient, str(PathwayEventKind.RCP_DECISION), day,
                                       f"Décision de RCP : RCP {group.name}", None, coordinator, starts + timedelta(hours=2)))
                if past:
                    for pid in board:
                        if pid in self.physician_specialty:
                            attendance_id += 1
                            attendance.append((attendance_id, session_id, pid, self.physician_specialty[pid], starts, "room", True))
            if len(cases) > 50_000:
                self._flush_rcp(rcps, members, secretariat, sessions, cases, attendance)
                rcps, members, secretariat, sessions, cases, attendance = [], [], [], [], [], []
        self._flush_rcp(rcps, members, secretariat, sessions, cases, attendance)
        for patient, clinical in self.clinical.items():
            for kind, day, title in ((PathwayEventKind.TREATMENT_START, clinical.treatment, "Début du traitement"),
                                     (PathwayEventKind.FOLLOW_UP, clinical.follow_up, "Entrée en surveillance")):
                if day is not None:
                    event_id += 1
                    events.append((event_id, ids.public(), patient, str(kind), day, title, None, None,
                                   datetime(day.year, day.month, day.day, 18, 0, tzinfo=UTC)))
        self._flush_events(events)
        self._say("RCP, séances, dossiers présentés et étapes des parcours")

    def _flush_events(self, events) -> None:
        self.w.insert("pathway_event", ["id", "public_id", "patient_id", "kind", "occurred_on", "title", "document_id",
                                        "author_professional_id", "created_at"], events)

    def _flush_rcp(self, rcps, members, secretariat, sessions, cases, attendance) -> None:
        w = self.w
        w.insert("rcp", ["id", "public_id", "national_id", "network_id", "manager_id", "manager_name", "name",
                         "organisation_id", "kind", "is_recours", "is_pediatric", "appareil_code", "organ_codes",
                         "transversal_code", "quorum_specialties", "usual_schedule", "place", "visio_url", "active",
                         "version", "created_at", "updated_at"], rcps)
        w.insert("rcp_member", ["rcp_id", "professional_id", "is_coordinator", "created_at"], members)
        w.insert("rcp_secretariat", ["rcp_id", "professional_id", "created_at"], secretariat)
        w.insert("rcp_session", ["id", "public_id", "rcp_id", "starts_at", "registration_deadline", "place", "visio_url",
                                 "status", "series_id", "published_at", "created_at"], sessions)
        w.insert("rcp_case", ["id", "public_id", "session_id", "patient_id", "requester_professional_id",
                              "presenter_professional_id", "reason", "question", "summary", "checklist_json", "status",
                              "created_at", "proposal_json", "guideline", "trial_proposed", "trial_detail",
                              "additional_exams", "comment", "quorum_reached", "needs_representation", "decided_at",
                              "decision_version", "updated_at"], cases)
        w.insert("rcp_attendance", ["id", "session_id", "professional_id", "specialty_code", "created_at", "via", "confirmed"],
                 attendance)
