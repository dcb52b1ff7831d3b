"""What each indicator counts, written once: the screens, the CSV and the README read these definitions.

Small cells: a count of patients or cases from 1 to 4 is shown « < 5 »; a rate, a median, a 90th percentile or a
mean computed on fewer than 5 cases is not shown (« effectif < 5 »), so that no figure points at one or two patients.
A number of sessions is shown whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcc_portal.services.record import quality

SMALL_CELL = 5


@dataclass(frozen=True)
class Definition:
    key: str
    family: str  # pathway | rcp
    label: str
    kind: str  # rate (%) | delay (days: median, p90, share within target) | count | mean
    numerator: str
    denominator: str
    source: str
    target: str = ""  # the target as people say it ("" when none)
    target_days: int | None = None  # delays: the target of services/record/quality.py
    target_rate: float | None = None  # rates with a stated objective (%)


NEW_PATIENTS = ("patients nouveaux : premier diagnostic de cancer (phase initiale, date du CR-ACP) dans la période, "
                "rattachés à la RCP de leur première inscription")


def _delay(key: str, family_label: str, start: str, end: str, source: str) -> Definition:
    target = quality.TARGET_BY_KEY[key]
    return Definition(
        key, "pathway", family_label, "delay",
        f"jours entre {start} et {end}, patient par patient : médiane, 90e percentile, et part à {target.days} jours "
        "au plus",
        f"{NEW_PATIENTS}, pour qui les deux dates sont connues", source,
        target=f"{quality.weeks(target.days)} au plus", target_days=target.days)


DEFINITIONS: tuple[Definition, ...] = (
    Definition("rcp_before_treatment", "pathway", "Patients nouveaux présentés en RCP avant le premier traitement", "rate",
               "patients dont la première décision de RCP (fiche RCP) est datée au plus tard du jour du premier traitement",
               f"{NEW_PATIENTS}, dont un traitement a commencé",
               "parcours : étapes « décision de RCP » et « début de traitement » de la chronologie",
               target="100 %", target_rate=100.0),
    _delay("diagnosis_to_rcp", "Délai du diagnostic à la RCP", "la date du CR-ACP",
           "la première décision de RCP qui la suit", "diagnostic (date du CR-ACP) et étape « décision de RCP »"),
    _delay("rcp_to_treatment", "Délai de la RCP au premier traitement", "la première décision de RCP",
           "le premier traitement commencé (pour les patients présentés avant leur traitement)",
           "étapes « décision de RCP » et « début de traitement »"),
    Definition("announcement", "pathway", "Patients nouveaux ayant eu la consultation médicale d'annonce", "rate",
               "patients dont une consultation médicale d'annonce est enregistrée", NEW_PATIENTS,
               "dispositif d'annonce : étape « consultation médicale d'annonce »", target="100 %", target_rate=100.0),
    Definition("pps_handover", "pathway", "Patients nouveaux présentés en RCP ayant reçu leur PPS", "rate",
               "patients à qui une version du PPS a été remise", f"{NEW_PATIENTS}, avec une décision de RCP",
               "remises du PPS (programme personnalisé de soins)", target="100 %", target_rate=100.0),
    _delay("rcp_to_pps", "Délai de la RCP à la remise du PPS", "la première décision de RCP",
           "la première remise du PPS", "étape « décision de RCP » et remises du PPS"),
    Definition("sessions_held", "rcp", "Séances tenues", "count",
               "séances ouvertes ou closes dont la date est dans la période", "—",
               "séances de RCP (une séance annulée ou pas encore tenue ne compte pas)"),
    Definition("cases_per_session", "rcp", "Dossiers par séance", "mean",
               "dossiers discutés ou enregistrés sans discussion lors des séances tenues", "séances tenues",
               "dossiers inscrits aux séances"),
    Definition("quorum", "rcp", "Dossiers discutés avec quorum", "rate",
               "dossiers discutés quand le quorum était atteint : au moins trois médecins de spécialités différentes "
               "(parmi celles du quorum de la RCP), et un chirurgien en RCP d'organe hors hématologie (règle des "
               "écrans de séance)",
               "dossiers discutés lors des séances tenues",
               "constat de quorum enregistré à la discussion, sinon présences de la séance (indicateur HAS/INCa)",
               target="100 %", target_rate=100.0),
    Definition("complete_at_registration", "rcp", "Dossiers complets à l'inscription", "rate",
               "dossiers dont, à l'inscription, le CR-ACP et l'imagerie étaient au dossier (ou l'imagerie déclarée "
               "disponible), le diagnostic codé (CIM-10 et morphologie), le stade, l'état général OMS et le médecin "
               "traitant renseignés, et le patient informé",
               "dossiers inscrits aux séances de la période (hors retraits)",
               "liste de contrôle de l'inscription ; diagnostic, stade et médecin traitant tels qu'ils sont aujourd'hui"),
    Definition("signed_within_7_days", "rcp", "Fiches RCP signées dans les 7 jours", "rate",
               "fiches dont la première version est signée au plus 7 jours après le début de la séance",
               "dossiers discutés ou enregistrés lors des séances tenues",
               "signature des fiches RCP", target="7 jours au plus", target_rate=100.0),
    Definition("sent_to_gp", "rcp", "Fiches RCP adressées au médecin traitant", "rate",
               "fiches signées dont le médecin traitant a été averti dans la messagerie du portail",
               "fiches signées des patients qui ont un médecin traitant", "notifications « fiche RCP disponible »"),
    Definition("gp_refusal", "rcp", "Refus du patient envers son médecin traitant", "rate",
               "fiches signées de patients qui s'opposent à l'accès de leur médecin traitant",
               "fiches signées des patients qui ont un médecin traitant", "oppositions du patient"),
    Definition("sent_to_dmp", "rcp", "Fiches RCP versées au DMP", "rate",
               "fiches signées dont une version a été accusée reçue par le DMP",
               "fiches signées", "envois au DMP (accusés de réception)"),
    Definition("dmp_refusal", "rcp", "Opposition à l'alimentation du DMP", "rate",
               "fiches signées de patients opposés à l'alimentation de leur DMP", "fiches signées",
               "opposition au DMP enregistrée au dossier"),
    Definition("active_professionals", "use", "Professionnels actifs", "count",
               "comptes de professionnels (ni patients) connectés au moins une fois dans la période, par profil",
               "—", "journal d'audit : connexions réussies"),
    Definition("gp_logins", "use", "Connexions des médecins généralistes", "count",
               "connexions réussies de comptes de médecins généralistes dans la période", "—",
               "journal d'audit : connexions réussies"),
    Definition("gp_document_reads", "use", "Documents ouverts par les médecins généralistes", "count",
               "documents ouverts dans la liseuse par un médecin généraliste, comptés à la date de sa dernière lecture",
               "—", "lectures de documents (dernière version ouverte par compte)"),
    Definition("emergency_accesses", "use", "Accès en urgence (bris de glace)", "count",
               "accès en urgence ouverts dans la période, par profil de qui les a ouverts", "—",
               "accès en urgence (motif saisi, durée limitée)"),
)
DEFINITION_BY_KEY = {definition.key: definition for definition in DEFINITIONS}


@dataclass(frozen=True)
class Site:
    key: str
    label: str
    low: str  # first three-character CIM-10 code of the group
    high: str  # last


# Malignant neoplasms of CIM-10 chapter II, by the chapter's own groups (and in situ / uncertain behaviour).
SITES: tuple[Site, ...] = (
    Site("C00-C14", "Lèvre, cavité buccale et pharynx", "C00", "C14"),
    Site("C15-C26", "Organes digestifs", "C15", "C26"),
    Site("C30-C39", "Organes respiratoires et intrathoraciques", "C30", "C39"),
    Site("C40-C41", "Os et cartilage articulaire", "C40", "C41"),
    Site("C43-C44", "Mélanome et autres tumeurs de la peau", "C43", "C44"),
    Site("C45-C49", "Tissus mésothéliaux et tissus mous", "C45", "C49"),
    Site("C50", "Sein", "C50", "C50"),
    Site("C51-C58", "Organes génitaux de la femme", "C51", "C58"),
    Site("C60-C63", "Organes génitaux de l'homme", "C60", "C63"),
    Site("C64-C68", "Voies urinaires", "C64", "C68"),
    Site("C69-C72", "Œil, encéphale et système nerveux central", "C69", "C72"),
    Site("C73-C75", "Thyroïde et autres glandes endocrines", "C73", "C75"),
    Site("C76-C80", "Sièges mal définis, secondaires et non précisés", "C76", "C80"),
    Site("C81-C96", "Tissus lymphoïdes, hématopoïétiques et apparentés", "C81", "C96"),
    Site("C97", "Sièges multiples indépendants", "C97", "C97"),
    Site("D00-D48", "Tumeurs in situ, bénignes ou à évolution imprévisible", "D00", "D48"),
)
SITE_BY_KEY = {site.key: site for site in SITES}


def count_text(count: int) -> str:
    """A count as shown: « < 5 » from 1 to 4."""
    return f"< {SMALL_CELL}" if 0 < count < SMALL_CELL else f"{count:,}".replace(",", "\u202f")


def rate(numerator: int, denominator: int) -> float | None:
    """The percentage, or None when the denominator is under the small-cell threshold."""
    if denominator < SMALL_CELL:
        return None
    return round(100.0 * numerator / denominator, 1)


def rate_text(value: float | None) -> str:
    return "effectif < 5" if value is None else f"{value:.1f} %".replace(".", ",")


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """The value below which `share` of the cases lie (nearest rank), from {value: count}; None under 5 cases."""
    total = sum(histogram.values())
    if total < SMALL_CELL:
        return None
    rank = max(1, -(-int(share * 1000) * total // 1000))  # ceil(share * total) without float error
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None
