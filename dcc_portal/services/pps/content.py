"""The content of a PPS version (plain JSON) without the database: its fields and value sets, the check of what
the team typed, the plain-language labels the patient reads, the dated events of the programme, and the readable
difference between two versions.

A version's content looks like:
    {"schema": 1, "rcp_date": "2026-03-02", "rcp_proposal": "...", "plan_summary": "...", "end_of_treatment": "",
     "treatments": [{"uid": "a1b2c3d4e5f6", "type": "C15632", "title": "...", "start": "2026-03-16", ...}],
     "follow_up": [...], "measures": [...], "supportive_care": [...], "social": [...], "contacts": [...],
     "diagnosis": {...}, "team": {...},            # copied from the record at each save
     "update": {"code": "MED-560", "detail": ""}}  # why this version, from the second issued version on
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from dcc_portal import formatting
from dcc_portal.services.common import inputs, terminology

SCHEMA = 1
MAX_ITEMS = 30
MAX_SESSIONS = 200
DATE_MIN, DATE_MAX = date(2000, 1, 1), date(2099, 12, 31)

TREATMENT_TYPES = "JDV_TypeTraitementPPS_CISIS"
ADMINISTRATION_ROUTES = "JDV_ModeAdministration_CISIS"
FOLLOW_UP_TYPES = "JDV_TypeDeSuivi_CISIS"
MEASURE_TYPES = "JDV_MesuresAssociees_CISIS"
SUPPORTIVE_CARE_TYPES = "JDV_SoinsOncoDeSupport_CISIS"
SOCIAL_TYPES = "JDV_TypeAccompagnementSocioPro_CISIS"
UPDATE_REASONS = "JDV_MotifMiseAJour_CISIS"
OTHER_UPDATE_REASON = "GEN-092.08.02"

# What a patient reads for each code (the official labels are written for professionals).
PLAIN_LABELS: dict[str, str] = {
    # treatments
    "387713003": "Chirurgie (opération)",
    "C15313": "Radiothérapie (traitement par rayons)",
    "C15195": "Curiethérapie (rayons appliqués au contact de la tumeur)",
    "C15632": "Chimiothérapie (médicaments qui détruisent les cellules malades)",
    "C93352": "Thérapie ciblée (médicaments qui visent certaines cellules malades)",
    "C15445": "Hormonothérapie (traitement qui bloque l'effet de certaines hormones)",
    "C15262": "Immunothérapie (traitement qui aide vos défenses à combattre la maladie)",
    "C63334": "Radiologie interventionnelle (geste guidé par l'imagerie)",
    "MED-556": "Pause dans le traitement",
    "MED-226": "Surveillance (pas de traitement pour le moment)",
    "MED-227": "Surveillance active (examens réguliers)",
    "C157891": "Endoscopie (geste réalisé avec une petite caméra)",
    "MED-232": "Irathérapie (iode radioactif)",
    "MED-126": "Greffe de cellules souches",
    "GEN-092.03.01": "Autre traitement",
    # administration
    "20045000": "Par perfusion dans une veine",
    "20053000": "Par la bouche (comprimés, gélules)",
    "20066000": "Par piqûre sous la peau",
    "20035000": "Par piqûre dans un muscle",
    "20030000": "Par piqûre dans la peau",
    "20062000": "Autre façon",
    # follow-up
    "MED-091": "Prise de sang ou analyses",
    "MED-092": "Examen d'imagerie (scanner, IRM, échographie…)",
    "11429006": "Consultation",
    "GEN-092.04.06": "Autre suivi",
    # update reasons
    "263855007": "La maladie est revenue (rechute)",
    "MED-103": "Le traitement n'a pas eu l'effet attendu",
    "MED-104": "Suite à votre choix de ne pas faire un traitement",
    "MED-105": "Mise en place de soins palliatifs (soins de confort)",
    "MED-560": "Ajustement de votre traitement ou de votre suivi",
    "MED-561": "Ajustement des soins de support et de l'accompagnement",
    "GEN-175": "Mise à jour d'informations administratives",
    "GEN-176": "Changement de dates dans votre calendrier",
    "GEN-092.08.02": "Autre raison",
}


def value_set_label(file_stem: str, code: str) -> str:
    """The official label, first letter capitalised (team screens, CDA)."""
    label = terminology.load(file_stem).label(code, "")
    return label[:1].upper() + label[1:] if label else ""


def plain_label(file_stem: str, code: str) -> str:
    return PLAIN_LABELS.get(code) or value_set_label(file_stem, code)


def options(file_stem: str) -> list[tuple[str, str]]:
    return [(concept.code, value_set_label(file_stem, concept.code)) for concept in terminology.load(file_stem).concepts]


# --- Fields ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str  # text | long | date | time | int | bool | code | phone
    label: str  # plain French, used in the differences shown to the patient
    required: bool = False
    max_length: int = 200
    value_set: str = ""
    minimum: int = 1
    maximum: int = 365


SECTION_FIELDS: dict[str, tuple[Spec, ...]] = {
    "treatments": (
        Spec("type", "code", "type de traitement", required=True, value_set=TREATMENT_TYPES),
        Spec("title", "text", "traitement", required=True),
        Spec("start", "date", "date de début", required=True),
        Spec("end", "date", "date de fin"),
        Spec("time", "time", "heure"),
        Spec("every_days", "int", "nombre de jours entre deux séances", maximum=365),
        Spec("sessions", "int", "nombre de séances", maximum=MAX_SESSIONS),
        Spec("weekdays_only", "bool", "séances du lundi au vendredi"),
        Spec("rhythm", "text", "rythme"),
        Spec("place", "text", "lieu"),
        Spec("at_home", "bool", "à domicile"),
        Spec("route", "code", "façon de recevoir le traitement", value_set=ADMINISTRATION_ROUTES),
        Spec("side_effects", "long", "effets indésirables possibles", max_length=2000),
        Spec("management", "long", "comment les prévenir et que faire", max_length=2000),
    ),
    "follow_up": (
        Spec("type", "code", "type de suivi", required=True, value_set=FOLLOW_UP_TYPES),
        Spec("title", "text", "examen ou consultation", required=True),
        Spec("date", "date", "date"),
        Spec("time", "time", "heure"),
        Spec("place", "text", "lieu"),
        Spec("rhythm", "text", "fréquence"),
    ),
    "measures": (
        Spec("type", "code", "type de mesure", required=True, value_set=MEASURE_TYPES),
        Spec("detail", "long", "précisions", max_length=1000),
    ),
    "supportive_care": (
        Spec("type", "code", "type de soin de support", required=True, value_set=SUPPORTIVE_CARE_TYPES),
        Spec("detail", "long", "précisions", max_length=1000),
        Spec("contact", "text", "avec qui"),
    ),
    "social": (
        Spec("type", "code", "type d'accompagnement", required=True, value_set=SOCIAL_TYPES),
        Spec("detail", "long", "précisions", max_length=1000),
    ),
    "contacts": (
        Spec("who", "text", "qui appeler", required=True),
        Spec("reason", "text", "pour quoi"),
        Spec("phone", "phone", "téléphone", max_length=30),
        Spec("hours", "text", "horaires"),
        Spec("emergency", "bool", "en cas d'urgence"),
    ),
}

SCALAR_FIELDS: tuple[Spec, ...] = (
    Spec("rcp_date", "date", "date de la réunion de concertation (RCP)"),
    Spec("rcp_proposal", "long", "proposition de la RCP", max_length=4000),
    Spec("plan_summary", "long", "votre programme en quelques mots", max_length=2000),
    Spec("end_of_treatment", "date", "fin prévue des traitements actifs"),
)

# Sections written by the announcement / coordination nurse; the rest is the physicians'.
NURSE_SECTIONS = frozenset({"supportive_care", "social"})
SECTIONS = tuple(SECTION_FIELDS)

SECTION_TITLES = {
    "general": "Votre programme en bref",
    "treatments": "Vos traitements",
    "follow_up": "Vos examens et consultations de suivi",
    "measures": "Mesures associées",
    "supportive_care": "Soins de support",
    "social": "Vie quotidienne, travail et aides",
    "contacts": "Qui appeler",
    "team": "Votre équipe",
    "diagnosis": "Votre diagnostic",
}

_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_PHONE = re.compile(r"^\+?[0-9 .()-]{4,30}$")


def new_uid() -> str:
    return secrets.token_hex(6)


def empty_item(section: str) -> dict[str, str]:
    return {"uid": new_uid(), **{spec.name: "" for spec in SECTION_FIELDS[section]}}


def _clean_text(value, spec: Spec) -> str:
    return inputs.text(value) if spec.kind == "long" else inputs.line(value)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _normalize_value(raw, spec: Spec, key: str, errors: dict[str, str]):
    """One typed value from what the form sent (strings), or an error message under `key`."""
    if spec.kind == "bool":
        return raw is True or str(raw).strip().lower() in ("true", "on", "1", "yes")
    text = _clean_text(raw, spec)
    if not text:
        if spec.required:
            errors[key] = "Ce champ est obligatoire."
        return None if spec.kind == "int" else ""
    if spec.kind in ("text", "long", "phone") and len(text) > spec.max_length:
        errors[key] = f"{spec.max_length} caractères au plus."
        return text[: spec.max_length]
    if spec.kind == "date":
        parsed = _parse_date(text)
        if parsed is None:
            errors[key] = "Date invalide."
        elif not DATE_MIN <= parsed <= DATE_MAX:
            errors[key] = "Date hors des limites acceptées (2000 à 2099)."
        return text
    if spec.kind == "time":
        if not _TIME.match(text):
            errors[key] = "Heure invalide (format HH:MM)."
        return text
    if spec.kind == "int":
        if not text.isascii() or not text.isdigit() or not spec.minimum <= int(text) <= spec.maximum:
            errors[key] = f"Nombre entier entre {spec.minimum} et {spec.maximum}."
            return None
        return int(text)
    if spec.kind == "code":
        if terminology.load(spec.value_set).label(text, None) is None:
            errors[key] = "Choisissez une valeur dans la liste."
        return text
    if spec.kind == "phone" and not _PHONE.match(text):
        errors[key] = "Numéro de téléphone invalide (chiffres, espaces, + . - et parenthèses)."
    return text


def _check_item(section: str, item: dict, key: str, errors: dict[str, str]) -> None:
    """Rules between the fields of one item."""
    if section == "treatments":
        start, end = _parse_date(item["start"] or ""), _parse_date(item["end"] or "")
        if start and end and end < start:
            errors[f"{key}.end"] = "La date de fin précède la date de début."
        if item["sessions"] and item["sessions"] > 1 and not item["every_days"] and not item["weekdays_only"]:
            errors[f"{key}.every_days"] = "Indiquez l'intervalle entre deux séances (ou « du lundi au vendredi »)."


def normalize(form: dict, *, sections: tuple[str, ...] = SECTIONS, scalars: bool = True) -> tuple[dict, dict[str, str]]:
    """The typed content of the editable sections and {field key: French message} for what is wrong.

    `form` holds lists of string dicts per section and the scalar fields, as the editor sends them.
    """
    errors: dict[str, str] = {}
    content: dict = {}
    if scalars:
        for spec in SCALAR_FIELDS:
            content[spec.name] = _normalize_value(form.get(spec.name, ""), spec, spec.name, errors)
    for section in sections:
        raw_items = form.get(section) or []
        if not isinstance(raw_items, list):
            raw_items = []
        if len(raw_items) > MAX_ITEMS:
            errors[section] = f"{MAX_ITEMS} lignes au plus."
            raw_items = raw_items[:MAX_ITEMS]
        items = []
        for index, raw in enumerate(raw_items):
            raw = raw if isinstance(raw, dict) else {}
            uid = str(raw.get("uid") or "")
            item = {"uid": uid if re.fullmatch(r"[0-9a-f]{12}", uid) else new_uid()}
            key = f"{section}.{index}"
            for spec in SECTION_FIELDS[section]:
                item[spec.name] = _normalize_value(raw.get(spec.name, ""), spec, f"{key}.{spec.name}", errors)
            _check_item(section, item, key, errors)
            items.append(item)
        content[section] = items
    return content, errors


def handover_problems(content: dict) -> dict[str, str]:
    """What the PPS must hold before it is handed to the patient (CI-SIS: RCP date; a programme)."""
    problems: dict[str, str] = {}
    if not content.get("rcp_date"):
        problems["rcp_date"] = "La date de la RCP est obligatoire avant la remise du PPS."
    if not content.get("treatments") and not content.get("follow_up"):
        problems["treatments"] = "Le programme doit comporter au moins un traitement ou un suivi."
    if not content.get("contacts"):
        problems["contacts"] = "Indiquez au moins un contact « qui appeler »."
    return problems


def as_form(content: dict) -> dict:
    """The editor's strings for a stored content (the reverse of `normalize`)."""

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else ""
        return str(value)

    form: dict = {spec.name: text(content.get(spec.name)) for spec in SCALAR_FIELDS}
    for section, specs in SECTION_FIELDS.items():
        form[section] = [
            {"uid": str(item.get("uid", "")) or new_uid(), **{spec.name: text(item.get(spec.name)) for spec in specs}}
            for item in content.get(section, []) if isinstance(item, dict)
        ]
    return form


