"""One clinical profile per tumour site, and one story per demo patient.

A profile says which organ RCP discusses the cancer, which surgeon and organ specialist take part in the care, what
the RCP proposes first and which programme follows; a story dates one patient's pathway (suspicion, pathology
report, RCP decision, announcement, first treatment, follow-up) from the patient's care stage. The demo loaders
and the region generator read both, so every patient tells one coherent story.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dcc_portal.demo import calendar_days, programmes
from dcc_portal.models import CareStage

SURGERY_DIGESTIVE, SURGERY_GYNAECOLOGY, SURGERY_UROLOGY, SURGERY_THORACIC = (
    "G15_10/SM14", "G15_10/SM20", "G15_10/SM12", "G15_10/SM11")
GASTROENTEROLOGY, HAEMATOLOGY, PNEUMOLOGY, DERMATOLOGY = "G15_10/SM24", "G15_10/SM21", "G15_10/SM41", "G15_10/SM15"


@dataclass(frozen=True)
class Cancer:
    icd10: str
    morphology: str
    laterality: str
    prefix: str
    t: str
    n: str
    m: str
    other: str
    biopsy: str  # what the CR-ACP was done on
    conclusion: str
    imaging: str


@dataclass(frozen=True)
class Profile:
    key: str
    rcp: str  # national id of the demo organ RCP that discusses it
    rcp_name: str  # that RCP's name, for the generated region
    appareil: str  # JDV_RCP_Appareil code of that RCP
    organs: tuple[str, ...]  # JDV_RCP_Organe codes
    icd10: tuple[str, ...]  # CIM-10 categories of the profile
    surgeon: str | None  # JDV_J01 specialty of the surgeon of the care team
    organ_specialist: str | None
    radiotherapy: bool
    first_treatment: str  # JDV_TypeTraitement_FRCP code proposed in first intention
    proposal: str  # its detail on the fiche
    programme: Callable[[date], dict]
    cancers: tuple[Cancer, ...]


def _c(*fields: str) -> Cancer:
    return Cancer(*fields)


PROFILES = {profile.key: profile for profile in (
    Profile("breast", "99010002", "sein et gynécologie", "76752008", ("76752008",), ("C50",), SURGERY_GYNAECOLOGY, None, True,
            "C15632", "Chimiothérapie néoadjuvante, puis chirurgie, radiothérapie et hormonothérapie.", programmes.breast, (
                _c("C50.4", "8500/3", "left", "c", "T2", "N1", "M0", "SBR grade 2, RH+, HER2-", "Microbiopsies échoguidées du sein gauche",
                   "Carcinome canalaire infiltrant de grade SBR 2, récepteurs hormonaux positifs, HER2 négatif.", "Mammographie et échographie mammaires"),
                _c("C50.9", "8520/3", "right", "c", "T1c", "N0", "M0", "Grade 2, RH+, HER2-", "Microbiopsies du sein droit",
                   "Carcinome lobulaire infiltrant, RH+, HER2 négatif, Ki67 12 %.", "Mammographie bilatérale"))),
    Profile("ovary", "99010002", "sein et gynécologie", "53065001", ("15497006",), ("C56",), SURGERY_GYNAECOLOGY, None, False,
            "C15632", "Chimiothérapie néoadjuvante par carboplatine-paclitaxel, puis chirurgie de cytoréduction.", programmes.ovary, (
                _c("C56", "8441/3", "", "c", "T3c", "N1", "M0", "FIGO IIIC", "Biopsies péritonéales sous cœlioscopie",
                   "Adénocarcinome séreux de haut grade d'origine annexielle.", "Scanner abdomino-pelvien"),)),
    Profile("colon", "99010001", "digestive", "86762007", ("MED-251",), ("C18", "C19", "C20"), SURGERY_DIGESTIVE, GASTROENTEROLOGY,
            False, "387713003", "Colectomie, puis chimiothérapie adjuvante FOLFOX selon l'histologie.", programmes.colon, (
                _c("C18.7", "8140/3", "", "p", "T3", "N1a", "M0", "", "Biopsies coliques (coloscopie)",
                   "Adénocarcinome lieberkühnien moyennement différencié, statut MMR conservé.", "Scanner thoraco-abdomino-pelvien"),
                _c("C18.7", "8140/3", "", "p", "T3", "N0", "M0", "", "Biopsies coliques (coloscopie)",
                   "Adénocarcinome lieberkühnien bien différencié.", "Scanner thoraco-abdomino-pelvien"))),
    Profile("pancreas", "99010001", "digestive", "86762007", ("15776009",), ("C25",), SURGERY_DIGESTIVE, GASTROENTEROLOGY, False,
            "C15632", "Chimiothérapie FOLFIRINOX, réévaluation en RCP pour la chirurgie.", programmes.pancreas, (
                _c("C25.9", "8140/3", "", "c", "T2", "N0", "M0", "", "Biopsie pancréatique sous écho-endoscopie",
                   "Adénocarcinome canalaire pancréatique.", "Scanner pancréatique"),)),
    Profile("lung", "99010003", "thoracique", "312419003", ("MED-255",), ("C34",), SURGERY_THORACIC, None, True,
            "C15632", "Chimiothérapie à base de sels de platine associée à l'immunothérapie.", programmes.lung, (
                _c("C34.1", "8140/3", "right", "c", "T2a", "N2", "M0", "", "Biopsies bronchiques (fibroscopie)",
                   "Adénocarcinome pulmonaire TTF1+, recherche EGFR/ALK en cours.", "Scanner thoracique"),
                _c("C34.1", "8070/3", "left", "c", "T3", "N1", "M0", "", "Biopsies bronchiques (fibroscopie)",
                   "Carcinome épidermoïde bronchique moyennement différencié, PD-L1 60 %.", "Scanner thoracique"))),
    Profile("prostate", "99010006", "urologie", "90264002", ("41216001",), ("C61",), SURGERY_UROLOGY, None, True,
            "C15313", "Radiothérapie prostatique associée à une hormonothérapie courte.", programmes.prostate, (
                _c("C61", "8140/3", "", "c", "T2b", "N0", "M0", "Gleason 7 (3+4), ISUP 2", "Biopsies prostatiques écho-guidées",
                   "Adénocarcinome prostatique acinaire, score de Gleason 7 (3+4), ISUP 2, 4 biopsies positives sur 12.", "IRM prostatique"),)),
    Profile("bladder", "99010006", "urologie", "122489005", ("89837001",), ("C67",), SURGERY_UROLOGY, None, False,
            "C15632", "Chimiothérapie néoadjuvante, puis cystectomie totale.", programmes.bladder, (
                _c("C67.9", "8120/3", "", "p", "T2", "N0", "M0", "Haut grade", "Résection transurétrale de vessie",
                   "Carcinome urothélial de haut grade infiltrant le muscle.", "Uro-scanner"),)),
    Profile("lymphoma", "99010004", "hématologie", "57171008", ("C3211",), ("C83",), None, HAEMATOLOGY, False,
            "C15632", "Immunochimiothérapie R-CHOP, six cures.", programmes.lymphoma, (
                _c("C83.3", "9680/3", "", "c", "", "", "", "Ann Arbor II", "Biopsie ganglionnaire cervicale",
                   "Lymphome B diffus à grandes cellules, CD20 positif.", "TEP-scanner"),)),
    Profile("melanoma", "", "dermatologie", "39937001", ("39937001",), ("C43",), None, DERMATOLOGY, False,
            "387713003", "Reprise d'exérèse, puis immunothérapie adjuvante.", programmes.melanoma, (
                _c("C43.9", "8720/3", "", "p", "T3a", "N1a", "M0", "", "Exérèse d'une lésion pigmentée",
                   "Mélanome malin à extension superficielle, Breslow 2,4 mm.", "Dermoscopie"),)),
)}


def for_icd10(code: str) -> Profile | None:
    """The profile of a CIM-10 code (its category, C50.4 -> C50)."""
    category = code.split(".")[0]
    return next((profile for profile in PROFILES.values() if category in profile.icd10), None)


# The demo patients' cancers, by sex and patient index (index % 5), as the demo has always had them; every 20th
# male patient from the 20th has a lymphoma, so that the haematology RCP has patients too.
FEMALE_SITES = (("breast", 0), ("breast", 1), ("ovary", 0), ("colon", 0), ("lung", 0))
MALE_SITES = (("prostate", 0), ("lung", 1), ("colon", 1), ("pancreas", 0), ("bladder", 0))


def demo_cancer(index: int, sex: str) -> tuple[Profile, Cancer]:
    if sex != "F" and index % 20 == 19:
        key, variant = "lymphoma", 0
    else:
        key, variant = (FEMALE_SITES if sex == "F" else MALE_SITES)[index % 5]
    profile = PROFILES[key]
    return profile, profile.cancers[variant]


def demo_index(local_id: str) -> int:
    """DEMO-000007 -> 6."""
    return int(local_id.removeprefix("DEMO-")) - 1


# --- the dates of one patient's pathway

STAGES = [CareStage.SUSPICION, CareStage.DIAGNOSIS, CareStage.RCP, CareStage.ANNOUNCEMENT, CareStage.TREATMENT,
          CareStage.FOLLOW_UP]


@dataclass(frozen=True)
class Story:
    profile: Profile
    cancer: Cancer
    stage: str
    suspicion: date
    diagnosis: date | None  # the CR-ACP
    rcp: date | None  # the RCP decision (a session day of the profile's RCP)
    announcement: date | None
    treatment: date | None  # first treatment
    follow_up: date | None  # entry into follow-up

    @property
    def step(self) -> int:
        return STAGES.index(self.stage) if self.stage in STAGES else 1


def session_day(around: date, weekday: int) -> date:
    """The RCP's meeting day on or before `around`."""
    return around - timedelta(days=(around.weekday() - weekday) % 7)