# --- Display ---------------------------------------------------------------------------------------------------


def display_value(spec: Spec, value) -> str:
    """A field as a patient reads it."""
    if value in (None, "", False):
        return ""
    if spec.kind == "bool":
        return "oui"
    if spec.kind == "date":
        parsed = _parse_date(str(value))
        return formatting.date_fr(parsed) if parsed else str(value)
    if spec.kind == "time":
        at = _time(value)
        return f"{at.hour} h {at.minute:02d}" if at else str(value)
    if spec.kind == "code":
        return plain_label(spec.value_set, str(value))
    return str(value)


def item_title(section: str, item: dict) -> str:
    """How one line of a section is named in a sentence."""
    if section in ("treatments", "follow_up"):
        return str(item.get("title") or "") or plain_label(SECTION_FIELDS[section][0].value_set, item.get("type", ""))
    if section == "contacts":
        return str(item.get("who") or "")
    spec = SECTION_FIELDS[section][0]
    return plain_label(spec.value_set, str(item.get("type", "")))


def treatment_when(item: dict) -> str:
    """« Du 16/03/2026 au 29/06/2026, 6 séances » in plain words."""
    start, end = _parse_date(str(item.get("start") or "")), _parse_date(str(item.get("end") or ""))
    parts = []
    if start and end and end != start:
        parts.append(f"Du {formatting.date_fr(start)} au {formatting.date_fr(end)}")
    elif start:
        parts.append(f"À partir du {formatting.date_fr(start)}" if item.get("sessions") else f"Le {formatting.date_fr(start)}")
    if item.get("time"):
        parts.append(f"à {display_value(Spec('time', 'time', ''), item['time'])}")
    sessions = item.get("sessions")
    if sessions and sessions > 1:
        if item.get("weekdays_only"):
            parts.append(f"{sessions} séances du lundi au vendredi")
        elif item.get("every_days"):
            parts.append(f"{sessions} séances, une tous les {item['every_days']} jours")
        else:
            parts.append(f"{sessions} séances")
    return ", ".join(parts)


# --- Planned events (calendar) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedEvent:
    key: str  # stable across versions: the item's uid and the session number
    section: str  # treatments | follow_up
    day: date
    last_day: date | None  # inclusive, for a treatment given over a period without separate sessions
    at: time | None
    title: str
    type_label: str  # plain type (« Chimiothérapie (…) »)
    short_type: str  # « Chimiothérapie »
    session: int
    sessions: int
    place: str
    at_home: bool

    @property
    def label(self) -> str:
        if self.sessions > 1:
            return f"{self.title} (séance {self.session} sur {self.sessions})"
        return self.title


def _short(label: str) -> str:
    return label.split(" (")[0]


def _session_days(start: date, *, sessions: int, every_days: int | None, weekdays_only: bool) -> list[date]:
    """Session dates: every weekday from the start, or one every `every_days` days."""
    days: list[date] = []
    current = start
    while len(days) < sessions:
        if not weekdays_only or current.weekday() < 5:
            days.append(current)
        current += timedelta(days=1 if weekdays_only else (every_days or 1))
    return days


def _time(value) -> time | None:
    if value and _TIME.match(str(value)):
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    return None


def planned_events(content: dict) -> list[PlannedEvent]:
    """Every dated step of the programme, in date order."""
    events: list[PlannedEvent] = []
    for item in content.get("treatments", []):
        start = _parse_date(str(item.get("start") or ""))
        if start is None:
            continue
        end = _parse_date(str(item.get("end") or ""))
        type_label = plain_label(TREATMENT_TYPES, item.get("type", ""))
        common = {
            "section": "treatments", "title": str(item.get("title") or _short(type_label)), "type_label": type_label,
            "short_type": _short(type_label), "place": str(item.get("place") or ""), "at_home": bool(item.get("at_home")),
        }
        sessions = min(int(item.get("sessions") or 1), MAX_SESSIONS)
        if sessions > 1:
            days = _session_days(start, sessions=sessions, every_days=item.get("every_days"),
                                 weekdays_only=bool(item.get("weekdays_only")))
            for number, day in enumerate(days, start=1):
                events.append(PlannedEvent(key=f"{item['uid']}-{number}", day=day, last_day=None, at=_time(item.get("time")),
                                           session=number, sessions=sessions, **common))
        elif end and end > start:
            events.append(PlannedEvent(key=f"{item['uid']}-1", day=start, last_day=end, at=None, session=1, sessions=1, **common))
        else:
            events.append(PlannedEvent(key=f"{item['uid']}-1", day=start, last_day=None, at=_time(item.get("time")),
                                       session=1, sessions=1, **common))
    for item in content.get("follow_up", []):
        day = _parse_date(str(item.get("date") or ""))
        if day is None:
            continue
        type_label = plain_label(FOLLOW_UP_TYPES, item.get("type", ""))
        events.append(PlannedEvent(
            key=f"{item['uid']}-1", section="follow_up", day=day, last_day=None, at=_time(item.get("time")),
            title=str(item.get("title") or _short(type_label)), type_label=type_label, short_type=_short(type_label),
            session=1, sessions=1, place=str(item.get("place") or ""), at_home=False,
        ))
    events.sort(key=lambda event: (event.day, event.at or time(0), event.key))
    return events