def story(index: int, sex: str, stage: str, today: date, *, rcp_weekday: int) -> Story:
    """The dates of a demo patient's pathway, from its care stage: each step after the one before, the last one
    recent, each delay within what the stage allows."""
    profile, cancer = demo_cancer(index, sex)
    rng = random.Random(index * 7919 + 17)
    step = STAGES.index(stage) if stage in STAGES else 1
    rcp = announcement = treatment = follow_up = None
    if step == 0:
        return Story(profile, cancer, stage, today - timedelta(days=rng.randint(12, 28)), None, None, None, None, None)
    if step == 1:
        diagnosis = today - timedelta(days=rng.randint(2, 18))
    else:
        back = {2: (1, 12), 3: (8, 20), 4: (25, 170), 5: (260, 420)}[step]
        rcp = session_day(today - timedelta(days=rng.randint(*back)), rcp_weekday)
        diagnosis = rcp - timedelta(days=rng.randint(8, 24))
        if step >= 3:
            announcement = rcp + timedelta(days=rng.randint(3, 6))
        if step >= 4:
            treatment = calendar_days.open_on_or_before(min(rcp + timedelta(days=rng.randint(14, 35)), today - timedelta(days=3)))
        if step >= 5:
            follow_up = calendar_days.open_on_or_before(treatment + timedelta(days=rng.randint(150, 200)))
    suspicion = diagnosis - timedelta(days=rng.randint(10, 20))
    return Story(profile, cancer, stage, suspicion, diagnosis, rcp, announcement, treatment, follow_up)