# --- What changed between two versions -------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionChange:
    section: str
    title: str
    lines: list[str] = field(default_factory=list)


def _item_changes(section: str, old_items: list, new_items: list) -> list[str]:
    specs = SECTION_FIELDS[section]
    old_by_uid = {item.get("uid"): item for item in old_items if isinstance(item, dict)}
    new_uids = {item.get("uid") for item in new_items if isinstance(item, dict)}
    lines = []
    for item in new_items:
        previous = old_by_uid.get(item.get("uid"))
        name = item_title(section, item)
        if previous is None:
            details = treatment_when(item) if section == "treatments" else ""
            lines.append(f"Ajouté : {name}" + (f" ({details[:1].lower() + details[1:]})" if details else ""))
            continue
        for spec in specs:
            before, after = display_value(spec, previous.get(spec.name)), display_value(spec, item.get(spec.name))
            if before == after:
                continue
            label = spec.label[:1].upper() + spec.label[1:]
            if spec.kind == "bool":
                lines.append(f"{name} : {spec.label} — {'oui' if after else 'non'} (avant : {'oui' if before else 'non'})")
            elif not before:
                lines.append(f"{name} : {spec.label} ajouté(e) — {after}")
            elif not after:
                lines.append(f"{name} : {spec.label} retiré(e) (avant : {before})")
            elif spec.kind == "long":
                lines.append(f"{name} : {label} — nouveau texte : {after}")
            else:
                lines.append(f"{name} : {spec.label} — désormais {after} (avant : {before})")
    for item in old_items:
        if isinstance(item, dict) and item.get("uid") not in new_uids:
            lines.append(f"Retiré : {item_title(section, item)}")
    return lines


def _team_changes(old: dict, new: dict) -> list[str]:
    before = {member.get("name") for member in old.get("members", [])}
    after = {member.get("name") for member in new.get("members", [])}
    lines = [f"{name} rejoint votre équipe" for name in sorted(after - before) if name]
    lines += [f"{name} ne fait plus partie de votre équipe" for name in sorted(before - after) if name]
    old_gp, new_gp = (old.get("medecin_traitant") or {}).get("name", ""), (new.get("medecin_traitant") or {}).get("name", "")
    if old_gp != new_gp and new_gp:
        lines.append(f"Votre médecin traitant : {new_gp}")
    return lines


def differences(old: dict, new: dict) -> list[SectionChange]:
    """What changed from `old` to `new`, section by section, in sentences a patient can read."""
    changes: list[SectionChange] = []
    general = []
    for spec in SCALAR_FIELDS:
        before, after = display_value(spec, old.get(spec.name)), display_value(spec, new.get(spec.name))
        if before == after:
            continue
        label = spec.label[:1].upper() + spec.label[1:]
        if spec.kind == "long":
            general.append(f"{label} — nouveau texte : {after}" if after else f"{label} : retiré(e)")
        elif not before:
            general.append(f"{label} : {after}")
        else:
            general.append(f"{label} : désormais {after} (avant : {before})" if after else f"{label} : retiré(e)")
    if general:
        changes.append(SectionChange("general", SECTION_TITLES["general"], general))
    for section in SECTIONS:
        lines = _item_changes(section, old.get(section, []), new.get(section, []))
        if lines:
            changes.append(SectionChange(section, SECTION_TITLES[section], lines))
    team_lines = _team_changes(old.get("team") or {}, new.get("team") or {})
    if team_lines:
        changes.append(SectionChange("team", SECTION_TITLES["team"], team_lines))
    if (old.get("diagnosis") or {}) != (new.get("diagnosis") or {}) and new.get("diagnosis"):
        changes.append(SectionChange("diagnosis", SECTION_TITLES["diagnosis"], ["Les informations sur votre diagnostic ont été mises à jour."]))
    return changes
